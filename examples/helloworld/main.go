// Command helloworld is Tornado's hello-world application in GoTornado:
//
//	go run ./examples/helloworld -addr 127.0.0.1:8888
//	curl http://127.0.0.1:8888/index
//	curl -i http://127.0.0.1:8888/python/monday/tornado   # 301 to /index
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/gotornado/tornado/web"
)

// MainHandler answers GET /index.
type MainHandler struct{ web.RequestHandler }

// Get implements web.Getter.
func (h *MainHandler) Get() error {
	h.Write("Hello, world")
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
	flag.Parse()
	app := newApplication()
	log.Printf("listening on http://%s/index", *addr)
	log.Fatal(http.ListenAndServe(*addr, app))
}
