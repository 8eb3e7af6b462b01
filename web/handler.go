package web

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync/atomic"

	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/ioloop"
)

// Handler is a request handler: a pointer to a struct type that embeds
// RequestHandler (Tornado's RequestHandler subclass). Only embedding
// RequestHandler implements it. The framework calls the handler's verbs and
// hooks by interface assertion: Getter, Poster, Initializer, Preparer, ...
type Handler interface {
	requestHandler() *RequestHandler
}

// The verb interfaces: a handler answers the methods whose interfaces it
// implements; the others get 405 Method Not Allowed with an Allow header. A
// verb returning an *HTTPError sends that status; any other error sends 500
// and is logged. A HEAD request runs Get when the handler has no Head.
type (
	Getter   interface{ Get() error }
	Header   interface{ Head() error } // HEAD
	Poster   interface{ Post() error }
	Deleter  interface{ Delete() error }
	Patcher  interface{ Patch() error }
	Putter   interface{ Put() error }
	Optioner interface{ Options() error }
)

// Initializer is implemented by handlers that take their rule's Args
// (Tornado's initialize). Initialize runs first, before Prepare.
type Initializer interface{ Initialize(args Args) error }

// Preparer is implemented by handlers with code to run before every verb
// (Tornado's prepare). If Prepare finishes the response (Finish, Redirect,
// SendError) the verb is not called.
type Preparer interface{ Prepare() error }

// OnFinisher is implemented by handlers with code to run after the response
// is finished (Tornado's on_finish). OnFinish may not produce output.
type OnFinisher interface{ OnFinish() }

// ConnectionCloser is implemented by handlers that want to know when the
// client goes away before the response is finished (Tornado's
// on_connection_close), typically detached, long-lived ones.
type ConnectionCloser interface{ OnConnectionClose() }

// ErrorWriter writes the error page (Tornado's write_error). RequestHandler
// implements it with Tornado's page; a handler overrides it by defining its
// own WriteError, and may call h.RequestHandler.WriteError for the default.
// err is the error that caused the page, or nil.
type ErrorWriter interface{ WriteError(code int, err error) }

// DefaultHeaderSetter is implemented by handlers that set headers at the
// start of each request and again before an error page (Tornado's
// set_default_headers).
type DefaultHeaderSetter interface{ SetDefaultHeaders() }

// EtagComputer computes the Etag of a finished 200 response to GET or HEAD
// (Tornado's compute_etag). RequestHandler implements it with the SHA-1 of
// the body; a handler overrides it by defining its own ComputeEtag, which
// returns "" to send no Etag.
type EtagComputer interface{ ComputeEtag() string }

// allMethods is implemented by handlers that accept any request method, not
// only the seven Tornado knows (FallbackHandler).
type allMethods interface{ acceptAllMethods() }

// serverName is the default Server header (Tornado sends TornadoServer/version).
const serverName = "GoTornado"

// RequestHandler is the base of every handler (Tornado's RequestHandler):
// embed it by value in a struct and define verbs on the struct's pointer.
//
//	type MainHandler struct{ web.RequestHandler }
//
//	func (h *MainHandler) Get() error { h.Write("Hello, world"); return nil }
//
// A fresh handler serves each request. Its methods must be called on the
// handler's goroutine — the one that runs its verbs: the connection's loop,
// or the net/http request goroutine — except Run, and the output methods of
// a detached handler (see Detach).
type RequestHandler struct {
	app  *Application
	req  *httputil.ServerRequest
	conn httputil.Connection
	self Handler // the embedding handler, for the interface assertions
	args Args

	pathArgs   []string
	pathKwargs map[string]string

	status  int
	reason  string
	header  httputil.Header
	buf     []byte          // written, not yet flushed
	cookies []pendingCookie // Set-Cookie values, sent with the headers
	err     error           // the first refused status, header or cookie; fails the response
	allow   string          // the Allow header of a 405

	headersWritten bool
	finished       bool
	inError        bool // writing an error page
	closed         bool // the client went away
	finishCalled   atomic.Bool
	detached       atomic.Bool
	pendingRuns    atomic.Int32  // Run callbacks queued and not yet run
	closeFn        func()        // h.connectionClosed, made once per handler
	hk             hooks         // the optional methods of self, found once per handler
	jsonBuf        bytes.Buffer  // Write's JSON encoding, kept across requests
	jsonEnc        *json.Encoder // writes to jsonBuf
}

// maxKeptBuffer bounds the output buffer a pooled handler keeps.
const maxKeptBuffer = 64 << 10

// kept is the storage a pooled handler keeps across requests.
type kept struct {
	header  httputil.Header
	buf     []byte
	cookies []pendingCookie
	closeFn func()
	jsonBuf []byte
	jsonEnc *json.Encoder
	hk      hooks
}

// storage returns what h keeps when its handler is zeroed for reuse.
func (h *RequestHandler) storage() kept {
	return kept{h.header, h.buf, h.cookies, h.closeFn, h.jsonBuf.Bytes(), h.jsonEnc, h.hk}
}

// hooks are the optional methods of a handler that every request looks
// for, found by type assertions once per handler value: a pooled handler
// keeps them from request to request.
type hooks struct {
	found    bool
	init     Initializer
	prepare  Preparer
	defaults DefaultHeaderSetter
	finish   OnFinisher
	etag     EtagComputer
	get      Getter
}

// findHooks fills h.hk for h.self, unless it is filled already: a
// RequestHandler belongs to the one handler that embeds it.
func (h *RequestHandler) findHooks() {
	if h.hk.found {
		return
	}
	self := h.self
	k := hooks{found: true}
	k.init, _ = self.(Initializer)
	k.prepare, _ = self.(Preparer)
	k.defaults, _ = self.(DefaultHeaderSetter)
	k.finish, _ = self.(OnFinisher)
	k.etag, _ = self.(EtagComputer)
	k.get, _ = self.(Getter)
	h.hk = k
}

// reuse gives a zeroed h back the storage k, emptied; buffers that grew
// beyond maxKeptBuffer are dropped.
func (h *RequestHandler) reuse(k kept) {
	if cap(k.jsonBuf) <= maxKeptBuffer && k.jsonEnc != nil {
		h.jsonBuf = *bytes.NewBuffer(k.jsonBuf[:0])
		h.jsonEnc = k.jsonEnc
	}
	k.header.Reset()
	if cap(k.buf) > maxKeptBuffer {
		k.buf = nil
	}
	clear(k.cookies)
	h.header, h.buf, h.cookies, h.closeFn, h.hk = k.header, k.buf[:0], k.cookies[:0], k.closeFn, k.hk
}

// reusable reports whether the handler's request is over and nothing can
// reach the handler any more: it finished on its own goroutine, was never
// detached, and has no Run callback queued.
func (h *RequestHandler) reusable() bool {
	return h.finished && !h.detached.Load() && h.pendingRuns.Load() == 0
}

// closeCallback returns h.connectionClosed, allocating the method value
// once per handler rather than once per request.
func (h *RequestHandler) closeCallback() func() {
	if h.closeFn == nil {
		h.closeFn = h.connectionClosed
	}
	return h.closeFn
}

func (h *RequestHandler) requestHandler() *RequestHandler { return h }

// reset prepares h to serve req on conn, keeping the storage of its header
// and buffer: every per-request field is set here, so that handlers can be
// pooled.
func (h *RequestHandler) reset(app *Application, req *httputil.ServerRequest, conn httputil.Connection, self Handler, m *routeMatch) {
	h.app, h.req, h.conn, h.self = app, req, conn, self
	h.findHooks()
	h.args = m.spec.rule.Args
	h.pathArgs, h.pathKwargs = m.args, m.kwargs
	h.buf = h.buf[:0]
	clear(h.cookies)
	h.cookies = h.cookies[:0]
	h.err, h.allow = nil, ""
	h.headersWritten, h.finished, h.inError, h.closed = false, false, false, false
	// A fresh or scrubbed handler has both false: skip the atomic stores.
	if h.finishCalled.Load() {
		h.finishCalled.Store(false)
	}
	if h.detached.Load() {
		h.detached.Store(false)
	}
	h.clear()
}

// clear resets the status, headers and unflushed output (Tornado's clear).
func (h *RequestHandler) clear() {
	h.header.Reset()
	h.header.Add("Server", serverName)
	h.header.Add("Content-Type", "text/html; charset=UTF-8")
	h.buf = h.buf[:0]
	h.status, h.reason = 200, "OK"
	if d := h.hk.defaults; d != nil {
		d.SetDefaultHeaders()
	}
}

// Request returns the request being served.
func (h *RequestHandler) Request() *httputil.ServerRequest { return h.req }

// Application returns the Application serving the request.
func (h *RequestHandler) Application() *Application { return h.app }

// loopConn is implemented by Connections that run on a loop (httpserver's).
type loopConn interface{ Loop() *ioloop.Loop }

// Loop returns the loop the handler runs on, for timers and callbacks, or
// nil when the handler runs under net/http.
func (h *RequestHandler) Loop() *ioloop.Loop {
	if c, ok := h.conn.(loopConn); ok {
		return c.Loop()
	}
	return nil
}

// PathArgs returns the positional groups of the rule's pattern,
// percent-decoded; an optional group that did not match is "". It is nil
// when the groups are named.
func (h *RequestHandler) PathArgs() []string { return h.pathArgs }

// PathKwargs returns the named groups of the rule's pattern,
// percent-decoded; an optional group that did not match is absent.
func (h *RequestHandler) PathKwargs() map[string]string { return h.pathKwargs }

// PathArg returns the named group name, or "".
func (h *RequestHandler) PathArg(name string) string { return h.pathKwargs[name] }

// ReverseURL is Application.ReverseURL.
func (h *RequestHandler) ReverseURL(name string, args ...any) (string, error) {
	return h.app.ReverseURL(name, args...)
}

// Detach keeps the response open when the verb returns (Tornado's
// @asynchronous): the handler finishes it later with Finish. From then on,
// Write, Flush, Finish, Redirect and SendError may be called from any
// goroutine: they are queued through the Connection's AddCallback and run on
// the handler's goroutine in call order (so a Write returns before its bytes
// are buffered). Everything else — headers, status, cookies, reading the
// request — must run on the handler's goroutine: in the verb, or in a
// function passed to Run. Detach must be called on the handler's goroutine.
func (h *RequestHandler) Detach() { h.detached.Store(true) }

// Run runs f on the handler's goroutine, where every method may be called.
// Safe for concurrent use. A panic in f sends a 500 (if nothing was flushed
// yet) and is logged. Under net/http, f is dropped if the client has gone
// away and the request is over.
func (h *RequestHandler) Run(f func()) {
	h.pendingRuns.Add(1)
	h.conn.AddCallback(func() {
		defer h.pendingRuns.Add(-1)
		h.guard(f)
	})
}

// guard runs f, turning a panic into a 500 and a log line.
func (h *RequestHandler) guard(f func()) {
	defer h.recoverPanic()
	f()
}

// execute runs the request: Initialize, Prepare, the verb, then Finish
// unless the handler detached (Tornado's _execute).
func (h *RequestHandler) execute() {
	defer h.recoverPanic()
	err := h.runStages()
	if err == nil && !h.detached.Load() && h.finishCalled.CompareAndSwap(false, true) {
		h.finishNow()
		return
	}
	if err != nil {
		h.handleError(err)
	}
}

func (h *RequestHandler) runStages() error {
	if in := h.hk.init; in != nil {
		if err := in.Initialize(h.args); err != nil {
			return err
		}
	}
	var verb verbKind
	if h.req.Method == "GET" && h.hk.get != nil {
		verb = verbGet
	} else {
		verb = verbOf(h.self, h.req.Method)
	}
	if verb == verbUnknown {
		if _, ok := h.self.(allMethods); !ok {
			return h.methodNotAllowed()
		}
	}
	if !validUTF8(h.pathArgs, h.pathKwargs) {
		return &HTTPError{Code: 400, LogMessage: "Invalid unicode in url"}
	}
	if p := h.hk.prepare; p != nil {
		if err := p.Prepare(); err != nil {
			return err
		}
		if h.finishCalled.Load() {
			return nil
		}
	}
	switch {
	case verb == verbNone || verb == verbUnknown:
		return h.methodNotAllowed()
	case verb == verbGet:
		return h.hk.get.Get()
	}
	return callVerb(h.self, verb)
}

type verbKind uint8

const (
	verbNone    verbKind = iota // a known method the handler does not implement
	verbUnknown                 // a method outside Tornado's SUPPORTED_METHODS
	verbGet
	verbHead
	verbPost
	verbDelete
	verbPatch
	verbPut
	verbOptions
)

// verbOf finds the verb answering method. Calling through a switch instead
// of returning a method value saves an allocation per request.
func verbOf(self Handler, method string) verbKind {
	ok := false
	switch method {
	case "GET":
		_, ok = self.(Getter)
		return pick(ok, verbGet)
	case "HEAD":
		if _, ok = self.(Header); ok {
			return verbHead
		}
		_, ok = self.(Getter)
		return pick(ok, verbGet)
	case "POST":
		_, ok = self.(Poster)
		return pick(ok, verbPost)
	case "DELETE":
		_, ok = self.(Deleter)
		return pick(ok, verbDelete)
	case "PATCH":
		_, ok = self.(Patcher)
		return pick(ok, verbPatch)
	case "PUT":
		_, ok = self.(Putter)
		return pick(ok, verbPut)
	case "OPTIONS":
		_, ok = self.(Optioner)
		return pick(ok, verbOptions)
	}
	return verbUnknown
}

func pick(ok bool, v verbKind) verbKind {
	if ok {
		return v
	}
	return verbNone
}

func callVerb(self Handler, v verbKind) error {
	switch v {
	case verbGet:
		return self.(Getter).Get()
	case verbHead:
		return self.(Header).Head()
	case verbPost:
		return self.(Poster).Post()
	case verbDelete:
		return self.(Deleter).Delete()
	case verbPatch:
		return self.(Patcher).Patch()
	case verbPut:
		return self.(Putter).Put()
	case verbOptions:
		return self.(Optioner).Options()
	}
	return nil
}

// methodNotAllowed records the Allow header and returns the 405 error.
func (h *RequestHandler) methodNotAllowed() error {
	var allow []string
	if _, ok := h.self.(Getter); ok {
		allow = append(allow, "GET", "HEAD")
	} else if _, ok := h.self.(Header); ok {
		allow = append(allow, "HEAD")
	}
	for _, v := range []struct {
		ok   bool
		name string
	}{
		{is[Poster](h.self), "POST"},
		{is[Deleter](h.self), "DELETE"},
		{is[Patcher](h.self), "PATCH"},
		{is[Putter](h.self), "PUT"},
		{is[Optioner](h.self), "OPTIONS"},
	} {
		if v.ok {
			allow = append(allow, v.name)
		}
	}
	h.allow = strings.Join(allow, ", ")
	return &HTTPError{Code: 405}
}

func is[I any](v any) bool {
	_, ok := v.(I)
	return ok
}

// connectionClosed runs when the client goes away before the response is
// finished (Tornado's on_connection_close); it runs the hook once.
func (h *RequestHandler) connectionClosed() {
	if h.closed || h.finished {
		return
	}
	h.closed = true
	if c, ok := h.self.(ConnectionCloser); ok {
		h.guard(c.OnConnectionClose)
	}
}

var (
	_ ErrorWriter  = (*RequestHandler)(nil)
	_ EtagComputer = (*RequestHandler)(nil)
)
