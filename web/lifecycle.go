package web

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/gotornado/tornado/httputil"
)

// A request's lifetime (the rule is in the package documentation): a
// reference count, one for each holder — the request itself until execute
// returns, asynchronous mode until the response is finished, and each
// write callback, Run and CallLater given away until it has run. The last
// drop ends the lifetime, on the handler's goroutine; a handler reached
// from other goroutines (Asynchronous, Run, a net/http CallLater, Detach)
// is then left to the garbage collector instead of its pool.

// hold takes a reference on the request's lifetime. Called on the
// handler's goroutine.
func (h *RequestHandler) hold() { h.life.refs++ }

// drop gives a reference back; the last one ends the lifetime. Called on
// the handler's goroutine.
func (h *RequestHandler) drop() {
	if h.life.refs--; h.life.refs == 0 && h.life.queued.Load() == 0 {
		h.life.end(h)
	}
}

// dropQueued gives back the reference a Run took. Called on the handler's
// goroutine.
func (h *RequestHandler) dropQueued() {
	if h.life.queued.Add(-1) == 0 && h.life.refs == 0 {
		h.life.end(h)
	}
}

// lifecycle counts what may still touch one request's handler. Every
// holder but Run takes and gives back its reference on the handler's
// goroutine, so refs is a plain count; Run, which any goroutine may call,
// counts in queued.
type lifecycle struct {
	refs   int32
	queued atomic.Int32 // functions Run queued that have not run
	shared atomic.Bool  // reached from other goroutines: never reused
	// Whether the lifetime has ended is RequestHandler.ended, beside the
	// handler's other flags.
}

// end runs when the last reference is dropped: the delegate, and its
// handler unless another goroutine may still hold it, go back to their
// pools, and a net/http Connection stops serving callbacks. (The request's
// context was cancelled when the response finished.)
func (l *lifecycle) end(h *RequestHandler) {
	if h.ended {
		return // a stray Run on a finished asynchronous handler
	}
	h.ended = true
	// A multipart body's spilled files are removed (stream.go).
	h.endBody()
	if c, ok := h.conn.(*httpConn); ok { // a concrete type check: no itab lookup
		c.requestEnded()
	}
	if d := h.d; d != nil && !l.shared.Load() {
		d.release(h.self)
	}
}

// calledOnOwner asks the Connection whether the caller runs on the
// handler's goroutine; without an OwnerChecker it assumes so.
func (h *RequestHandler) calledOnOwner() bool {
	if h.conn == nil {
		return false // a pooled handler, zeroed
	}
	if o, ok := h.conn.(httputil.OwnerChecker); ok {
		return o.OnOwner()
	}
	return true
}

// onOwner reports whether the caller runs on the handler's goroutine. A
// handler that is not asynchronous is used only there; an asynchronous one
// asks its Connection.
func (h *RequestHandler) onOwner() bool {
	if !h.async.Load() {
		return true
	}
	o, ok := h.conn.(httputil.OwnerChecker)
	return ok && o.OnOwner()
}

// Asynchronous keeps the response open when the verb returns (Tornado's
// @asynchronous): the handler finishes it later with Finish. From then on
// Write, WriteString, WriteJSON, Flush, Finish, Redirect and SendError may
// be called from any goroutine: called on the handler's goroutine they run
// at once; called elsewhere they are queued through the Connection's
// AddCallback and run on the handler's goroutine in call order (so a Write
// returns before its bytes are buffered). Everything else — headers,
// status, cookies, reading the request — must run on the handler's
// goroutine: in the verb, or in a function passed to Run. Asynchronous must
// be called on the handler's goroutine.
func (h *RequestHandler) Asynchronous() {
	if h.async.Load() || h.finished {
		return
	}
	h.life.shared.Store(true)
	if c, ok := h.conn.(*httpConn); ok {
		c.claim()
	}
	h.hold() // dropped when the response is finished
	h.async.Store(true)
}

// Run runs f on the handler's goroutine, where every method may be called.
// Safe for concurrent use while the handler's lifetime lasts: from its own
// goroutine at any time, and from other goroutines on an asynchronous
// handler (see Asynchronous). Called from another goroutine on a handler
// that is not asynchronous — one that may already serve another request —
// f is dropped and an error is logged, where the Connection can tell
// (httpserver's can; under net/http it cannot without a cost on every
// request). A panic in f sends a 500 (if nothing was
// flushed yet) and is logged. Once the lifetime of an asynchronous handler
// has ended, f is dropped.
func (h *RequestHandler) Run(f func()) {
	if !h.async.Load() && !h.calledOnOwner() {
		// A goroutine kept a handler that is not asynchronous past its
		// verb: by now the handler may serve another request.
		log := slog.Default()
		if app := h.app; app != nil {
			log = app.logger()
		}
		log.Error("web: Run called from another goroutine on a handler that is not asynchronous (call Asynchronous in the verb); the function is dropped")
		return
	}
	h.life.shared.Store(true)
	h.life.queued.Add(1)
	h.conn.AddCallback(func() {
		defer h.dropQueued()
		if !h.ended {
			h.guard(f)
		}
	})
}

// CallLater runs f on the handler's goroutine after d (Tornado's
// add_timeout), under httpserver and net/http alike, holding the handler
// until f has run or stop has cancelled it; stop reports whether it did.
// CallLater and stop must be called on the handler's goroutine. Stop what
// is pending when the response finishes: under net/http the request's
// goroutine serves the handler until f has run.
func (h *RequestHandler) CallLater(d time.Duration, f func()) (stop func() bool) {
	h.hold()
	done := false // f ran or was cancelled: the reference is given back once; both happen on the handler's goroutine
	run := func() {
		if !done {
			done = true
			defer h.drop()
			h.guard(f)
		}
	}
	cancel := func(stopTimer func() bool) bool {
		if stopTimer() && !done {
			done = true
			h.drop()
			return true
		}
		return false
	}
	if s, ok := h.conn.(httputil.Scheduler); ok {
		st := s.CallLater(d, run)
		return func() bool { return cancel(st) }
	}
	h.life.shared.Store(true) // the timer's goroutine reaches the handler
	t := time.AfterFunc(d, func() { h.conn.AddCallback(run) })
	return func() bool { return cancel(t.Stop) }
}

// Context returns a context for the request, cancelled when the client
// goes away or the response is finished. Must be called on the handler's
// goroutine; the context itself is safe for concurrent use.
func (h *RequestHandler) Context() context.Context {
	x := h.x()
	if x.ctx == nil {
		base := context.Background()
		if c, ok := h.conn.(*httpConn); ok {
			base = c.r.Context()
		}
		x.ctx, x.cancel = context.WithCancel(base)
		if h.finished || h.closed || h.ended {
			x.cancel()
		}
	}
	return x.ctx
}

func (h *RequestHandler) cancelContext() {
	if h.ex != nil && h.ex.cancel != nil {
		h.ex.cancel()
	}
}
