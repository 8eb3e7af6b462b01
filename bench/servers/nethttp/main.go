// Command nethttp is the net/http peer of the benchmark: TechEmpower's
// plaintext and JSON tests on the standard library's server. JSON is encoded
// per request with encoding/json.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
)

type message struct {
	Message string `json:"message"`
}

func plaintext(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = []string{"text/plain"}
	h["Server"] = []string{"nethttp"}
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
	h["Server"] = []string{"nethttp"}
	w.Write(b)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "listen address `host:port`")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /plaintext", plaintext)
	mux.HandleFunc("GET /json", jsonHandler)
	log.Fatal(http.ListenAndServe(*addr, mux))
}
