// Command fasthttp is the fasthttp peer of the benchmark: TechEmpower's
// plaintext and JSON tests on github.com/valyala/fasthttp. JSON is encoded
// per request with encoding/json.
package main

import (
	"encoding/json"
	"flag"
	"log"

	"github.com/valyala/fasthttp"
)

type message struct {
	Message string `json:"message"`
}

func handler(ctx *fasthttp.RequestCtx) {
	switch string(ctx.Path()) {
	case "/plaintext":
		ctx.SetContentType("text/plain")
		ctx.WriteString("Hello, World!")
	case "/json":
		b, err := json.Marshal(message{Message: "Hello, World!"})
		if err != nil {
			ctx.Error(err.Error(), fasthttp.StatusInternalServerError)
			return
		}
		ctx.SetContentType("application/json")
		ctx.Write(b)
	default:
		ctx.Error("Not Found", fasthttp.StatusNotFound)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "listen address `host:port`")
	flag.Parse()
	srv := &fasthttp.Server{Handler: handler, Name: "fasthttp"}
	log.Fatal(srv.ListenAndServe(*addr))
}
