package locks

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gotornado/tornado/ioloop"
)

func TestConditionNotifyFIFO(t *testing.T) {
	tests := []struct {
		name    string
		waiters int
		notify  []int // successive Notify(n); -1 is NotifyAll
		want    [][]int
	}{
		{"one", 3, []int{1}, [][]int{{0}}},
		{"two then rest", 5, []int{2, -1}, [][]int{{0, 1}, {2, 3, 4}}},
		{"more than waiting", 2, []int{5}, [][]int{{0, 1}}},
		{"zero and negative", 2, []int{0, -2, 1}, [][]int{{}, {}, {0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := startLoop(t)
			var c Condition
			r := newRecorder(t)
			onLoop(l, func() {
				for i := range tt.waiters {
					c.Wait(l, 0, r.f(l, i))
				}
			})
			for step, n := range tt.notify {
				if n == -1 {
					c.NotifyAll()
				} else {
					c.Notify(n)
				}
				for _, id := range tt.want[step] {
					if res := r.next(); res.id != id || !res.ok || !res.onLoop {
						t.Fatalf("step %d: got %+v, want waiter %d notified on its loop", step, res, id)
					}
				}
				r.none(l)
			}
		})
	}
}

func TestConditionWakesEachWaiterOnItsLoop(t *testing.T) {
	a, b := startLoop(t), startLoop(t)
	var c Condition
	const each = 50
	r := newRecorder(t)
	for i := range each {
		onLoop(a, func() { c.Wait(a, time.Hour, r.f(a, 2*i)) })
		onLoop(b, func() { c.Wait(b, time.Hour, r.f(b, 2*i+1)) })
	}
	if n := c.waiting(); n != 2*each {
		t.Fatalf("waiting() = %d, want %d", n, 2*each)
	}
	go c.NotifyAll() // from a goroutine that is neither loop
	last := [2]int{-2, -1}
	for range 2 * each {
		res := r.next()
		if !res.ok || !res.onLoop {
			t.Fatalf("waiter %d: ok=%v onLoop=%v, want both true", res.id, res.ok, res.onLoop)
		}
		if p := res.id % 2; res.id != last[p]+2 {
			t.Fatalf("waiter %d ran after %d on its loop: FIFO order lost", res.id, last[p])
		}
		last[res.id%2] = res.id
	}
	r.none(a, b)
	if n := c.waiting(); n != 0 {
		t.Errorf("waiting() = %d after NotifyAll, want 0", n)
	}
}

func TestConditionTimeout(t *testing.T) {
	l := startLoop(t)
	var c Condition
	r := newRecorder(t)
	onLoop(l, func() {
		c.Wait(l, 5*time.Millisecond, r.f(l, 0))
		c.Wait(l, 0, r.f(l, 1))
	})
	if res := r.next(); res.id != 0 || res.ok || !res.onLoop {
		t.Fatalf("got %+v, want waiter 0 timed out on its loop", res)
	}
	if n := c.waiting(); n != 1 {
		t.Fatalf("waiting() = %d after a timeout, want 1", n)
	}
	c.Notify(1) // goes past the timed-out waiter
	if res := r.next(); res.id != 1 || !res.ok {
		t.Fatalf("got %+v, want waiter 1 notified", res)
	}
	r.none(l)
}

func TestConditionCancel(t *testing.T) {
	for _, from := range []string{"loop", "goroutine"} {
		t.Run(from, func(t *testing.T) {
			l := startLoop(t)
			var c Condition
			r := newRecorder(t)
			var cancel func()
			onLoop(l, func() {
				cancel = c.Wait(l, time.Hour, r.f(l, 0))
				c.Wait(l, 0, r.f(l, 1))
			})
			if from == "loop" {
				onLoop(l, func() {
					cancel()
					if n := c.waiting(); n != 1 {
						t.Errorf("waiting() = %d right after cancel, want 1", n)
					}
				})
			} else {
				cancel()
				if n := c.waiting(); n != 1 {
					t.Errorf("waiting() = %d right after cancel, want 1", n)
				}
			}
			if res := r.next(); res.id != 0 || res.ok || !res.onLoop {
				t.Fatalf("got %+v, want waiter 0 cancelled on its loop", res)
			}
			cancel() // a second cancel does nothing
			c.Notify(1)
			if res := r.next(); res.id != 1 || !res.ok {
				t.Fatalf("got %+v, want waiter 1 notified", res)
			}
			r.none(l)
		})
	}
}

func TestConditionCancelAfterNotifyKeepsTrue(t *testing.T) {
	l := startLoop(t)
	var c Condition
	r := newRecorder(t)
	onLoop(l, func() {
		cancel := c.Wait(l, 0, r.f(l, 0))
		c.NotifyAll()
		cancel() // the notification is already on its way
	})
	if res := r.next(); !res.ok {
		t.Fatalf("got %+v, want notified", res)
	}
	r.none(l)
}

func TestConditionCallbackNeverInline(t *testing.T) {
	l := startLoop(t)
	var c Condition
	onLoop(l, func() {
		returned := false
		c.Wait(l, 0, func(bool) {
			if !returned {
				t.Error("callback ran inside Notify")
			}
		})
		c.NotifyAll()
		returned = true
	})
	settle(l)
}

func TestConditionWaitContext(t *testing.T) {
	var c Condition
	errc := make(chan error, 1)
	go func() { errc <- c.WaitContext(context.Background()) }()
	waitFor(t, func() bool { return c.waiting() == 1 })
	c.Notify(1)
	if err := <-errc; err != nil {
		t.Fatalf("WaitContext() = %v after Notify, want nil", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { errc <- c.WaitContext(ctx) }()
	waitFor(t, func() bool { return c.waiting() == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitContext() = %v after cancel, want context.Canceled", err)
	}
	if n := c.waiting(); n != 0 {
		t.Fatalf("waiting() = %d after a cancelled WaitContext, want 0", n)
	}
	if err := c.WaitContext(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitContext(done ctx) = %v, want context.Canceled", err)
	}
}

func TestConditionMixedLoopsAndGoroutines(t *testing.T) {
	l := startLoop(t)
	var c Condition
	r := newRecorder(t)
	onLoop(l, func() { c.Wait(l, 0, r.f(l, 0)) })
	errc := make(chan error, 1)
	go func() { errc <- c.WaitContext(context.Background()) }()
	waitFor(t, func() bool { return c.waiting() == 2 })
	c.NotifyAll()
	if res := r.next(); !res.ok || !res.onLoop {
		t.Fatalf("got %+v, want notified on the loop", res)
	}
	if err := <-errc; err != nil {
		t.Fatalf("WaitContext() = %v, want nil", err)
	}
}

func TestNilLoopPanics(t *testing.T) {
	var c Condition
	var e Event
	var m Lock
	s := NewSemaphore(0)
	for name, f := range map[string]func(){
		"Condition.Wait": func() { c.Wait(nil, 0, func(bool) {}) },
		"Event.Wait":     func() { e.Wait(nil, 0, func(bool) {}) },
		"Lock.Acquire":   func() { m.Acquire(nil, 0, func(bool) {}) },
		"Semaphore":      func() { s.Acquire(nil, 0, func(bool) {}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s(nil loop) did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestPanickingCallbackDoesNotStopTheBatch(t *testing.T) {
	l, err := ioloop.New()
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	l.Logger = logs.logger()
	done := make(chan error, 1)
	go func() { done <- l.Start() }()
	defer func() { l.Stop(); <-done; l.Close() }()

	var c Condition
	r := newRecorder(t)
	onLoop(l, func() {
		c.Wait(l, 0, r.f(l, 0))
		c.Wait(l, 0, func(bool) { panic("boom") })
		c.Wait(l, 0, r.f(l, 2))
	})
	c.NotifyAll()
	for _, id := range []int{0, 2} {
		if res := r.next(); res.id != id || !res.ok {
			t.Fatalf("got %+v, want waiter %d notified", res, id)
		}
	}
	settle(l)
	if !logs.contains("boom") {
		t.Errorf("the panic was not logged: %q", logs.String())
	}
}

// waitFor polls cond until it holds (a goroutine has parked, say).
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}
