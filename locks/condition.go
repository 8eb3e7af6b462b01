package locks

import (
	"context"
	"sync"
	"time"

	"github.com/gotornado/tornado/internal/waitlist"
	"github.com/gotornado/tornado/ioloop"
)

// Condition lets callbacks and goroutines wait until notified (Tornado's
// locks.Condition). Unlike sync.Cond it has no lock of its own: wait under
// the mutex guarding the state you test (see the package documentation).
// The zero value is ready to use. Safe for concurrent use.
type Condition struct {
	mu      sync.Mutex
	waiters waitlist.List[waitlist.Callback]
}

// Wait runs f on l once the condition is notified (notified is true), or
// after timeout (zero or less: none) or cancel (notified is false). Wait
// must be called on l's goroutine; cancel may be called from any
// goroutine.
func (c *Condition) Wait(l *ioloop.Loop, timeout time.Duration, f func(notified bool)) (cancel func()) {
	mustLoop(l)
	c.mu.Lock()
	return c.waiters.Park(&c.mu, l, timeout, &waitlist.Waiter[waitlist.Callback]{Value: f})
}

// WaitContext blocks the calling goroutine until the condition is notified
// (it returns nil) or ctx is done (it returns ctx.Err()). A notification
// that arrives as ctx ends wins. Do not call it on a loop's goroutine: it
// would block the loop.
func (c *Condition) WaitContext(ctx context.Context) error {
	c.mu.Lock()
	if err := ctx.Err(); err != nil {
		c.mu.Unlock()
		return err
	}
	done := make(chan struct{})
	if !c.waiters.Block(&c.mu, ctx, done, waitlist.Callback(func(bool) { close(done) })) {
		return ctx.Err()
	}
	return nil
}

// Notify wakes up to n waiters, the longest-waiting first. A waiter that
// has timed out or was cancelled is not counted: the notification goes to
// the next one.
func (c *Condition) Notify(n int) {
	var k waitlist.Wakeups[waitlist.Callback]
	c.mu.Lock()
	for ; n > 0; n-- {
		w := c.waiters.Pop()
		if w == nil {
			break
		}
		k.Add(w)
	}
	c.mu.Unlock()
	k.Send()
}

// NotifyAll wakes every waiter, with one callback queued per loop.
func (c *Condition) NotifyAll() {
	var k waitlist.Wakeups[waitlist.Callback]
	c.mu.Lock()
	for w := c.waiters.Pop(); w != nil; w = c.waiters.Pop() {
		k.Add(w)
	}
	c.mu.Unlock()
	k.Send()
}

// waiting returns the number of waiters (for tests).
func (c *Condition) waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waiters.Len()
}

// mustLoop panics when a callback form is given no loop: a programmer
// error (under net/http, where a handler has no loop, use the Context
// forms).
func mustLoop(l *ioloop.Loop) {
	if l == nil {
		panic("locks: nil loop (goroutines without a loop use the Context forms)")
	}
}
