package waitlist

import (
	"sync"
	"testing"
	"time"

	"github.com/gotornado/tornado/internal/leakcheck"
	"github.com/gotornado/tornado/ioloop"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

func startLoop(t *testing.T) *ioloop.Loop {
	t.Helper()
	l, err := ioloop.New()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Start() }()
	t.Cleanup(func() {
		l.Stop()
		if err := <-done; err != nil {
			t.Errorf("Start() = %v", err)
		}
		l.Close()
	})
	return l
}

func onLoop(l *ioloop.Loop, f func()) {
	done := make(chan struct{})
	l.AddCallback(func() { f(); close(done) })
	<-done
}

// TestWakeRemovesTimer: a waiter parked with a timeout has its timer
// removed, on its loop, when it is woken.
func TestWakeRemovesTimer(t *testing.T) {
	l := startLoop(t)
	var mu sync.Mutex
	var list List[Callback]
	got := make(chan bool, 1)
	var w *Waiter[Callback]
	onLoop(l, func() {
		w = &Waiter[Callback]{Value: func(ok bool) { got <- ok }}
		mu.Lock()
		list.Park(&mu, l, time.Hour, w) // releases mu
		if w.timer == nil {
			t.Error("Park with a timeout set no timer")
		}
	})
	mu.Lock()
	var k Wakeups[Callback]
	for w := list.Pop(); w != nil; w = list.Pop() {
		k.Add(w)
	}
	mu.Unlock()
	k.Send()
	if ok := <-got; !ok {
		t.Fatal("woken waiter got false")
	}
	onLoop(l, func() {
		if w.timer != nil {
			t.Error("timer still set after the waiter was woken")
		}
	})
}

// TestCancelRemovesTimer: cancel unlinks the waiter at once, gives it
// false, and removes its timer.
func TestCancelRemovesTimer(t *testing.T) {
	l := startLoop(t)
	var mu sync.Mutex
	var list List[Callback]
	got := make(chan bool, 1)
	var w *Waiter[Callback]
	var cancel func()
	onLoop(l, func() {
		w = &Waiter[Callback]{Value: func(ok bool) { got <- ok }}
		mu.Lock()
		cancel = list.Park(&mu, l, time.Hour, w)
	})
	cancel()
	if ok := <-got; ok {
		t.Fatal("cancelled waiter got true")
	}
	mu.Lock()
	n := list.Len()
	mu.Unlock()
	if n != 0 {
		t.Fatalf("Len() = %d after cancel, want 0", n)
	}
	onLoop(l, func() {
		if w.timer != nil {
			t.Error("timer still set after cancel")
		}
	})
}
