// Command helloworld is Tornado's hello-world application in GoTornado:
//
//	go run ./examples/helloworld -addr 127.0.0.1:8888
//	curl http://127.0.0.1:8888/index
//	curl -i http://127.0.0.1:8888/python/monday/tornado   # 301 to /index
package main

import (
	"errors"
	"flag"
	"log"

	"github.com/gotornado/tornado/httpserver"
	"github.com/gotornado/tornado/web"
)

// MainHandler answers GET /index.
type MainHandler struct{ web.RequestHandler }

// Get implements web.Getter.
func (h *MainHandler) Get() error {
	h.WriteString("Hello, world")
	return nil
}

func newApplication() *web.Application {
	return web.NewApplication([]web.Rule{
		web.R[MainHandler](`/index`),
		web.R[web.RedirectHandler](`/python/(?P<day>[a-zA-Z0-9]+)/(?P<title>[a-zA-Z]+)`, web.Args{"url": "/index"}),
	}, web.Settings{})
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "address to listen on")
	procs := flag.Int("procs", -1, "pre-fork this many serving processes (0: one per CPU); -1: one process, one loop per core")
	flag.Parse()
	srv := &httpserver.Server{Handler: newApplication()}
	if *procs >= 0 {
		// Tornado's pre-fork model: bind, then fork the serving processes.
		if err := srv.Bind(*addr); err != nil {
			log.Fatal(err)
		}
		log.Printf("listening on http://%s/index with pre-forked processes", srv.Addr())
		if err := srv.Start(*procs); err != nil && !errors.Is(err, httpserver.ErrServerClosed) {
			log.Fatal(err)
		}
		return
	}
	if err := srv.Listen(*addr); err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on http://%s/index", srv.Addr())
	if err := srv.Serve(); err != nil && !errors.Is(err, httpserver.ErrServerClosed) {
		log.Fatal(err)
	}
}
