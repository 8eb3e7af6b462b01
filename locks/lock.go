package locks

import (
	"context"
	"time"

	"github.com/gotornado/tornado/ioloop"
)

// Lock is a mutual-exclusion lock for callbacks and goroutines (Tornado's
// locks.Lock): a BoundedSemaphore of one. It is not reentrant: an Acquire
// by the holder waits like any other. The holder may keep it across
// callbacks, and release it from any goroutine. The zero value is an
// unlocked Lock. Safe for concurrent use.
type Lock struct {
	s sema
}

// Acquire runs f on l once it holds the lock (ok is true; the holder must
// Release it), or after timeout (zero or less: none) or cancel (ok is
// false). An unlocked Lock is taken at once, and f runs in the next
// callback. Waiters get the lock in the order they asked. Acquire must be
// called on l's goroutine; cancel may be called from any goroutine.
func (m *Lock) Acquire(l *ioloop.Loop, timeout time.Duration, f func(ok bool)) (cancel func()) {
	return m.s.acquire(l, timeout, f, 1)
}

// AcquireContext blocks the calling goroutine until it holds the lock (it
// returns nil) or ctx is done (it returns ctx.Err()). An unlocked Lock is
// taken even if ctx is done. Do not call it on a loop's goroutine.
func (m *Lock) AcquireContext(ctx context.Context) error { return m.s.acquireContext(ctx, 1) }

// TryAcquire takes the lock if it is unlocked, without waiting, and
// reports whether it did.
func (m *Lock) TryAcquire() bool { return m.s.tryAcquire(1) }

// Release unlocks the lock, handing it to the longest-waiting acquirer if
// there is one. It panics, changing nothing, if the lock is not locked
// (Tornado raises RuntimeError): a programmer error.
func (m *Lock) Release() {
	if !m.s.release(true) {
		panic("locks: Release of an unlocked Lock")
	}
}
