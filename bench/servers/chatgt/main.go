// Command chatgt is the GoTornado chat of the fan-out benchmark
// (bench/cmd/fanout), written the way Tornado's chat demo is: a long poll,
// POST /a/message/updates with the client's cursor, goes Asynchronous and
// waits on a locks.Condition until a message newer than the cursor
// arrives, then finishes with {"messages":[...]}; POST /a/message/new
// appends a message to the cache under a mutex and wakes every waiter with
// NotifyAll; a client that goes away cancels its wait in
// OnConnectionClose. A waiting long poll holds no goroutine: its wake-up
// runs on its connection's loop. GET /debug/stats answers the goroutine
// count and the number of waiting long polls.
//
// It serves with one loop per GOMAXPROCS. With -cpuprofile FILE it also
// takes POST /debug/cpuprofile action=start|stop|heap: one CPU profile
// per start, FILE.1, FILE.2, ..., for the moments the benchmark measures,
// and a heap profile after a GC per heap, FILE.heap.1, ...
package main

import (
	"flag"
	"log"
	"runtime"
	"sync"

	"github.com/gotornado/tornado/bench/internal/chat"
	"github.com/gotornado/tornado/httpserver"
	"github.com/gotornado/tornado/locks"
	"github.com/gotornado/tornado/web"
)

// room is the chat's shared state. Handlers on every loop touch it: mu
// guards cache and waiting, and a long poll checks the cache and waits on
// cond under mu, so that no message falls between the check and the wait.
type room struct {
	mu      sync.Mutex
	cache   chat.Cache
	waiting int
	cond    locks.Condition
}

// UpdatesHandler is the long poll.
type UpdatesHandler struct {
	web.RequestHandler
	room *room

	cursor string
	cancel func() // cancels the wait in progress; nil when none
}

// Post answers at once if there are messages after the cursor, and
// otherwise waits for them.
func (h *UpdatesHandler) Post() error {
	cursor, err := h.GetArgument("cursor", "")
	if err != nil {
		return err
	}
	h.cursor = cursor
	h.Asynchronous()
	h.room.mu.Lock()
	h.check()
	return nil
}

// check finishes the response with the messages after the cursor, or waits
// for the next message. Called on the loop with room.mu held, which it
// releases.
func (h *UpdatesHandler) check() {
	r := h.room
	if msgs := r.cache.Since(h.cursor); msgs != nil {
		r.mu.Unlock()
		h.cancel = nil
		h.Finish(chat.Updates{Messages: msgs})
		return
	}
	r.waiting++
	h.cancel = r.cond.Wait(h.Loop(), 0, h.woken)
	r.mu.Unlock()
}

// woken runs on the loop when a message arrived (notified) or the wait was
// cancelled.
func (h *UpdatesHandler) woken(notified bool) {
	r := h.room
	r.mu.Lock()
	r.waiting--
	if !notified {
		r.mu.Unlock()
		return
	}
	h.check()
}

// OnConnectionClose implements web.ConnectionCloser: the client went away,
// so its wait ends.
func (h *UpdatesHandler) OnConnectionClose() {
	if h.cancel != nil {
		h.cancel()
	}
}

// NewHandler posts a message.
type NewHandler struct {
	web.RequestHandler
	room *room
}

// Post appends the message, wakes every long poll and answers the message.
func (h *NewHandler) Post() error {
	body, err := h.GetArgument("body")
	if err != nil {
		return err
	}
	if len(body) > chat.MaxBody {
		return &web.HTTPError{Code: 413, Reason: "Message Too Long"}
	}
	r := h.room
	r.mu.Lock()
	m := r.cache.Add(body)
	r.mu.Unlock()
	r.cond.NotifyAll()
	return h.WriteJSON(m)
}

// StatsHandler answers chat.Stats.
type StatsHandler struct {
	web.RequestHandler
	room *room
}

// Get writes the counts.
func (h *StatsHandler) Get() error {
	r := h.room
	r.mu.Lock()
	s := chat.Stats{Goroutines: runtime.NumGoroutine(), Waiting: r.waiting, Messages: r.cache.Len()}
	r.mu.Unlock()
	s.ReadMemory()
	return h.WriteJSON(s)
}

// ProfileHandler starts and stops CPU profiles.
type ProfileHandler struct {
	web.RequestHandler
	prof *chat.Profiler
}

// Post runs the action argument.
func (h *ProfileHandler) Post() error {
	action, err := h.GetArgument("action")
	if err != nil {
		return err
	}
	out, err := h.prof.Command(action)
	if err != nil {
		return &web.HTTPError{Code: 400, Reason: "Bad Profile Command", Err: err}
	}
	_, err = h.WriteString(out + "\n")
	return err
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8901", "listen address `host:port`")
	profile := flag.String("cpuprofile", "", "write CPU profiles to `file`.N, started and stopped by POST "+chat.ProfilePath)
	hz := flag.Int("cpuprofile-hz", 1000, "CPU profile samples per second")
	flag.Parse()

	r := &room{}
	rules := []web.Rule{
		web.RWith(chat.UpdatesPath, func(h *UpdatesHandler) { h.room = r }),
		web.RWith(chat.NewPath, func(h *NewHandler) { h.room = r }),
		web.RWith(chat.StatsPath, func(h *StatsHandler) { h.room = r }),
	}
	if *profile != "" {
		p := &chat.Profiler{Base: *profile, Hz: *hz}
		rules = append(rules, web.RWith(chat.ProfilePath, func(h *ProfileHandler) { h.prof = p }))
	}
	app := web.NewApplication(rules, web.Settings{
		LogFunction: func(*web.RequestHandler) {}, // no access log: 10,000 lines per fan-out
	})
	srv := &httpserver.Server{Handler: app}
	log.Fatal(srv.ListenAndServe(*addr))
}
