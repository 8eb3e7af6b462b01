// Command sleep is Tornado's demonstration of waiting cheaply: each
// request to /sleep is answered after a delay, yet holds no goroutine
// while it waits. Its handler goes asynchronous and leaves a timer on the
// loop (Tornado's @asynchronous with add_timeout); when the timer fires,
// on the loop, it renders the page and finishes. Thousands of sleeping
// requests cost one loop goroutine and a timer each.
//
//	go run ./examples/sleep -addr 127.0.0.1:8888
//	curl 'http://127.0.0.1:8888/sleep?seconds=2'
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
	"sync/atomic"
	"time"

	"github.com/gotornado/tornado/httpserver"
	"github.com/gotornado/tornado/web"
)

//go:embed templates
var files embed.FS

// maxSleep bounds the wait a client may ask for.
const maxSleep = 10 * time.Second

// SleepHandler answers GET /sleep?seconds=N after N seconds (default 1,
// at most 10; a fraction is allowed).
type SleepHandler struct {
	web.RequestHandler
	waiting *atomic.Int64 // requests sleeping now, shown on the page
	stop    func() bool   // cancels the pending timer
}

// sleepPage is the data of sleep.html.
type sleepPage struct {
	Seconds string
	Others  int64
}

// Get implements web.Getter: it schedules the answer and returns at once.
func (h *SleepHandler) Get() error {
	raw, err := h.GetArgument("seconds", "1")
	if err != nil {
		return err
	}
	seconds, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(seconds) || seconds < 0 || seconds > maxSleep.Seconds() {
		return &web.HTTPError{Code: 400, Reason: "seconds must be a number from 0 to " + strconv.Itoa(int(maxSleep.Seconds()))}
	}
	h.Asynchronous()
	h.waiting.Add(1)
	h.stop = h.CallLater(time.Duration(seconds*float64(time.Second)), func() {
		h.stop = nil
		others := h.waiting.Add(-1)
		if err := h.Render("sleep.html", sleepPage{Seconds: raw, Others: others}); err != nil {
			h.Finish() // answers 500 for the failed render, and logs it
		}
	})
	return nil
}

// OnConnectionClose implements web.ConnectionCloser: a client that leaves
// early takes its timer with it.
func (h *SleepHandler) OnConnectionClose() {
	if h.stop != nil && h.stop() {
		h.stop = nil
		h.waiting.Add(-1)
		h.Finish()
	}
}

// newApplication returns the application, logging to logger (nil:
// slog.Default()); waiting counts the requests sleeping now.
func newApplication(waiting *atomic.Int64, logger *slog.Logger) *web.Application {
	templates, err := fs.Sub(files, "templates")
	if err != nil {
		panic(err) // the folder is embedded
	}
	return web.NewApplication([]web.Rule{
		web.RWith(`/sleep`, func(h *SleepHandler) { h.waiting = waiting }),
		web.R[web.RedirectHandler](`/`, web.Args{"url": "/sleep", "permanent": false}),
	}, web.Settings{TemplateFS: templates, Logger: logger})
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "address to listen on")
	flag.Parse()
	srv := &httpserver.Server{Handler: newApplication(new(atomic.Int64), nil)}
	if err := srv.Listen(*addr); err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on http://%s/sleep?seconds=1", srv.Addr())
	if err := srv.ServeUntilSignal(); err != nil && !errors.Is(err, httpserver.ErrServerClosed) {
		log.Fatal(err)
	}
}
