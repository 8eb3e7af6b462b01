// Command chatnethttp is the net/http chat of the fan-out benchmark
// (bench/cmd/fanout): the routes of servers/chatgt on the standard
// library's server, the way a Go user writes a long poll there. Each
// POST /a/message/updates blocks its request's goroutine until a message
// newer than its cursor arrives, or the client goes away (the request's
// context ends); POST /a/message/new appends a message under a mutex and
// wakes every waiter by closing a channel that each new message replaces
// (a broadcast). The answers are the same JSON bytes as chatgt's. GET
// /debug/stats answers the goroutine count and the number of waiting long
// polls.
//
// With -cpuprofile FILE it also takes POST /debug/cpuprofile
// action=start|stop|heap, which writes FILE.1, FILE.2, ... (CPU) and
// FILE.heap.1, ... (heap, after a GC).
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"runtime"
	"strings"
	"sync"

	"github.com/gotornado/tornado/bench/internal/chat"
)

// room is the chat's shared state: mu guards every field.
type room struct {
	mu      sync.Mutex
	cache   chat.Cache
	waiting int
	changed chan struct{} // closed, and replaced, by each new message
}

func newRoom() *room { return &room{changed: make(chan struct{})} }

// updates is the long poll.
func (r *room) updates(w http.ResponseWriter, req *http.Request) {
	cursor := strings.TrimSpace(req.FormValue("cursor"))
	done := req.Context().Done()
	r.mu.Lock()
	for {
		if msgs := r.cache.Since(cursor); msgs != nil {
			r.mu.Unlock()
			writeJSON(w, chat.Updates{Messages: msgs})
			return
		}
		changed := r.changed
		r.waiting++
		r.mu.Unlock()
		gone := false
		select {
		case <-changed:
		case <-done:
			gone = true
		}
		r.mu.Lock()
		r.waiting--
		if gone {
			r.mu.Unlock()
			return
		}
	}
}

// newMessage posts a message.
func (r *room) newMessage(w http.ResponseWriter, req *http.Request) {
	if err := req.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	vs := req.Form["body"]
	if len(vs) == 0 {
		http.Error(w, "Missing argument body", http.StatusBadRequest)
		return
	}
	body := strings.TrimSpace(vs[len(vs)-1]) // the last value, as GetArgument
	if len(body) > chat.MaxBody {
		http.Error(w, "Message Too Long", http.StatusRequestEntityTooLarge)
		return
	}
	r.mu.Lock()
	m := r.cache.Add(body)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	writeJSON(w, m)
}

// stats answers chat.Stats.
func (r *room) stats(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	s := chat.Stats{Goroutines: runtime.NumGoroutine(), Waiting: r.waiting, Messages: r.cache.Len()}
	r.mu.Unlock()
	s.ReadMemory()
	writeJSON(w, s)
}

// writeJSON answers v encoded, with chatgt's Content-Type.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header()["Content-Type"] = []string{"application/json; charset=UTF-8"}
	w.Write(b)
}

// profileHandler runs the action argument on p.
func profileHandler(p *chat.Profiler) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		out, err := p.Command(req.FormValue("action"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Write([]byte(out + "\n"))
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8902", "listen address `host:port`")
	profile := flag.String("cpuprofile", "", "write CPU profiles to `file`.N, started and stopped by POST "+chat.ProfilePath)
	hz := flag.Int("cpuprofile-hz", 1000, "CPU profile samples per second")
	flag.Parse()

	r := newRoom()
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+chat.UpdatesPath, r.updates)
	mux.HandleFunc("POST "+chat.NewPath, r.newMessage)
	mux.HandleFunc("GET "+chat.StatsPath, r.stats)
	if *profile != "" {
		mux.HandleFunc("POST "+chat.ProfilePath, profileHandler(&chat.Profiler{Base: *profile, Hz: *hz}))
	}
	log.Fatal(http.ListenAndServe(*addr, mux))
}
