package web

import (
	"fmt"

	"github.com/gotornado/tornado/httputil"
)

// StartRequest returns the MessageDelegate that serves one request on conn:
// it routes the request and makes its handler when the head arrives,
// accumulates the body (or hands it, piece by piece, to a handler that
// streams it: see BodyStreamer), and runs the handler when the request is
// complete. It implements
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
	in   delegateBody // the handler made when the head arrived; a body parsed as it arrives (stream.go)
}

func (d *requestDelegate) HeadersReceived(req *httputil.ServerRequest) error {
	d.req = req
	if req.Connection == nil {
		req.Connection = d.conn
	}
	d.app.route(req, &d.m)
	return d.startBody() // a streaming handler's Prepare runs now
}

func (d *requestDelegate) DataReceived(chunk []byte) error {
	switch {
	case d.h != nil: // a streaming handler's
		return d.streamData(chunk)
	case d.in.spool != nil:
		d.in.spoolData(chunk)
	default:
		d.body = append(d.body, chunk...)
	}
	return nil
}

func (d *requestDelegate) Finish() {
	if d.h != nil {
		d.finishStream() // the verb of a streaming handler
		return
	}
	if len(d.body) > 0 {
		d.req.Body = d.body
	}
	self, h, err := d.in.self, d.in.h, d.in.err // made when the head arrived
	d.h = h
	h.reset(d, self)
	d.conn.SetCloseCallback(h.closeCallback())
	if err == nil {
		err = d.takeSpool(h)
	}
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
	if h := d.h; h != nil {
		if h.ex != nil && h.ex.body.phase == bodyReceiving {
			d.closeStream()
			return
		}
		h.connectionClosed()
		return
	}
	d.in.abandon()
	d.body = nil
}
