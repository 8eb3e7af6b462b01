package web

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/internal/goid"
)

// ServeHTTP serves r under net/http, which gives the Application TLS and
// HTTP/2: the request is adapted to an httputil.ServerRequest and served
// through the same MessageDelegate as on a loop, with a Connection over w;
// its body is read in 64 KiB pieces (up to httputil.DefaultMaxBodySize,
// else 413; http.MaxBytesHandler sets a smaller limit), handed as they
// come to a streaming handler (see BodyStreamer), whose PauseBody stops
// the reading. The handler's code runs on this
// goroutine; functions queued with AddCallback (Run, CallLater, Flush
// callbacks, and the output methods of an asynchronous handler) run here
// too, until the handler's lifetime ends. If the client goes away first,
// ServeHTTP returns, and what is queued later still runs, one function at
// a time, on a goroutine started for it: the hooks run as they do under
// httpserver. Safe for concurrent use.
func (a *Application) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := newServerRequest(r)
	c := &httpConn{w: w, r: r, head: r.Method == http.MethodHead, wake: make(chan struct{}, 1), log: a.logger()}
	req.Connection = c
	d := a.StartRequest(c).(*requestDelegate)
	if err := d.HeadersReceived(req); err != nil {
		if !errors.Is(err, errBodyRefused) {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	} else {
		switch c.readBody(d) { // stream.go
		case bodyRead:
			d.Finish()
		case bodyDropped:
			c.dropBody()
			return
		}
	}
	c.dropBody()
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

// httpConn is the httputil.Connection of one net/http request. Its owner
// is the ServeHTTP goroutine until the client goes away, then whichever
// goroutine drains its queue.
type httpConn struct {
	w       http.ResponseWriter
	r       *http.Request
	head    bool
	log     *slog.Logger
	onClose func()
	ended   bool // the handler's lifetime ended: ServeHTTP may return
	gone    bool // the client went away, or the connection was detached: w is not used
	aborted bool // a callback panicked with http.ErrAbortHandler

	body netBody // the request body as it is read (stream.go)

	mu       sync.Mutex
	queue    []func()
	orphan   bool // ServeHTTP has returned: a drain goroutine runs the queue
	draining bool
	wake     chan struct{}
	owner    atomic.Int64 // the owning goroutine's id, once claimed
}

var (
	_ httputil.Connection   = (*httpConn)(nil)
	_ httputil.OwnerChecker = (*httpConn)(nil)
	_ httputil.Detacher     = (*httpConn)(nil)
)

// WriteHeaders writes the headers and chunk. net/http frames the body: with
// Content-Length it sends it as is; without, it flushes, so the client gets
// the chunk now (chunked on HTTP/1.1). The reason phrase cannot be set. An
// error is returned, without calling cb; otherwise cb runs later.
func (c *httpConn) WriteHeaders(code int, reason string, h *httputil.Header, chunk []byte, cb func(error)) error {
	if c.gone {
		return httputil.ErrConnClosed
	}
	for i := range h.Len() {
		if name, value := h.At(i); !h.Checked(i) && (!httputil.ValidHeaderName(name) || !httputil.ValidHeaderValue(value)) {
			return fmt.Errorf("%w: %q: %q", httputil.ErrUnsafeHeader, name, value)
		}
	}
	cl := h.Get("Content-Length")
	if cl != "" {
		n, err := strconv.ParseInt(cl, 10, 64)
		if err != nil || n < 0 || !c.head && int64(len(chunk)) > n {
			return fmt.Errorf("%w: %q for %d bytes", httputil.ErrContentLength, cl, len(chunk))
		}
	}
	hdr := c.w.Header()
	for name, value := range h.All() {
		if name == "Etag" || name == "Content-Length" {
			// net/http keeps the strings past the handler's lifetime; these
			// two alias the handler's storage (see etagCache).
			value = strings.Clone(value)
		}
		hdr[name] = append(hdr[name], value)
	}
	if c.bodyUnread() {
		// net/http would read the rest of the body before the answer (stream.go).
		hdr.Set("Connection", "close")
	}
	c.w.WriteHeader(code)
	if len(chunk) > 0 && !c.head {
		if _, err := c.w.Write(chunk); err != nil {
			return err
		}
	}
	if cl == "" {
		if err := c.flush(); err != nil {
			return err
		}
	}
	c.callback(cb)
	return nil
}

// Write writes chunk and flushes it to the client.
func (c *httpConn) Write(chunk []byte, cb func(error)) error {
	if c.gone {
		return httputil.ErrConnClosed
	}
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

// Finish ends the response; ServeHTTP returns once the handler's lifetime
// has ended.
func (c *httpConn) Finish() error {
	if c.gone {
		return httputil.ErrConnClosed
	}
	return c.flush() // the client has it all now, even if the lifetime goes on
}

func (c *httpConn) SetCloseCallback(f func()) { c.onClose = f }

// requestEnded is called by the handler's lifetime when it ends.
func (c *httpConn) requestEnded() { c.ended = true }

// claim records the calling goroutine as the owner, for OnOwner.
func (c *httpConn) claim() {
	if c.owner.Load() == 0 {
		c.owner.Store(goid.Current())
	}
}

// OnOwner reports whether the caller is the goroutine that owns c: the
// ServeHTTP goroutine, or the one draining the queue after it returned.
// Until the owner claims c (an asynchronous handler does) every caller is
// taken for it, which reading a goroutine's id on every request would
// cost too much to avoid.
func (c *httpConn) OnOwner() bool {
	id := c.owner.Load()
	return id == 0 || id == goid.Current()
}

// AddCallback queues f to run on the owning goroutine. Safe for concurrent
// use.
func (c *httpConn) AddCallback(f func()) {
	c.mu.Lock()
	c.queue = append(c.queue, f)
	start := c.orphan && !c.draining
	if start {
		c.draining = true
	}
	c.mu.Unlock()
	if start {
		go c.drain()
		return
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// serve runs queued callbacks until the handler's lifetime has ended or
// the client goes away.
func (c *httpConn) serve() {
	gone := c.r.Context().Done()
	for !c.ended && !c.gone {
		select {
		case <-c.wake:
			c.runQueue()
		case <-gone:
			c.runQueue()
			if !c.ended && !c.gone {
				c.gone = true
				if c.onClose != nil {
					c.onClose()
				}
			}
		}
	}
	c.runQueue()
	c.mu.Lock()
	abort := c.aborted // read before a drain goroutine may run callbacks
	c.orphan = true
	c.owner.Store(-1) // nobody, until a drain goroutine: this one may go on to serve another request
	start := len(c.queue) > 0 && !c.draining
	c.draining = start
	c.mu.Unlock()
	if start {
		go c.drain()
	}
	if abort {
		panic(http.ErrAbortHandler)
	}
}

// drain runs the queue on a goroutine of its own after ServeHTTP has
// returned; it is the owner while it runs.
func (c *httpConn) drain() {
	c.owner.Store(goid.Current())
	for {
		c.runQueue()
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.draining = false
			c.owner.Store(-1)
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	}
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

// run runs one queued function. A panic with http.ErrAbortHandler aborts
// the response: nothing more is written, and ServeHTTP passes the panic on
// to net/http once the queue is drained; after ServeHTTP has returned
// there is nothing left to abort.
func (c *httpConn) run(f func()) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				c.gone, c.aborted = true, true
				return
			}
			c.log.Error("Uncaught panic in callback", "panic", v, "stack", string(debug.Stack()))
		}
	}()
	f()
}

// DetachedConn is the raw connection of a net/http request taken over with
// RequestHandler.Detach: the hijacked net.Conn, and the reader holding
// bytes the client sent after the request.
type DetachedConn struct {
	net.Conn
	Reader *bufio.Reader
}

// Detach hijacks the connection after the headers were written (HTTP/1.x
// only: net/http cannot hand over an HTTP/2 stream).
func (c *httpConn) Detach() (any, error) {
	if c.gone {
		return nil, httputil.ErrConnClosed
	}
	if err := c.flush(); err != nil {
		return nil, err
	}
	conn, rw, err := http.NewResponseController(c.w).Hijack()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", httputil.ErrNotSupported, err)
	}
	c.gone = true
	return &DetachedConn{Conn: conn, Reader: rw.Reader}, nil
}
