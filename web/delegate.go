package web

import (
	"fmt"

	"github.com/gotornado/tornado/httputil"
)

// StartRequest returns the MessageDelegate that serves one request on conn:
// it routes the request when its head arrives, accumulates the body, and
// runs the handler when the request is complete. It implements
// httputil.ServerConnectionDelegate; it is called on conn's goroutine. The
// server bounds the body (httpserver.Server.MaxBodySize).
func (a *Application) StartRequest(conn httputil.Connection) httputil.MessageDelegate {
	d := a.delegates.Get().(*requestDelegate)
	d.app, d.conn = a, conn
	return d
}

// release returns d and its handler to their pools once the handler's
// lifetime has ended (see lifecycle.go).
func (d *requestDelegate) release(self Handler) {
	if rec := d.m.spec.rule.recycle; rec != nil {
		rec(self)
	}
	app := d.app
	body := d.body
	if cap(body) > maxKeptBuffer {
		body = nil
	}
	*d = requestDelegate{body: body[:0]}
	app.delegates.Put(d)
}

// requestDelegate is Tornado's _HandlerDelegate.
type requestDelegate struct {
	app  *Application
	conn httputil.Connection
	req  *httputil.ServerRequest
	m    routeMatch
	body []byte
	h    *RequestHandler
}

func (d *requestDelegate) HeadersReceived(req *httputil.ServerRequest) error {
	d.req = req
	if req.Connection == nil {
		req.Connection = d.conn
	}
	d.app.route(req, &d.m)
	return nil
}

func (d *requestDelegate) DataReceived(chunk []byte) error {
	d.body = append(d.body, chunk...)
	return nil
}

func (d *requestDelegate) Finish() {
	if len(d.body) > 0 {
		d.req.Body = d.body
	}
	self, h, err := d.newHandler()
	d.h = h
	h.reset(d, self)
	d.conn.SetCloseCallback(h.closeCallback())
	if err != nil {
		h.life.shared.Store(true) // not from the rule's pool
		defer h.drop()
		h.handleError(err)
		return
	}
	h.execute()
}

// newHandler calls the rule's New; a failure yields a bare RequestHandler
// and the error to answer with.
func (d *requestDelegate) newHandler() (self Handler, h *RequestHandler, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("web: New for %q panicked: %v", d.m.spec.rule.Pattern, v)
		}
		if h == nil {
			if err == nil {
				err = fmt.Errorf("web: New for %q returned no handler; embed web.RequestHandler by value", d.m.spec.rule.Pattern)
			}
			h = new(RequestHandler)
			self = h
		}
	}()
	self = d.m.spec.rule.New()
	if self != nil {
		h = self.requestHandler()
	}
	return self, h, nil
}

func (d *requestDelegate) OnConnectionClose() {
	if d.h != nil {
		d.h.connectionClosed()
		return
	}
	d.body = nil
}
