package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"

	"github.com/gotornado/tornado/httputil"
)

// FallbackHandler serves requests with any net/http Handler (Tornado's
// FallbackHandler with a WSGIContainer). Its Args: "fallback" (an
// http.Handler, required). It accepts every request method.
//
//	web.R[web.FallbackHandler](`/legacy/.*`, web.Args{"fallback": mux})
//
// Under ServeHTTP the http.Handler gets the original ResponseWriter and
// Request. On a loop it runs on a goroutine of its own, with a
// ResponseWriter whose output is handed to the loop through the
// Connection's AddCallback: it is buffered (4 KiB) until Flush or the end,
// and each hand-off waits for the loop, so a slow client slows the handler
// instead of filling memory. The Request's context is cancelled when the
// client goes away.
type FallbackHandler struct {
	RequestHandler
	fallback http.Handler
	cancel   context.CancelFunc
}

// fallbackBufferSize is how much output the loop-mode ResponseWriter
// buffers before handing it to the loop.
const fallbackBufferSize = 4 << 10

func (h *FallbackHandler) acceptAllMethods() {}

// Initialize implements Initializer.
func (h *FallbackHandler) Initialize(args Args) error {
	f, ok := args["fallback"].(http.Handler)
	if !ok || f == nil {
		return errors.New(`web: FallbackHandler needs an http.Handler "fallback" argument`)
	}
	h.fallback = f
	return nil
}

// Prepare implements Preparer: it serves the request.
func (h *FallbackHandler) Prepare() error {
	if c, ok := h.conn.(*httpConn); ok {
		h.serveDirect(c)
		return nil
	}
	r, err := h.newRequest()
	if err != nil {
		return &HTTPError{Code: http.StatusBadRequest, Err: err}
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	w := &fallbackWriter{h: h, ctx: ctx, header: http.Header{}, done: make(chan error, 1)}
	h.Asynchronous()
	h.finishCalled.Store(true) // the verbs are not called; the goroutine finishes
	go w.serve(r.WithContext(ctx))
	return nil
}

// OnConnectionClose implements ConnectionCloser: it cancels the request's context.
func (h *FallbackHandler) OnConnectionClose() {
	if h.cancel != nil {
		h.cancel()
	}
}

// serveDirect runs the fallback on the net/http goroutine with the original
// ResponseWriter.
func (h *FallbackHandler) serveDirect(c *httpConn) {
	r := c.r
	r.Body = io.NopCloser(bytes.NewReader(h.req.Body))
	rec := &statusRecorder{ResponseWriter: c.w}
	defer func() {
		if rec.code != 0 {
			h.headersWritten = true // a panic must not write headers again
		} else {
			clear(c.w.Header())
		}
	}()
	h.fallback.ServeHTTP(rec, r)
	if rec.code == 0 {
		rec.code = http.StatusOK
	}
	h.setStatus(rec.code, "")
	h.headersWritten = true
	h.complete()
}

// newRequest adapts the ServerRequest for the fallback.
func (h *FallbackHandler) newRequest() (*http.Request, error) {
	req := h.req
	u, err := url.ParseRequestURI(req.URI)
	if err != nil {
		return nil, err
	}
	major, minor, ok := http.ParseHTTPVersion(req.Version)
	if !ok {
		major, minor = 1, 1
	}
	r := &http.Request{
		Method: req.Method, URL: u, RequestURI: req.URI,
		Proto: req.Version, ProtoMajor: major, ProtoMinor: minor,
		Header: make(http.Header, req.Header.Len()), Body: http.NoBody,
		Host: req.Host, RemoteAddr: net.JoinHostPort(req.RemoteIP, "0"),
	}
	if len(req.Body) > 0 {
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(req.Body)), int64(len(req.Body))
	}
	for name, v := range req.Header.All() {
		if name != "Host" && name != "Transfer-Encoding" {
			r.Header[name] = append(r.Header[name], v)
		}
	}
	if req.Protocol == "https" {
		r.TLS = &tls.ConnectionState{}
	}
	return r, nil
}

// deliver hands output of the fallback goroutine to the Connection; on the
// handler's goroutine. hdr is set for the first hand-off. done, if not nil,
// gets the outcome.
func (h *FallbackHandler) deliver(code int, hdr *httputil.Header, data []byte, done chan error) {
	reply := func(err error) {
		if done != nil {
			select {
			case done <- err:
			default:
			}
		}
	}
	if h.finished || h.closed {
		reply(net.ErrClosed)
		return
	}
	if h.req.Method == http.MethodHead {
		data = nil
	}
	if hdr != nil {
		h.setStatus(code, "")
		h.header, h.lazyHeader = *hdr, false
		h.headersWritten = true
		if err := h.conn.WriteHeaders(code, h.reasonText(), h.hdr(), data, reply); err != nil {
			reply(err)
		}
		return
	}
	if len(data) == 0 {
		reply(nil)
		return
	}
	if err := h.conn.Write(data, reply); err != nil {
		reply(err)
	}
}

// end finishes the response once the fallback returned.
func (h *FallbackHandler) end() {
	if h.finished {
		return
	}
	h.conn.SetCloseCallback(nil)
	h.complete()
}

// fallbackWriter is the ResponseWriter of a fallback running on its own
// goroutine; it is used by that goroutine only.
type fallbackWriter struct {
	h      *FallbackHandler
	ctx    context.Context
	header http.Header
	code   int  // 0 until WriteHeader
	sent   bool // the headers were handed to the loop
	buf    []byte
	done   chan error
	err    error // the connection failed
}

func (w *fallbackWriter) Header() http.Header { return w.header }

func (w *fallbackWriter) WriteHeader(code int) {
	if w.code != 0 || code < 200 && code != http.StatusSwitchingProtocols {
		return // informational responses are not forwarded
	}
	w.code = code
}

func (w *fallbackWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.code == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if _, ok := w.header["Content-Type"]; !ok && !w.sent && len(p) > 0 && !bodyless(w.code) {
		w.header.Set("Content-Type", http.DetectContentType(p))
	}
	w.buf = append(w.buf, p...)
	if len(w.buf) >= fallbackBufferSize {
		if err := w.send(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush implements http.Flusher.
func (w *fallbackWriter) Flush() { w.FlushError() }

// FlushError hands the buffered output to the loop and waits until it is
// written; http.ResponseController uses it.
func (w *fallbackWriter) FlushError() error {
	if w.err != nil {
		return w.err
	}
	if w.code == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.send()
}

// send hands the buffered output (with the headers, the first time) to the
// loop and waits for it to be written.
func (w *fallbackWriter) send() error {
	code, hdr, data := w.code, w.takeHeader(), w.buf
	w.buf = nil
	w.h.conn.AddCallback(func() { w.h.deliver(code, hdr, data, w.done) })
	select {
	case err := <-w.done:
		w.err = err
	case <-w.ctx.Done():
		w.err = w.ctx.Err()
	}
	return w.err
}

// takeHeader returns a copy of the headers the first time, then nil.
func (w *fallbackWriter) takeHeader() *httputil.Header {
	if w.sent {
		return nil
	}
	w.sent = true
	h := new(httputil.Header)
	for _, name := range slices.Sorted(maps.Keys(w.header)) {
		for _, v := range w.header[name] {
			h.Add(name, v)
		}
	}
	return h
}

// serve runs the fallback, then finishes the response on the loop.
func (w *fallbackWriter) serve(r *http.Request) {
	h := w.h
	defer h.cancel()
	if pe := w.run(r); pe != nil {
		if pe.Value != http.ErrAbortHandler {
			h.app.logger().Error("Uncaught panic in fallback "+r.Method+" "+r.RequestURI, "panic", pe.Value, "stack", string(pe.Stack))
		}
		sent := w.sent
		h.conn.AddCallback(func() {
			if sent {
				h.end()
			} else {
				h.sendError(http.StatusInternalServerError, pe)
			}
		})
		return
	}
	if w.err != nil {
		h.conn.AddCallback(h.end)
		return
	}
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if _, ok := w.header["Content-Length"]; !ok && !w.sent && !bodyless(w.code) {
		w.header.Set("Content-Length", strconv.Itoa(len(w.buf)))
	}
	code, hdr, data := w.code, w.takeHeader(), w.buf
	w.buf = nil
	h.conn.AddCallback(func() {
		h.deliver(code, hdr, data, nil)
		h.end()
	})
}

func (w *fallbackWriter) run(r *http.Request) (pe *PanicError) {
	defer func() {
		if v := recover(); v != nil {
			pe = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	w.h.fallback.ServeHTTP(w, r)
	return nil
}

// statusRecorder remembers the status a fallback sends under net/http.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

func (s *statusRecorder) Flush() {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	http.NewResponseController(s.ResponseWriter).Flush()
}

func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err == nil && s.code == 0 {
		s.code = http.StatusSwitchingProtocols
	}
	return c, rw, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

var (
	_ Initializer      = (*FallbackHandler)(nil)
	_ Preparer         = (*FallbackHandler)(nil)
	_ ConnectionCloser = (*FallbackHandler)(nil)
	_ http.Flusher     = (*fallbackWriter)(nil)
)
