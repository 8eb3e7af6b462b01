// Command sse streams server-sent events: the page at / subscribes with
// EventSource to /events, a clock that sends a numbered "tick" event every
// second. A reconnecting client sends the ID of the last event it got
// (Last-Event-ID) and the count resumes after it. The ticks are timers on
// the loop: an open stream holds no goroutine, and one whose client stops
// reading has its ticks skipped once MaxQueued bytes wait for it, instead
// of growing the server's memory.
//
//	go run ./examples/sse -addr 127.0.0.1:8888    # then open http://127.0.0.1:8888/
//	curl -N http://127.0.0.1:8888/events
//	curl -N -H 'Last-Event-ID: 41' 'http://127.0.0.1:8888/events?count=3'
package main

import (
	"embed"
	"errors"
	"flag"
	"io/fs"
	"log"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gotornado/tornado/httpserver"
	"github.com/gotornado/tornado/web"
)

//go:embed templates
var files embed.FS

// maxCount bounds the events a client may ask for with ?count=.
const maxCount = 1 << 20

// IndexHandler serves the page.
type IndexHandler struct{ web.RequestHandler }

// Get implements web.Getter.
func (h *IndexHandler) Get() error { return h.Render("index.html", nil) }

// ClockHandler streams a tick every interval, numbered from one, or from
// after the client's Last-Event-ID; ?count=N ends the stream after N
// ticks.
type ClockHandler struct {
	web.RequestHandler
	interval time.Duration
	streams  *streams

	stream     *web.EventStream
	next, last int         // the next tick's ID; the last one to send (0: no end)
	stop       func() bool // cancels the pending tick
}

// Get implements web.Getter: it opens the stream and returns; the ticks
// run on the loop.
func (h *ClockHandler) Get() error {
	raw, err := h.GetArgument("count", "0")
	if err != nil {
		return err
	}
	count, err := strconv.Atoi(raw)
	if err != nil || count < 0 || count > maxCount {
		return &web.HTTPError{Code: 400, Reason: "count must be a number from 0 to " + strconv.Itoa(maxCount)}
	}
	s, err := web.NewEventStream(h)
	if err != nil {
		return err
	}
	h.stream, h.next = s, 1
	if id, err := strconv.Atoi(s.LastEventID()); err == nil && id >= 0 && id < math.MaxInt/2 {
		h.next = id + 1
	}
	if count > 0 {
		h.last = h.next + count - 1
	}
	h.streams.add(s)
	if err := s.Send(web.Event{Retry: 2 * time.Second}, nil); err != nil { // reconnect after 2s
		return nil // the client left already: the stream has ended
	}
	h.tick()
	return nil
}

// tick sends the next event and schedules the one after; on the loop.
func (h *ClockHandler) tick() {
	h.stop = nil
	err := h.stream.Send(web.Event{ID: strconv.Itoa(h.next), Event: "tick", Data: time.Now().Format(time.TimeOnly)}, nil)
	switch {
	case err == nil:
		h.next++
	case errors.Is(err, web.ErrStreamFull):
		// The client is behind: it gets the next tick, if it catches up.
	default:
		return // the stream has ended
	}
	if h.last > 0 && h.next > h.last {
		h.stream.Close()
		return
	}
	h.stop = h.CallLater(h.interval, h.tick)
}

// OnFinish implements web.OnFinisher: the stream has ended (the client
// left, the count was reached, or the server stops), and so do its ticks.
func (h *ClockHandler) OnFinish() {
	if h.stop != nil {
		h.stop()
		h.stop = nil
	}
	if h.stream != nil {
		h.streams.remove(h.stream)
	}
}

// streams are the open streams of all loops, closed when the server stops
// so that the graceful stop need not wait for them. Safe for concurrent
// use.
type streams struct {
	mu   sync.Mutex
	open map[*web.EventStream]struct{}
}

func (s *streams) add(es *web.EventStream) {
	s.mu.Lock()
	s.open[es] = struct{}{}
	s.mu.Unlock()
}

func (s *streams) remove(es *web.EventStream) {
	s.mu.Lock()
	delete(s.open, es)
	s.mu.Unlock()
}

// closeAll ends every open stream.
func (s *streams) closeAll() {
	s.mu.Lock()
	open := make([]*web.EventStream, 0, len(s.open))
	for es := range s.open {
		open = append(open, es)
	}
	s.mu.Unlock()
	for _, es := range open {
		es.Close()
	}
}

// newApplication returns the application ticking every interval, logging
// to logger (nil: slog.Default()), and the streams it opens.
func newApplication(interval time.Duration, logger *slog.Logger) (*web.Application, *streams) {
	templates, err := fs.Sub(files, "templates")
	if err != nil {
		panic(err) // the folder is embedded
	}
	open := &streams{open: make(map[*web.EventStream]struct{})}
	return web.NewApplication([]web.Rule{
		web.R[IndexHandler](`/`),
		web.RWith(`/events`, func(h *ClockHandler) { h.interval, h.streams = interval, open }),
	}, web.Settings{TemplateFS: templates, Logger: logger}), open
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "address to listen on")
	interval := flag.Duration("interval", time.Second, "time between ticks")
	flag.Parse()
	if *interval <= 0 {
		log.Fatal("-interval must be positive")
	}
	app, open := newApplication(*interval, nil)
	srv := &httpserver.Server{Handler: app}
	srv.RegisterOnShutdown(open.closeAll)
	if err := srv.Listen(*addr); err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on http://%s/", srv.Addr())
	if err := srv.ServeUntilSignal(); err != nil && !errors.Is(err, httpserver.ErrServerClosed) {
		log.Fatal(err)
	}
}
