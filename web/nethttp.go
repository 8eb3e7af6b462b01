package web

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gotornado/tornado/httputil"
)

// ServeHTTP serves r under net/http, which gives the Application TLS and
// HTTP/2: the request is read in full (up to Settings.MaxBodySize, else
// 413), adapted to an httputil.ServerRequest, and served through the same
// MessageDelegate as on a loop, with a Connection over w. The handler's
// code runs on this goroutine; functions queued with AddCallback (Run, and
// the output methods of a detached handler) run here too, until the
// response is finished or the client goes away. Safe for concurrent use.
func (a *Application) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := newServerRequest(r)
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBodySize()))
		if err != nil {
			if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
				w.Header().Set("Content-Type", "text/html; charset=UTF-8")
				w.WriteHeader(http.StatusRequestEntityTooLarge)
				io.WriteString(w, "<html><title>413: Request Entity Too Large</title><body>413: Request Entity Too Large</body></html>")
			}
			return // otherwise the client went away
		}
		req.Body = body
	}
	c := &httpConn{w: w, r: r, head: r.Method == http.MethodHead, wake: make(chan struct{}, 1), log: a.logger()}
	req.Connection = c
	d := a.StartRequest(c)
	if err := d.HeadersReceived(req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d.Finish()
	c.serve()
}

// newServerRequest adapts r.
func newServerRequest(r *http.Request) *httputil.ServerRequest {
	req := &httputil.ServerRequest{
		Method:    r.Method,
		URI:       r.RequestURI,
		Version:   r.Proto,
		Protocol:  "http",
		Host:      r.Host,
		StartTime: time.Now(),
	}
	if r.TLS != nil {
		req.Protocol = "https"
	}
	if req.URI == "" {
		req.URI = r.URL.RequestURI()
	}
	if strings.HasPrefix(req.URI, "/") {
		req.Path, req.Query, _ = strings.Cut(req.URI, "?")
	} else { // absolute-form or "*"
		req.Path, req.Query = r.URL.EscapedPath(), r.URL.RawQuery
	}
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		req.RemoteIP = ip
	} else {
		req.RemoteIP = r.RemoteAddr
	}
	if r.Host != "" {
		req.Header.Add("Host", r.Host)
	} else {
		req.Host = "127.0.0.1"
	}
	req.HostName = httputil.HostName(req.Host)
	for name, values := range r.Header {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	return req
}

// httpConn is the httputil.Connection of one net/http request. All its
// methods but AddCallback run on the ServeHTTP goroutine.
type httpConn struct {
	w       http.ResponseWriter
	r       *http.Request
	head    bool
	log     *slog.Logger
	onClose func()
	done    bool // Finish was called

	mu     sync.Mutex
	queue  []func()
	closed bool // ServeHTTP has returned: callbacks are dropped
	wake   chan struct{}
}

var _ httputil.Connection = (*httpConn)(nil)

// WriteHeaders writes the headers and chunk. net/http frames the body: with
// Content-Length it sends it as is; without, it flushes, so the client gets
// the chunk now (chunked on HTTP/1.1). The reason phrase cannot be set. An
// error is returned, without calling cb; otherwise cb runs later.
func (c *httpConn) WriteHeaders(code int, reason string, h *httputil.Header, chunk []byte, cb func(error)) error {
	hdr := c.w.Header()
	for name, value := range h.All() {
		hdr[name] = append(hdr[name], value)
	}
	c.w.WriteHeader(code)
	if len(chunk) > 0 && !c.head {
		if _, err := c.w.Write(chunk); err != nil {
			return err
		}
	}
	if !h.Has("Content-Length") {
		if err := c.flush(); err != nil {
			return err
		}
	}
	c.callback(cb)
	return nil
}

// Write writes chunk and flushes it to the client.
func (c *httpConn) Write(chunk []byte, cb func(error)) error {
	if !c.head {
		if _, err := c.w.Write(chunk); err != nil {
			return err
		}
		if err := c.flush(); err != nil {
			return err
		}
	}
	c.callback(cb)
	return nil
}

func (c *httpConn) flush() error {
	err := http.NewResponseController(c.w).Flush()
	if errors.Is(err, http.ErrNotSupported) {
		return nil
	}
	return err
}

func (c *httpConn) callback(cb func(error)) {
	if cb != nil {
		c.AddCallback(func() { cb(nil) })
	}
}

// Finish ends the response: ServeHTTP returns once the queued callbacks ran.
func (c *httpConn) Finish() error {
	c.done = true
	return nil
}

func (c *httpConn) SetCloseCallback(f func()) { c.onClose = f }

// AddCallback queues f to run on the ServeHTTP goroutine. Safe for
// concurrent use. After ServeHTTP has returned, f is dropped.
func (c *httpConn) AddCallback(f func()) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.queue = append(c.queue, f)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// serve runs queued callbacks until the response is finished or the client
// goes away.
func (c *httpConn) serve() {
	gone := c.r.Context().Done()
	for !c.done {
		select {
		case <-c.wake:
			c.runQueue()
		case <-gone:
			c.runQueue()
			if !c.done {
				c.shutdown()
				if c.onClose != nil {
					c.onClose()
				}
				return
			}
		}
	}
	c.runQueue() // the callbacks of the last writes
	c.shutdown()
}

func (c *httpConn) runQueue() {
	for {
		c.mu.Lock()
		q := c.queue
		c.queue = nil
		c.mu.Unlock()
		if len(q) == 0 {
			return
		}
		for _, f := range q {
			c.run(f)
		}
	}
}

func (c *httpConn) run(f func()) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			c.log.Error("Uncaught panic in callback", "panic", v, "stack", string(debug.Stack()))
		}
	}()
	f()
}

func (c *httpConn) shutdown() {
	c.mu.Lock()
	c.closed = true
	c.queue = nil
	c.mu.Unlock()
}
