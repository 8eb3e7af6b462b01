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
// long. A handler that answers later calls Detach, after which its output
// methods may be called from any goroutine, or it queues work back onto its
// goroutine with Run.
package web
