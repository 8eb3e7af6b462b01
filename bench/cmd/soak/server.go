package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gotornado/tornado/httpserver"
	"github.com/gotornado/tornado/web"
)

// The server's routes.
const (
	pathPlain = "/plaintext"
	pathPoll  = "/poll"
	pathBig   = "/big"
	pathDebug = "/debug/goroutines"
)

// bigPiece is how much of /big is written per Flush.
const bigPiece = 64 << 10

// serverConfig is what the soak's server is told on its command line.
type serverConfig struct {
	pollDelay time.Duration
	bigSize   int
}

// PlainHandler answers the plaintext load.
type PlainHandler struct{ web.RequestHandler }

// Get writes a short body.
func (h *PlainHandler) Get() error {
	h.SetHeader("Content-Type", "text/plain")
	_, err := h.WriteString("Hello, World!")
	return err
}

// PollHandler is a long poll: it answers after the configured delay.
type PollHandler struct {
	web.RequestHandler
	delay time.Duration
}

// Get goes asynchronous and finishes from a timer on the handler's loop.
// The timer runs even if the client has left: Finish then ends the
// request's lifetime.
func (h *PollHandler) Get() error {
	h.Asynchronous()
	h.CallLater(h.delay, func() { h.Finish("polled") })
	return nil
}

// BigHandler streams a large body one piece per Flush, writing the next
// piece only once the last one is handed to the kernel, so that a slow
// reader holds back the handler rather than the server's memory.
type BigHandler struct {
	web.RequestHandler
	size int
	sent int
}

var bigChunk = []byte(strings.Repeat("b", bigPiece))

// Get starts the stream.
func (h *BigHandler) Get() error {
	h.Asynchronous()
	h.SetHeader("Content-Type", "application/octet-stream")
	h.next(nil)
	return nil
}

func (h *BigHandler) next(err error) {
	if err != nil || h.sent >= h.size {
		h.Finish() // after an error, only ends the request's lifetime
		return
	}
	n := min(bigPiece, h.size-h.sent)
	h.sent += n
	h.Write(bigChunk[:n])
	if err := h.Flush(h.next); err != nil {
		h.Finish()
	}
}

// DebugHandler reports the server's goroutine count.
type DebugHandler struct{ web.RequestHandler }

// Get writes runtime.NumGoroutine.
func (h *DebugHandler) Get() error {
	h.SetHeader("Content-Type", "text/plain")
	_, err := h.WriteString(strconv.Itoa(runtime.NumGoroutine()) + "\n")
	return err
}

// serve runs the soak's server on 127.0.0.1: it prints "port N" on
// stdout, logs to stderr, and shuts down on SIGTERM or SIGINT.
func serve(cfg serverConfig) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	app := web.NewApplication([]web.Rule{
		web.R[PlainHandler](pathPlain),
		web.RWith(pathPoll, func(h *PollHandler) { h.delay = cfg.pollDelay }),
		web.RWith(pathBig, func(h *BigHandler) { h.size = cfg.bigSize }),
		web.R[DebugHandler](pathDebug),
	}, web.Settings{
		Logger:      logger,
		LogFunction: func(*web.RequestHandler) {}, // no access log under load
	})
	srv := &httpserver.Server{Handler: app, Logger: logger}
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	fmt.Printf("port %d\n", srv.Addr().(*net.TCPAddr).Port)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	select {
	case <-stop:
	case err := <-served:
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(ctx)
	<-served
	return err
}
