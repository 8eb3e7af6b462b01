package locks

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestSemaphoreCounter(t *testing.T) {
	tests := []struct {
		name  string
		value int
		ops   string // a: TryAcquire, r: Release
		want  string // per a: y (acquired) or n
	}{
		{"zero", 0, "a", "n"},
		{"one", 1, "aa", "yn"},
		{"two", 2, "aaa", "yyn"},
		{"release", 1, "arara", "yyy"},
		{"past initial", 1, "rraaaa", "yyyn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSemaphore(tt.value)
			var got []byte
			for _, op := range tt.ops {
				if op == 'r' {
					s.Release()
				} else if s.TryAcquire() {
					got = append(got, 'y')
				} else {
					got = append(got, 'n')
				}
			}
			if string(got) != tt.want {
				t.Errorf("TryAcquire results = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestSemaphoreHandsPermitsInOrder(t *testing.T) {
	a, b := startLoop(t), startLoop(t)
	s := NewSemaphore(1)
	r := newRecorder(t)
	onLoop(a, func() { s.Acquire(a, 0, r.f(a, 0)) })
	if res := r.next(); res.id != 0 || !res.ok {
		t.Fatalf("got %+v, want the free permit", res)
	}
	onLoop(b, func() { s.Acquire(b, 0, r.f(b, 1)) })
	onLoop(a, func() { s.Acquire(a, time.Hour, r.f(a, 2)) })
	r.none(a, b)
	if s.TryAcquire() {
		t.Fatal("TryAcquire took a permit while acquirers wait")
	}
	for _, id := range []int{1, 2} {
		s.Release()
		if res := r.next(); res.id != id || !res.ok || !res.onLoop {
			t.Fatalf("got %+v, want waiter %d given the permit on its loop", res, id)
		}
	}
	s.Release()
	if !s.TryAcquire() {
		t.Fatal("permit lost")
	}
}

func TestSemaphoreTimeoutAndCancel(t *testing.T) {
	l := startLoop(t)
	s := NewSemaphore(0)
	r := newRecorder(t)
	var cancel func()
	onLoop(l, func() {
		s.Acquire(l, 5*time.Millisecond, r.f(l, 0))
		cancel = s.Acquire(l, 0, r.f(l, 1))
		s.Acquire(l, 0, r.f(l, 2))
	})
	if res := r.next(); res.id != 0 || res.ok {
		t.Fatalf("got %+v, want waiter 0 timed out", res)
	}
	cancel()
	if res := r.next(); res.id != 1 || res.ok {
		t.Fatalf("got %+v, want waiter 1 cancelled", res)
	}
	s.Release() // goes past both to waiter 2
	if res := r.next(); res.id != 2 || !res.ok {
		t.Fatalf("got %+v, want waiter 2 given the permit", res)
	}
	r.none(l)
}

func TestSemaphoreAcquireContext(t *testing.T) {
	s := NewSemaphore(1)
	if err := s.AcquireContext(context.Background()); err != nil {
		t.Fatalf("AcquireContext() = %v with a free permit", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if err := s.AcquireContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("AcquireContext() = %v, want context.DeadlineExceeded", err)
	}
	var got atomic.Bool
	errc := make(chan error, 1)
	go func() {
		err := s.AcquireContext(context.Background())
		got.Store(true)
		errc <- err
	}()
	waitFor(t, func() bool { s.s.mu.Lock(); defer s.s.mu.Unlock(); return s.s.waiters.Len() == 1 })
	if got.Load() {
		t.Fatal("AcquireContext returned while the permit was held")
	}
	s.Release()
	if err := <-errc; err != nil {
		t.Fatalf("AcquireContext() = %v after Release", err)
	}
}

func TestBoundedSemaphoreOverRelease(t *testing.T) {
	s := NewBoundedSemaphore(2)
	if !s.TryAcquire() {
		t.Fatal("TryAcquire failed on a fresh semaphore")
	}
	s.Release()
	mustPanic(t, "BoundedSemaphore.Release past its value", s.Release)
	// Nothing changed: still two permits, no more.
	if !s.TryAcquire() || !s.TryAcquire() || s.TryAcquire() {
		t.Fatal("over-release changed the counter")
	}
}

func TestNegativeSemaphorePanics(t *testing.T) {
	mustPanic(t, "NewSemaphore(-1)", func() { NewSemaphore(-1) })
	mustPanic(t, "NewBoundedSemaphore(-1)", func() { NewBoundedSemaphore(-1) })
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}
