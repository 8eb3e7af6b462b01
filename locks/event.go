package locks

import (
	"context"
	"sync"
	"time"

	"github.com/gotornado/tornado/internal/waitlist"
	"github.com/gotornado/tornado/ioloop"
)

// Event is a flag that callbacks and goroutines can wait for (Tornado's
// locks.Event): Set wakes every waiter, and waits on a set Event succeed at
// once until Clear. The zero value is a clear Event. Safe for concurrent
// use.
type Event struct {
	mu      sync.Mutex
	set     bool
	waiters waitlist.List[waitlist.Callback]
}

// IsSet reports whether the flag is set.
func (e *Event) IsSet() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.set
}

// Set sets the flag and wakes every waiter, with one callback queued per
// loop.
func (e *Event) Set() {
	var k waitlist.Wakeups[waitlist.Callback]
	e.mu.Lock()
	if !e.set {
		e.set = true
		for w := e.waiters.Pop(); w != nil; w = e.waiters.Pop() {
			k.Add(w)
		}
	}
	e.mu.Unlock()
	k.Send()
}

// Clear resets the flag: waits block again until Set.
func (e *Event) Clear() {
	e.mu.Lock()
	e.set = false
	e.mu.Unlock()
}

// Wait runs f on l once the flag is set (ok is true; in the next
// callback if it is set already), or after timeout (zero or less: none) or
// cancel (ok is false). Wait must be called on l's goroutine; cancel may be
// called from any goroutine.
func (e *Event) Wait(l *ioloop.Loop, timeout time.Duration, f func(ok bool)) (cancel func()) {
	mustLoop(l)
	e.mu.Lock()
	if e.set {
		e.mu.Unlock()
		waitlist.Answer(l, waitlist.Callback(f), true)
		return waitlist.Nothing
	}
	return e.waiters.Park(&e.mu, l, timeout, &waitlist.Waiter[waitlist.Callback]{Value: f})
}

// WaitContext blocks the calling goroutine until the flag is set (it
// returns nil) or ctx is done (it returns ctx.Err()). Do not call it on a
// loop's goroutine.
func (e *Event) WaitContext(ctx context.Context) error {
	e.mu.Lock()
	if e.set {
		e.mu.Unlock()
		return nil
	}
	if err := ctx.Err(); err != nil {
		e.mu.Unlock()
		return err
	}
	done := make(chan struct{})
	if !e.waiters.Block(&e.mu, ctx, done, waitlist.Callback(func(bool) { close(done) })) {
		return ctx.Err()
	}
	return nil
}
