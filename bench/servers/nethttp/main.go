// Command nethttp is the net/http peer of the benchmark: TechEmpower's
// plaintext and JSON tests on the standard library's server. JSON is encoded
// per request with encoding/json. /static/10k.txt is served by
// http.FileServer from the -static folder (which it writes the file into
// at start), /page by html/template's Execute into the ResponseWriter, and
// /debug/allocs answers the process's allocation counters, which bench/run
// reads around each load run.
package main

import (
	"encoding/json"
	"flag"
	"html/template"
	"log"
	"net/http"

	"github.com/gotornado/tornado/bench/internal/site"
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

// page is the page test's template, parsed once at start.
var page = template.Must(template.ParseFS(site.Templates, site.PageName))

func pageHandler(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = []string{"text/html; charset=utf-8"}
	h["Server"] = []string{"nethttp"}
	if err := page.Execute(w, site.PageData); err != nil {
		log.Print(err) // the status line may be out already
	}
}

func allocs(w http.ResponseWriter, r *http.Request) {
	w.Header()["Content-Type"] = []string{"text/plain"}
	w.Write([]byte(site.AllocCounters()))
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "listen address `host:port`")
	static := flag.String("static", site.DefaultStaticDir(), "`folder` to write "+site.StaticName+" into and serve under /static/")
	flag.Parse()
	if err := site.WriteStatic(*static); err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /plaintext", plaintext)
	mux.HandleFunc("GET /json", jsonHandler)
	mux.HandleFunc("GET /page", pageHandler)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServer(http.Dir(*static))))
	mux.HandleFunc("GET "+site.AllocPath, allocs)
	log.Fatal(http.ListenAndServe(*addr, mux))
}
