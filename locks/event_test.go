package locks

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestEventSetWakesAllOnTheirLoops(t *testing.T) {
	a, b := startLoop(t), startLoop(t)
	var e Event
	r := newRecorder(t)
	onLoop(a, func() { e.Wait(a, 0, r.f(a, 0)) })
	onLoop(b, func() { e.Wait(b, time.Hour, r.f(b, 1)) })
	if e.IsSet() {
		t.Fatal("zero Event is set")
	}
	go e.Set()
	seen := map[int]bool{}
	for range 2 {
		res := r.next()
		if !res.ok || !res.onLoop {
			t.Fatalf("got %+v, want set, on its loop", res)
		}
		seen[res.id] = true
	}
	if !seen[0] || !seen[1] {
		t.Fatalf("woken: %v, want both", seen)
	}
	if !e.IsSet() {
		t.Fatal("IsSet() = false after Set")
	}
	r.none(a, b)
}

func TestEventWaitWhenSetAndAfterClear(t *testing.T) {
	l := startLoop(t)
	var e Event
	r := newRecorder(t)
	e.Set()
	e.Set() // setting twice is harmless
	onLoop(l, func() {
		returned := false
		e.Wait(l, 0, func(ok bool) {
			if !returned {
				t.Error("callback ran inside Wait")
			}
			r.f(l, 0)(ok)
		})
		returned = true
	})
	if res := r.next(); !res.ok {
		t.Fatalf("Wait on a set Event: %+v, want true", res)
	}
	e.Clear()
	if e.IsSet() {
		t.Fatal("IsSet() = true after Clear")
	}
	onLoop(l, func() { e.Wait(l, 5*time.Millisecond, r.f(l, 1)) })
	if res := r.next(); res.id != 1 || res.ok {
		t.Fatalf("Wait after Clear: %+v, want a timeout", res)
	}
	var cancel func()
	onLoop(l, func() { cancel = e.Wait(l, 0, r.f(l, 2)) })
	cancel()
	if res := r.next(); res.id != 2 || res.ok {
		t.Fatalf("cancelled Wait: %+v, want false", res)
	}
	e.Set()
	r.none(l)
}

func TestEventWaitContext(t *testing.T) {
	var e Event
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- e.WaitContext(ctx) }()
	waitFor(t, func() bool { e.mu.Lock(); defer e.mu.Unlock(); return e.waiters.Len() == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitContext() = %v, want context.Canceled", err)
	}
	go func() { errc <- e.WaitContext(context.Background()) }()
	waitFor(t, func() bool { e.mu.Lock(); defer e.mu.Unlock(); return e.waiters.Len() == 1 })
	e.Set()
	if err := <-errc; err != nil {
		t.Fatalf("WaitContext() = %v after Set, want nil", err)
	}
	if err := e.WaitContext(ctx); err != nil { // set wins over a done ctx
		t.Fatalf("WaitContext(done ctx) on a set Event = %v, want nil", err)
	}
}
