// Command gotornado is the GoTornado peer of the benchmark, written the way
// a user would write it: a web.Application of RequestHandlers served by
// httpserver.Server. JSON is encoded per request by RequestHandler.Write,
// which marshals the struct with encoding/json. /static/10k.txt is served
// by web.StaticFileHandler from the -static folder (which it writes the
// file into at start), /page by RequestHandler.Render of an html/template
// from Settings.TemplateFS, and /debug/allocs answers the process's
// allocation counters, which bench/run reads around each load run.
//
// By default it serves with one loop per GOMAXPROCS (each with its own
// SO_REUSEPORT listener); -loops sets the number of loops, and -procs n
// uses Tornado's pre-fork model instead (Bind, then Start(n)).
package main

import (
	"flag"
	"log"

	"github.com/gotornado/tornado/bench/internal/site"
	"github.com/gotornado/tornado/httpserver"
	"github.com/gotornado/tornado/web"
)

// PlainHandler serves TechEmpower's plaintext test.
type PlainHandler struct{ web.RequestHandler }

// Get writes the plaintext body.
func (h *PlainHandler) Get() error {
	h.SetHeader("Content-Type", "text/plain")
	_, err := h.WriteString("Hello, World!")
	return err
}

// JSONHandler serves TechEmpower's JSON test.
type JSONHandler struct{ web.RequestHandler }

type message struct {
	Message string `json:"message"`
}

// Get writes the message, encoded for this request.
func (h *JSONHandler) Get() error {
	return h.WriteJSON(message{Message: "Hello, World!"})
}

// PageHandler serves the page test: a small template rendered per request.
type PageHandler struct{ web.RequestHandler }

// Get renders the page.
func (h *PageHandler) Get() error {
	return h.Render(site.PageName, site.PageData)
}

// AllocsHandler answers the allocation counters.
type AllocsHandler struct{ web.RequestHandler }

// Get writes the counters as text.
func (h *AllocsHandler) Get() error {
	h.SetHeader("Content-Type", "text/plain")
	_, err := h.WriteString(site.AllocCounters())
	return err
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "listen address `host:port`")
	loops := flag.Int("loops", 0, "loops to serve on (0: one per GOMAXPROCS)")
	procs := flag.Int("procs", 0, "pre-fork `n` processes of one loop each (0: no pre-fork)")
	static := flag.String("static", site.DefaultStaticDir(), "`folder` to write "+site.StaticName+" into and serve under /static/")
	flag.Parse()
	if err := site.WriteStatic(*static); err != nil {
		log.Fatal(err)
	}

	// The static rule is given after /plaintext and /json rather than by
	// Settings.StaticPath, whose rules come first: rules are tried in
	// order, and those tests are not to pay for three more patterns.
	app := web.NewApplication([]web.Rule{
		web.R[PlainHandler]("/plaintext"),
		web.R[JSONHandler]("/json"),
		web.R[PageHandler]("/page"),
		web.R[web.StaticFileHandler](`/static/(.*)`, web.Args{"path": *static}),
		web.R[AllocsHandler](site.AllocPath),
	}, web.Settings{
		TemplateFS:  site.Templates,
		LogFunction: func(*web.RequestHandler) {}, // no access log: the other peers do not log
	})
	srv := &httpserver.Server{Handler: app, Loops: *loops}
	if *procs > 0 {
		if err := srv.Bind(*addr); err != nil {
			log.Fatal(err)
		}
		if err := srv.Start(*procs); err != nil {
			log.Fatal(err)
		}
		return
	}
	log.Fatal(srv.ListenAndServe(*addr))
}
