// Command nbio is the nbio peer of the benchmark: TechEmpower's plaintext
// and JSON tests on github.com/lesismal/nbio's nbhttp engine (an epoll
// reactor serving net/http handlers), with one poller per GOMAXPROCS and
// nbhttp's default executor. JSON is encoded per request with encoding/json.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/lesismal/nbio/logging"
	"github.com/lesismal/nbio/nbhttp"
)

type message struct {
	Message string `json:"message"`
}

func plaintext(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = []string{"text/plain"}
	h["Server"] = []string{"nbio"}
	w.Write([]byte("Hello, World!"))
}

func jsonHandler(w http.ResponseWriter, r *http.Request) {
	b, err := json.Marshal(message{Message: "Hello, World!"})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Server"] = []string{"nbio"}
	w.Write(b)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "listen address `host:port`")
	flag.Parse()
	logging.SetLevel(logging.LevelError)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /plaintext", plaintext)
	mux.HandleFunc("GET /json", jsonHandler)
	engine := nbhttp.NewEngine(nbhttp.Config{
		Network: "tcp",
		Addrs:   []string{*addr},
		NPoller: runtime.GOMAXPROCS(0),
		MaxLoad: 1 << 20,
		Handler: mux,
	})
	if err := engine.Start(); err != nil {
		log.Fatal(err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	engine.Stop()
}
