package web

import (
	"context"
	"errors"
	"runtime/debug"

	"github.com/gotornado/tornado/internal/lograte"
	"github.com/gotornado/tornado/ioloop"
)

// ErrWaitOnHandler is returned by FlushWait and EventStream.SendWait when
// they are called on the handler's goroutine under httpserver: the wait
// would block the loop that has to run the write and report it. Use Flush
// or Send with a callback there, or wait on another goroutine of an
// asynchronous handler.
var ErrWaitOnHandler = errors.New("web: FlushWait and SendWait must be called on another goroutine than the handler's (of an asynchronous handler); on the handler's goroutine use Flush or Send with a callback")

// RunInExecutor runs f away from the handler's goroutine, and then
// then(v, err) with its result back on the handler's goroutine, where every
// handler method may be called (Tornado's await IOLoop.run_in_executor in a
// coroutine). Under httpserver f runs on the executor of the handler's
// loop (ioloop.RunInExecutor, a bounded pool); under net/http on a
// goroutine of its own. A panic in f reaches then as a *PanicError.
//
// RunInExecutor makes the handler asynchronous, so the verb may return at
// once: then finishes the response (Finish, Render, Redirect...), or
// starts more work. The handler is held until then has run; a panic in
// then sends a 500, as in a verb. f must not touch the handler: it runs
// while the handler's goroutine serves other requests (and, under net/http,
// the handler's queue). RunInExecutor must be called on the handler's
// goroutine, or on another goroutine of an asynchronous handler, where it
// is queued to the handler's goroutine with Run.
func RunInExecutor[T any](h Handler, f func() (T, error), then func(v T, err error)) {
	rh := h.requestHandler()
	if !rh.onOwner() {
		rh.Run(func() { RunInExecutor(h, f, then) })
		return
	}
	rh.Asynchronous()
	rh.hold() // given back once then has run
	back := func(v T, err error) {
		defer rh.drop()
		rh.guard(func() { then(v, err) })
	}
	work := func() (T, error) { return recovered(f) }
	if loop := rh.Loop(); loop != nil {
		fut := ioloop.RunInExecutor(loop, work)
		fut.AddDoneCallback(func(fut *ioloop.Future[T]) { back(fut.Result()) })
		return
	}
	rh.life.shared.Store(true) // the goroutine reaches the handler
	go func() {
		v, err := work()
		rh.conn.AddCallback(func() { back(v, err) })
	}()
}

// recovered runs f, turning a panic into a *PanicError.
func recovered[T any](f func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return f()
}

// runBlocking starts the verb of a Blocking rule on the executor of the
// handler's loop and reports whether it did; under net/http, where the
// verb has a goroutine of its own already, and for a method the handler
// does not answer, it does nothing. The handler goes asynchronous and is
// held until the verb has returned: its output calls are queued to the
// loop in call order (see Asynchronous), and the response is finished, or
// the verb's error sent, once they have run. Called on the loop, from
// runStages.
func (h *RequestHandler) runBlocking(verb verbKind) bool {
	if verb == verbNone || verb == verbUnknown {
		return false
	}
	loop := h.Loop()
	if loop == nil {
		return false
	}
	// The context is made here: the close callback, on the loop, may
	// cancel it while the verb reads it on the executor. So is the
	// request's lazily made state, which the verb and a function it
	// passed to Run may both reach.
	h.Context()
	h.req.Share()
	h.Asynchronous()
	h.hold() // given back by verbReturned
	fut := ioloop.RunInExecutor(loop, func() (struct{}, error) {
		return struct{}{}, h.blockingVerb(verb)
	})
	fut.AddDoneCallback(func(fut *ioloop.Future[struct{}]) {
		_, err := fut.Result()
		h.verbReturned(err)
	})
	return true
}

// blockingVerb calls the verb on an executor goroutine. A panic is logged
// here, with the stack of the goroutine that raised it, and returned as a
// *PanicError for the loop to answer 500.
func (h *RequestHandler) blockingVerb(verb verbKind) (err error) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		pe := &PanicError{Value: v, Stack: debug.Stack()}
		if ok, dropped := panicLog.Allow(lograte.PanicSite()); ok {
			args := []any{"panic", v, "stack", string(pe.Stack)}
			if dropped > 0 {
				args = append(args, "suppressed_since", dropped)
			}
			h.app.logger().Error("Uncaught panic "+h.summary(), args...)
		}
		err = pe
	}()
	if verb == verbOther {
		return h.self.(MethodServer).ServeMethod(h.req.Method)
	}
	return callVerb(h.self, verb)
}

// verbReturned ends a blocking verb on the loop, after the output calls it
// queued: the verb's error is sent, or the response finished unless the
// verb finished it. It gives back the reference runBlocking took.
func (h *RequestHandler) verbReturned(err error) {
	defer h.drop()
	h.guard(func() {
		if err != nil {
			h.handleError(err)
			return
		}
		if h.finishCalled.CompareAndSwap(false, true) {
			h.finishNow()
		}
	})
}

// FlushWait flushes the output (see Flush) and waits until it has been
// handed to the kernel, so that a goroutine producing a stream goes at
// the pace of its client; the queued output of a client that does not read
// stays within what one FlushWait writes. It returns the write's error
// (the client went away: ErrConnClosed or the stream's error; the
// response finished: ErrFinished), or ctx's once ctx is done (the output
// stays queued).
//
// FlushWait is for the other goroutines of an asynchronous handler, and
// the verb of a Blocking rule. On the handler's goroutine it returns
// ErrWaitOnHandler under httpserver, where waiting would stall the loop
// that does the write; under net/http, where writing blocks the handler's
// goroutine anyway, it is Flush(nil) there.
func (h *RequestHandler) FlushWait(ctx context.Context) error {
	if h.onOwner() {
		if _, ok := h.conn.(*httpConn); ok {
			return h.Flush(nil) // net/http's Write returns once the data is written
		}
		return ErrWaitOnHandler
	}
	done := make(chan error, 1)
	if err := h.Flush(func(err error) { done <- err }); err != nil {
		return err
	}
	return wait(ctx, done, nil)
}

// wait returns what done delivers, or ctx's error once ctx is done, or
// ErrConnClosed once gone (when not nil) is closed and done has nothing.
func wait(ctx context.Context, done <-chan error, gone <-chan struct{}) error {
	if ctx == nil {
		ctx = context.Background()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-gone:
		select {
		case err := <-done:
			return err
		default:
			return ErrStreamClosed
		}
	}
}
