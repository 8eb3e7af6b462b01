package web

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
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
	Getter      interface{ Get() error }
	HeadHandler interface{ Head() error }
	Poster      interface{ Post() error }
	Deleter     interface{ Delete() error }
	Patcher     interface{ Patch() error }
	Putter      interface{ Put() error }
	Optioner    interface{ Options() error }
)

// DefaultMethods are the methods a handler accepts unless it implements
// MethodSupporter (Tornado's SUPPORTED_METHODS).
var DefaultMethods = []string{"GET", "HEAD", "POST", "DELETE", "PATCH", "PUT", "OPTIONS"}

// MethodSupporter is implemented by handlers that accept other methods
// than DefaultMethods (Tornado's SUPPORTED_METHODS), such as WebDAV's
// PROPFIND: a request whose method is not listed gets 405. A listed method
// without a verb interface of its own is served by ServeMethod.
type MethodSupporter interface{ SupportedMethods() []string }

// MethodServer serves the methods a MethodSupporter lists beyond the seven
// verb interfaces.
type MethodServer interface{ ServeMethod(method string) error }

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

// EtagComputer is implemented by handlers that compute the Etag of a
// finished 200 response to GET or HEAD themselves (Tornado's
// compute_etag); ComputeEtag returns "" to send no Etag. Without it the
// Etag is DefaultEtag's, the SHA-1 of the body.
type EtagComputer interface{ ComputeEtag() string }

// allMethods is implemented by handlers that accept any request method, not
// only the seven Tornado knows (FallbackHandler).
type allMethods interface{ acceptAllMethods() }

// serverName is the default Server header (Tornado sends TornadoServer/version).
const serverName = "GoTornado"

// defaultHeader holds the headers every response starts with, checked once
// here rather than on each request.
var defaultHeader = func() (h httputil.Header) {
	h.AddChecked("Server", serverName)
	h.AddChecked("Content-Type", "text/html; charset=UTF-8")
	return h
}()

// RequestHandler is the base of every handler (Tornado's RequestHandler):
// embed it by value in a struct and define verbs on the struct's pointer.
//
//	type MainHandler struct{ web.RequestHandler }
//
//	func (h *MainHandler) Get() error { _, err := h.WriteString("Hello, world"); return err }
//
// A fresh (or pooled and zeroed) handler serves each request; see the
// package documentation for its lifetime. Its methods must be called on the
// handler's goroutine — the one that runs its verbs: the connection's loop,
// or the net/http request goroutine — except Run, and the output methods of
// an asynchronous handler (see Asynchronous). A RequestHandler must not be
// copied.
type RequestHandler struct {
	app  *Application
	req  *httputil.ServerRequest
	conn httputil.Connection
	self Handler          // the embedding handler, for the interface assertions
	d    *requestDelegate // the delegate that created the handler; nil once released
	life lifecycle

	finishCalled atomic.Bool

	route routeMatch
	ex    *handlerExtra // made on first use; a pooled handler keeps it

	status int
	header httputil.Header // read through hdr
	buf    []byte          // written, not yet flushed
	err    error           // the first refused status, header or cookie; fails the response

	headersWritten bool
	finished       bool
	inError        bool       // writing an error page
	closed         bool       // the client went away
	detached       bool       // the connection was taken over (Detach)
	lazyHeader     bool       // header is still to be filled with defaultHeader (hdr)
	checks         ruleChecks // asked for by the rule (Authenticated, AddSlash, RemoveSlash; auth.go)
	ended          bool       // the lifetime has ended (lifecycle.go)
	hooks          hookSet    // the optional methods of self, found once per handler value
	async          atomic.Bool
	closeFn        func() // h.connectionClosed, made once per handler
}

// handlerExtra is the state of what not every request does: a streamed
// body, templates, cookies to set, the current user, the XSRF token, a
// context, JSON, an Etag, output transforms. A handler makes it on first
// use (x) and a pooled handler keeps it, emptied, so that a request that
// waits on a fresh handler (a long poll) holds a third of the memory.
// Like the rest of the handler it is touched only on the handler's
// goroutine.
type handlerExtra struct {
	body    bodyState       // a streamed body, its limits, a multipart body's spilled files (stream.go)
	tmpl    renderState     // the UI modules this request's templates called (template.go)
	cookies []pendingCookie // Set-Cookie values, sent with the headers
	allow   string          // the Allow header of a 405
	reason  string          // the status line's reason when not the code's own (setStatus)
	login   loginState      // the current user (auth.go)
	xsrf    xsrfState       // the XSRF token of this request (xsrf.go)
	ctx     context.Context
	cancel  context.CancelFunc
	jsonBuf bytes.Buffer  // WriteJSON's encoding, kept across requests
	jsonEnc *json.Encoder // writes to jsonBuf
	etag    *etagCache    // kept across requests
	tr      outTransforms // the response's output transforms (transform.go)
}

// x returns the handler's handlerExtra, made on first use.
func (h *RequestHandler) x() *handlerExtra {
	if h.ex == nil {
		h.ex = new(handlerExtra)
	}
	return h.ex
}

// maxKeptBuffer bounds the output buffer a pooled handler keeps.
const maxKeptBuffer = 64 << 10

// kept is the storage a pooled handler keeps across requests.
type kept struct {
	header  httputil.Header
	buf     []byte
	closeFn func()
	ex      *handlerExtra
	hooks   hookSet
}

// storage returns what h keeps when its handler is zeroed for reuse.
func (h *RequestHandler) storage() kept {
	return kept{h.header, h.buf, h.closeFn, h.ex, h.hooks}
}

// hookSet records which of the optional interfaces a handler implements,
// found by type assertions once per handler value (findHooks) and kept by
// its pool, so that a request asserts only the methods the handler has.
type hookSet uint16

const (
	hooksFound hookSet = 1 << iota
	hookInit
	hookPrepare
	hookDefaults
	hookFinish
	hookEtag
	hookMethods
	hookGet
	hookHead
	hookPost
	hookDelete
	hookPatch
	hookPut
	hookOptions
)

// findHooks fills h.hooks for h.self, unless it is filled already: a
// RequestHandler belongs to the one handler that embeds it.
func (h *RequestHandler) findHooks() {
	if h.hooks&hooksFound != 0 {
		return
	}
	self := h.self
	k := hooksFound
	has := func(ok bool, b hookSet) {
		if ok {
			k |= b
		}
	}
	_, ok := self.(Initializer)
	has(ok, hookInit)
	_, ok = self.(Preparer)
	has(ok, hookPrepare)
	_, ok = self.(DefaultHeaderSetter)
	has(ok, hookDefaults)
	_, ok = self.(OnFinisher)
	has(ok, hookFinish)
	_, ok = self.(EtagComputer)
	has(ok, hookEtag)
	_, ok = self.(MethodSupporter)
	has(ok, hookMethods)
	_, ok = self.(Getter)
	has(ok, hookGet)
	_, ok = self.(HeadHandler)
	has(ok, hookHead)
	_, ok = self.(Poster)
	has(ok, hookPost)
	_, ok = self.(Deleter)
	has(ok, hookDelete)
	_, ok = self.(Patcher)
	has(ok, hookPatch)
	_, ok = self.(Putter)
	has(ok, hookPut)
	_, ok = self.(Optioner)
	has(ok, hookOptions)
	h.hooks = k
}

// reuse gives a zeroed h back the storage k, emptied; buffers that grew
// beyond maxKeptBuffer are dropped.
func (h *RequestHandler) reuse(k kept) {
	k.header.Reset()
	if cap(k.buf) > maxKeptBuffer {
		k.buf = nil
	}
	h.header, h.buf, h.closeFn, h.hooks = k.header, k.buf[:0], k.closeFn, k.hooks
	if x := k.ex; x != nil {
		jsonBuf, jsonEnc := x.jsonBuf.Bytes(), x.jsonEnc
		cookies, etag := x.cookies, x.etag
		clear(cookies)
		*x = handlerExtra{cookies: cookies[:0], etag: etag}
		if cap(jsonBuf) <= maxKeptBuffer && jsonEnc != nil {
			x.jsonBuf = *bytes.NewBuffer(jsonBuf[:0])
			x.jsonEnc = jsonEnc
		}
		h.ex = x
	}
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

// reset prepares h, fresh from New or zeroed by its pool, to serve d's
// request; the storage a pooled handler keeps (its header, buffer and
// cookies) is emptied.
func (h *RequestHandler) reset(d *requestDelegate, self Handler) {
	h.app, h.req, h.conn, h.self, h.d = d.app, d.req, d.conn, self, d
	h.findHooks()
	h.route = d.m
	h.buf = h.buf[:0]
	if x := h.ex; x != nil && len(x.cookies) > 0 {
		clear(x.cookies)
		x.cookies = x.cookies[:0]
	}
	h.life.refs = 1 // the request's own, dropped when execute returns
	h.clear()
}

// clear resets the status, headers and unflushed output (Tornado's clear).
func (h *RequestHandler) clear() {
	// The default headers are copied in when the headers are first
	// touched: a fresh handler that waits (a long poll) holds none.
	h.header.Reset()
	h.lazyHeader = true
	h.buf = h.buf[:0]
	h.setStatus(200, "")
	if h.hooks&hookDefaults != 0 {
		h.self.(DefaultHeaderSetter).SetDefaultHeaders()
	}
}

// setStatus sets the status code and its reason phrase: reason, or the
// code's own when reason is empty (see httputil.Reason). Only a phrase of
// its own takes room, in the handlerExtra.
func (h *RequestHandler) setStatus(code int, reason string) {
	h.status = code
	if reason != "" {
		if r := httputil.Reason(code, reason); r != statusText(code) {
			h.x().reason = r
			return
		}
	}
	if h.ex != nil {
		h.ex.reason = ""
	}
}

// reasonText returns the reason phrase of the status line.
func (h *RequestHandler) reasonText() string {
	if h.ex != nil && h.ex.reason != "" {
		return h.ex.reason
	}
	return statusText(h.status)
}

// hdr returns the response's headers, first filled with the default ones
// if clear left that for later.
func (h *RequestHandler) hdr() *httputil.Header {
	if h.lazyHeader {
		h.lazyHeader = false
		h.header.CopyFrom(&defaultHeader)
	}
	return &h.header
}

// Request returns the request being served.
func (h *RequestHandler) Request() *httputil.ServerRequest { return h.req }

// Application returns the Application serving the request.
func (h *RequestHandler) Application() *Application { return h.app }

// loopConn is implemented by Connections that run on a loop (httpserver's).
// It cannot be declared in httputil, which imports nothing of the module.
type loopConn interface{ Loop() *ioloop.Loop }

// Loop returns the loop the handler runs on, or nil under net/http. Run
// and CallLater work under both servers.
func (h *RequestHandler) Loop() *ioloop.Loop {
	if c, ok := h.conn.(loopConn); ok {
		return c.Loop()
	}
	return nil
}

// PathArgs returns the positional groups of the rule's pattern,
// percent-decoded; an optional group that did not match is "" (PathGroups
// tells it from an empty one). It is nil when the groups are named.
func (h *RequestHandler) PathArgs() []string { return h.route.args }

// PathKwargs returns the named groups of the rule's pattern,
// percent-decoded; an optional group that did not match is absent.
func (h *RequestHandler) PathKwargs() map[string]string { return h.route.kwargs }

// PathArg returns the named group name, or "".
func (h *RequestHandler) PathArg(name string) string { return h.route.kwargs[name] }

// LookupPathArg returns the named group name and whether it took part in
// the match (Tornado passes None for an optional group that did not).
func (h *RequestHandler) LookupPathArg(name string) (string, bool) {
	v, ok := h.route.kwargs[name]
	return v, ok
}

// PathGroup is one group of a rule's pattern, as it matched.
type PathGroup struct {
	Name    string // "" for a positional group
	Value   string // percent-decoded; "" when not Matched
	Matched bool   // false for an optional group that did not take part
}

// PathGroups returns the groups of the rule's pattern in the order they
// appear in it, positional or named.
func (h *RequestHandler) PathGroups() []PathGroup {
	return h.route.groupList()
}

// ReverseURL is Application.ReverseURL.
func (h *RequestHandler) ReverseURL(name string, args ...any) (string, error) {
	return h.app.ReverseURL(name, args...)
}

// guard runs f, turning a panic into a 500 and a log line.
func (h *RequestHandler) guard(f func()) {
	defer h.recoverPanic()
	f()
}

// execute runs the request: Initialize, Prepare, the verb, then Finish
// unless the handler is asynchronous (Tornado's _execute). It gives back
// the request's own reference on the lifetime when it returns.
func (h *RequestHandler) execute() {
	defer h.drop()
	defer h.recoverPanic()
	err := h.runStages()
	if err == nil && !h.async.Load() && !h.detached && h.finishCalled.CompareAndSwap(false, true) {
		h.finishNow()
		return
	}
	if err != nil {
		h.handleError(err)
	}
}

func (h *RequestHandler) runStages() error {
	if x := h.ex; x != nil && x.body.prepared {
		return h.streamVerb() // the stages up to Prepare ran when the head arrived (stream.go)
	}
	if setup := h.route.spec.rule.setup; setup != nil {
		setup(h.self)
	}
	if h.hooks&hookInit != 0 {
		if err := h.self.(Initializer).Initialize(h.route.spec.rule.Args); err != nil {
			return err
		}
	}
	verb := h.verbOf(h.req.Method)
	if verb == verbUnknown {
		if _, ok := h.self.(allMethods); !ok {
			return h.methodNotAllowed()
		}
	}
	if !validUTF8(h.route.args, h.route.kwargs) {
		return &HTTPError{Code: 400, LogMessage: "Invalid unicode in url"}
	}
	if len(h.req.Body) > 0 || h.ex != nil && h.ex.body.spool != nil {
		// A malformed form body is refused before Prepare (Tornado's fix
		// for CVE-2025-47287), not silently ignored.
		if err := h.req.ParseBody(); err != nil {
			return &HTTPError{Code: 400, LogMessage: "Malformed body", Err: err}
		}
	}
	if h.app.settings.XSRFCookies {
		if err := h.checkXSRF(); err != nil {
			return err
		}
	}
	if h.hooks&hookPrepare != 0 {
		if err := h.self.(Preparer).Prepare(); err != nil {
			return err
		}
		if h.finishCalled.Load() || h.detached {
			return nil
		}
	}
	if h.checks != 0 {
		if err := h.runRuleChecks(); err != nil || h.finishCalled.Load() || h.detached {
			return err
		}
	}
	if h.ex != nil && h.ex.body.streamer != nil {
		return h.bodyPrepared(verb) // the body comes next (stream.go)
	}
	if h.route.spec.rule.blocking && h.runBlocking(verb) {
		return nil // the verb runs on the loop's executor (executor.go)
	}
	switch verb {
	case verbNone, verbUnknown:
		return h.methodNotAllowed()
	case verbOther:
		return h.self.(MethodServer).ServeMethod(h.req.Method)
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
	verbOther // a method a MethodSupporter lists, served by ServeMethod
)

// verbOf finds the verb answering method, among the handler's supported
// methods. Calling through a switch instead of returning a method value
// saves an allocation per request.
func (h *RequestHandler) verbOf(method string) verbKind {
	if h.hooks&hookMethods != 0 {
		self := h.self
		if !slices.Contains(self.(MethodSupporter).SupportedMethods(), method) {
			return verbUnknown
		}
		if v := h.hooks.verbOf(method); v != verbUnknown {
			return v
		}
		_, ok := self.(MethodServer)
		return pick(ok, verbOther)
	}
	return h.hooks.verbOf(method)
}

// verbOf finds the verb interface answering one of Tornado's methods.
func (k hookSet) verbOf(method string) verbKind {
	switch method {
	case "GET":
		return pick(k&hookGet != 0, verbGet)
	case "HEAD":
		if k&hookHead != 0 {
			return verbHead
		}
		return pick(k&hookGet != 0, verbGet)
	case "POST":
		return pick(k&hookPost != 0, verbPost)
	case "DELETE":
		return pick(k&hookDelete != 0, verbDelete)
	case "PATCH":
		return pick(k&hookPatch != 0, verbPatch)
	case "PUT":
		return pick(k&hookPut != 0, verbPut)
	case "OPTIONS":
		return pick(k&hookOptions != 0, verbOptions)
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
		return self.(HeadHandler).Head()
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
	methods := DefaultMethods
	if h.hooks&hookMethods != 0 {
		methods = h.self.(MethodSupporter).SupportedMethods()
	}
	var allow []string
	for _, m := range methods {
		if v := h.verbOf(m); v != verbNone && v != verbUnknown {
			allow = append(allow, m)
		}
	}
	h.x().allow = strings.Join(allow, ", ")
	return &HTTPError{Code: 405}
}

// connectionClosed runs when the client goes away before the response is
// finished (Tornado's on_connection_close); it runs the hook once.
func (h *RequestHandler) connectionClosed() {
	if h.closed || h.finished || h.detached {
		return
	}
	h.closed = true
	h.cancelContext()
	if c, ok := h.self.(ConnectionCloser); ok {
		h.guard(c.OnConnectionClose)
	}
}

var _ ErrorWriter = (*RequestHandler)(nil)
