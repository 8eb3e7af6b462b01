package locks

import (
	"context"
	"sync"
	"time"

	"github.com/gotornado/tornado/internal/waitlist"
	"github.com/gotornado/tornado/ioloop"
)

// Semaphore is a counter that Acquire decrements and Release increments,
// with acquirers waiting while it is zero (Tornado's locks.Semaphore): it
// lets a fixed number of holders use a resource at once. A Release hands
// its permit straight to the longest-waiting acquirer. Release may raise
// the counter past its initial value; BoundedSemaphore forbids it. Safe
// for concurrent use.
type Semaphore struct {
	s     sema
	value int
}

// NewSemaphore returns a Semaphore whose counter starts at value. It
// panics if value is negative. The zero Semaphore has value 0.
func NewSemaphore(value int) *Semaphore {
	if value < 0 {
		panic("locks: negative semaphore value")
	}
	return &Semaphore{value: value}
}

// Acquire runs f on l once it has taken a permit (ok is true; the holder
// must Release it), or after timeout (zero or less: none) or cancel (ok is
// false). A permit free now is taken at once, and f runs in the next
// callback. Acquire must be called on l's goroutine; cancel may be called
// from any goroutine.
func (s *Semaphore) Acquire(l *ioloop.Loop, timeout time.Duration, f func(ok bool)) (cancel func()) {
	return s.s.acquire(l, timeout, f, s.value)
}

// AcquireContext blocks the calling goroutine until it has taken a permit
// (it returns nil) or ctx is done (it returns ctx.Err()). A permit free at
// the call is taken even if ctx is done. Do not call it on a loop's
// goroutine.
func (s *Semaphore) AcquireContext(ctx context.Context) error {
	return s.s.acquireContext(ctx, s.value)
}

// TryAcquire takes a permit if one is free, without waiting, and reports
// whether it did.
func (s *Semaphore) TryAcquire() bool { return s.s.tryAcquire(s.value) }

// Release gives a permit back, to the longest-waiting acquirer if there is
// one.
func (s *Semaphore) Release() { s.s.release(false) }

// BoundedSemaphore is a Semaphore whose counter may not rise above its
// initial value (Tornado's locks.BoundedSemaphore): a Release without a
// matching Acquire is a bug, and panics. Safe for concurrent use.
type BoundedSemaphore struct {
	s     sema
	value int
}

// NewBoundedSemaphore returns a BoundedSemaphore whose counter starts at,
// and may not exceed, value. It panics if value is negative.
func NewBoundedSemaphore(value int) *BoundedSemaphore {
	if value < 0 {
		panic("locks: negative semaphore value")
	}
	return &BoundedSemaphore{value: value}
}

// Acquire is Semaphore.Acquire.
func (s *BoundedSemaphore) Acquire(l *ioloop.Loop, timeout time.Duration, f func(ok bool)) (cancel func()) {
	return s.s.acquire(l, timeout, f, s.value)
}

// AcquireContext is Semaphore.AcquireContext.
func (s *BoundedSemaphore) AcquireContext(ctx context.Context) error {
	return s.s.acquireContext(ctx, s.value)
}

// TryAcquire is Semaphore.TryAcquire.
func (s *BoundedSemaphore) TryAcquire() bool { return s.s.tryAcquire(s.value) }

// Release gives a permit back, to the longest-waiting acquirer if there is
// one. It panics, changing nothing, if that would raise the counter past
// its initial value (Tornado raises ValueError): releasing more than was
// acquired is a programmer error.
func (s *BoundedSemaphore) Release() {
	if !s.s.release(true) {
		panic("locks: BoundedSemaphore released too many times")
	}
}

// sema is the counter behind Semaphore, BoundedSemaphore and Lock. It
// counts the permits taken, so that a zero Lock is unlocked; each caller
// passes its limit. While anyone waits, no permit is free: a release hands
// its permit to the first waiter.
type sema struct {
	mu      sync.Mutex
	taken   int // may fall below zero when a Semaphore is released past its value
	waiters waitlist.List[waitlist.Callback]
}

func (s *sema) tryAcquire(limit int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.taken < limit && s.waiters.Len() == 0 {
		s.taken++
		return true
	}
	return false
}

func (s *sema) acquire(l *ioloop.Loop, timeout time.Duration, f func(bool), limit int) (cancel func()) {
	mustLoop(l)
	s.mu.Lock()
	if s.taken < limit && s.waiters.Len() == 0 {
		s.taken++
		s.mu.Unlock()
		waitlist.Answer(l, waitlist.Callback(f), true)
		return waitlist.Nothing
	}
	return s.waiters.Park(&s.mu, l, timeout, &waitlist.Waiter[waitlist.Callback]{Value: f})
}

func (s *sema) acquireContext(ctx context.Context, limit int) error {
	s.mu.Lock()
	if s.taken < limit && s.waiters.Len() == 0 {
		s.taken++
		s.mu.Unlock()
		return nil
	}
	if err := ctx.Err(); err != nil {
		s.mu.Unlock()
		return err
	}
	done := make(chan struct{})
	if !s.waiters.Block(&s.mu, ctx, done, waitlist.Callback(func(bool) { close(done) })) {
		return ctx.Err()
	}
	return nil
}

// release gives a permit back; bounded, it refuses (returning false, and
// changing nothing) when no permit is taken.
func (s *sema) release(bounded bool) bool {
	var k waitlist.Wakeups[waitlist.Callback]
	s.mu.Lock()
	if bounded && s.taken <= 0 {
		s.mu.Unlock()
		return false
	}
	if w := s.waiters.Pop(); w != nil {
		k.Add(w) // the permit passes to w: taken stays
	} else {
		s.taken--
	}
	s.mu.Unlock()
	k.Send()
	return true
}
