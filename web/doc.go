// Package web is GoTornado's web framework (Tornado's tornado.web): an
// Application routes each request by host and path pattern to a fresh
// handler, a struct embedding RequestHandler whose verbs (Get, Post, ...)
// are found by interface assertion.
//
//	type MainHandler struct{ web.RequestHandler }
//
//	func (h *MainHandler) Get() error { h.Write("Hello, world"); return nil }
//
//	app := web.NewApplication([]web.Rule{
//		web.R[MainHandler](`/index`),
//		web.R[web.RedirectHandler](`/python/(?P<day>[a-zA-Z0-9]+)/(?P<title>[a-zA-Z]+)`, web.Args{"url": "/index"}),
//	}, web.Settings{})
//
// An Application is served on a loop by httpserver (it implements
// httputil.ServerConnectionDelegate), or by net/http (it implements
// http.Handler). Either way a handler's code runs on one goroutine — the
// loop, or the request's net/http goroutine — and must not block it for
// long.
//
// # State shared between requests
//
// A request's own state needs no locks. State shared between requests does:
// httpserver runs one loop per core, so handlers on several loops touch it
// at once, where a Tornado program assumes one thread. Guard it with a
// mutex, and wait for it with packages locks and queues (Tornado's
// tornado.locks and tornado.queues), whose waiters are woken on their own
// loops; or serve with one loop (httpserver.Server.Loops = 1).
//
// # A handler's lifetime
//
// A handler and its request belong to the framework from the moment the
// request is routed until nothing can touch them any more: the verb has
// returned, the response is finished, and every callback the handler gave
// away — a Flush callback, a function queued with Run or CallLater — has
// run. Only then does the handler go back to its rule's pool, zeroed, to
// serve another request; until then everything that may reach it holds a
// reference. A handler that answers later calls Asynchronous: from then on
// its output methods (Write, WriteString, WriteJSON, Flush, Finish,
// Redirect, SendError) may be called from any goroutine, running at once
// when called on the handler's goroutine and queued to it otherwise. An
// asynchronous handler is never reused, so a goroutine may keep it past
// the response: its output methods then return ErrFinished and Run drops
// its function. A handler that never went asynchronous must not be used by
// another goroutine after its verb has returned, nor its request, its
// headers or its body: copy what you need. Handlers must not be copied
// (go vet reports it). Detach hands the raw connection over, for protocols
// such as WebSocket.
package web
