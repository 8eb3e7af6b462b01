package locks

import (
	"context"
	"testing"
	"time"

	"github.com/gotornado/tornado/ioloop"
)

// TestLockExcludesAcrossLoops holds the lock across a timer on one of two
// loops at a time and checks that no two holders overlap.
func TestLockExcludesAcrossLoops(t *testing.T) {
	loops := []*ioloop.Loop{startLoop(t), startLoop(t)}
	var m Lock
	const rounds = 20
	var holders int // guarded by m itself; -race checks it
	done := make(chan int, 2*rounds)
	for i, l := range loops {
		var round func(n int)
		round = func(n int) {
			m.Acquire(l, 0, func(ok bool) {
				if !ok {
					t.Error("Acquire without a timeout failed")
				}
				holders++
				if holders != 1 {
					t.Errorf("%d holders at once", holders)
				}
				l.CallLater(100*time.Microsecond, func() {
					holders--
					m.Release()
					done <- i
					if n+1 < rounds {
						round(n + 1)
					}
				})
			})
		}
		l.AddCallback(func() { round(0) })
	}
	for range 2 * rounds {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("rounds did not finish")
		}
	}
}

func TestLockIsNotReentrant(t *testing.T) {
	l := startLoop(t)
	var m Lock
	r := newRecorder(t)
	onLoop(l, func() {
		m.Acquire(l, 0, func(ok bool) {
			r.f(l, 0)(ok)
			m.Acquire(l, 0, r.f(l, 1)) // the holder waits like anyone
		})
	})
	if res := r.next(); res.id != 0 || !res.ok {
		t.Fatalf("got %+v, want the lock", res)
	}
	r.none(l)
	m.Release() // from another goroutine
	if res := r.next(); res.id != 1 || !res.ok {
		t.Fatalf("got %+v, want the second Acquire to get the lock", res)
	}
	m.Release()
	mustPanic(t, "Release of an unlocked Lock", m.Release)
	if !m.TryAcquire() || m.TryAcquire() {
		t.Fatal("TryAcquire: want the lock once")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.AcquireContext(ctx); err == nil {
		t.Fatal("AcquireContext(done ctx) on a held Lock = nil")
	}
	m.Release()
	if err := m.AcquireContext(ctx); err != nil {
		t.Fatalf("AcquireContext(done ctx) on a free Lock = %v, want nil", err)
	}
}
