// Command gotornado is the GoTornado peer of the benchmark, written the way
// a user would write it: a web.Application with two RequestHandlers served
// by httpserver.Server. JSON is encoded per request by RequestHandler.Write,
// which marshals the struct with encoding/json.
//
// By default it serves with one loop per GOMAXPROCS (each with its own
// SO_REUSEPORT listener); -loops sets the number of loops, and -procs n
// uses Tornado's pre-fork model instead (Bind, then Start(n)).
package main

import (
	"flag"
	"log"

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

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "listen address `host:port`")
	loops := flag.Int("loops", 0, "loops to serve on (0: one per GOMAXPROCS)")
	procs := flag.Int("procs", 0, "pre-fork `n` processes of one loop each (0: no pre-fork)")
	flag.Parse()

	app := web.NewApplication([]web.Rule{
		web.R[PlainHandler]("/plaintext"),
		web.R[JSONHandler]("/json"),
	}, web.Settings{
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
