package ioloop

import (
	"bytes"
	"errors"
	"log/slog"
	"math/rand"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestAddCallbackFromManyGoroutines(t *testing.T) {
	l := startLoop(t)
	const goroutines, each = 100, 100
	var got [goroutines][]int // touched only on the loop goroutine
	var wg sync.WaitGroup
	done := make(chan struct{})
	var count int
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				l.AddCallback(func() {
					got[g] = append(got[g], i)
					count++
					if count == goroutines*each {
						close(done)
					}
				})
			}
		}()
	}
	wg.Wait()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("callbacks did not all run")
	}
	onLoop(l, func() {
		for g := range goroutines {
			if len(got[g]) != each {
				t.Fatalf("goroutine %d: %d callbacks ran, want %d", g, len(got[g]), each)
			}
			for i, v := range got[g] {
				if v != i {
					t.Fatalf("goroutine %d: callback %d ran as number %d; order lost", g, v, i)
				}
			}
		}
	})
}

func TestTimersFireInDeadlineOrder(t *testing.T) {
	l := startLoop(t)
	const n = 50
	var order []int
	done := make(chan struct{})
	onLoop(l, func() {
		base := time.Now().Add(20 * time.Millisecond)
		for _, i := range rand.Perm(n) {
			l.CallAt(base.Add(time.Duration(i)*time.Millisecond), func() {
				order = append(order, i)
				if len(order) == n {
					close(done)
				}
			})
		}
	})
	<-done
	for i, v := range order {
		if v != i {
			t.Fatalf("timer %d fired at position %d: %v", v, i, order)
		}
	}
}

func TestTimersSameDeadlineKeepInsertionOrder(t *testing.T) {
	l := startLoop(t)
	var order []int
	done := make(chan struct{})
	onLoop(l, func() {
		at := time.Now().Add(5 * time.Millisecond)
		for i := range 10 {
			l.CallAt(at, func() {
				order = append(order, i)
				if i == 9 {
					close(done)
				}
			})
		}
	})
	<-done
	for i, v := range order {
		if v != i {
			t.Fatalf("order = %v, want 0..9", order)
		}
	}
}

func TestRemoveTimeout(t *testing.T) {
	l := startLoop(t)
	var fired atomic.Bool
	done := make(chan struct{})
	onLoop(l, func() {
		tm := l.CallLater(10*time.Millisecond, func() { fired.Store(true) })
		l.RemoveTimeout(tm)
		l.RemoveTimeout(tm) // a second removal is a no-op
		l.CallLater(40*time.Millisecond, func() { close(done) })
	})
	<-done
	if fired.Load() {
		t.Fatal("removed timeout fired")
	}
}

func TestPeriodicCallbackRuns(t *testing.T) {
	l := startLoop(t)
	runs := 0
	done := make(chan struct{})
	var p *PeriodicCallback
	onLoop(l, func() {
		p = NewPeriodicCallback(l, func() {
			runs++
			if runs == 3 {
				p.Stop()
				close(done)
			}
		}, 5*time.Millisecond)
		p.Start()
	})
	<-done
	onLoop(l, func() {
		if p.IsRunning() {
			t.Error("IsRunning() = true after Stop")
		}
	})
}

func TestPeriodicCallbackSkipsMissedRuns(t *testing.T) {
	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	interval := 10 * time.Millisecond
	p := NewPeriodicCallback(l, func() {}, interval)
	p.running = true
	// The previous run was due 35 intervals ago: an overrun.
	p.next = time.Now().Add(-35 * interval)
	before := time.Now()
	p.schedule()
	if !p.next.After(before) {
		t.Fatalf("next run %v is not in the future: missed runs would stack", p.next)
	}
	if p.next.Sub(before) > interval+time.Millisecond {
		t.Fatalf("next run %v after now, want within one interval", p.next.Sub(before))
	}
	if len(l.timers) != 1 {
		t.Fatalf("%d timers scheduled, want 1", len(l.timers))
	}
}

func TestPanicInCallbackIsLoggedAndLoopLives(t *testing.T) {
	var buf syncBuffer
	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	l.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	done := make(chan error, 1)
	go func() { done <- l.Start() }()
	l.AddCallback(func() { panic("boom") })
	ran := make(chan struct{})
	l.AddCallback(func() { close(ran) })
	<-ran
	l.Stop()
	<-done
	l.Close()
	if !strings.Contains(buf.String(), "boom") {
		t.Fatalf("log = %q, want the panic", buf.String())
	}
}

func TestAddHandlerPipe(t *testing.T) {
	l := startLoop(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rfd := int(r.Fd())
	got := make(chan Events, 1)
	onLoop(l, func() {
		err := l.AddHandler(rfd, Read, func(fd int, ev Events) {
			l.RemoveHandler(fd)
			got <- ev
		})
		if err != nil {
			t.Error(err)
		}
		if err := l.AddHandler(rfd, Read, func(int, Events) {}); !errors.Is(err, ErrHandlerExists) {
			t.Errorf("second AddHandler = %v, want ErrHandlerExists", err)
		}
	})
	w.Write([]byte("x"))
	if ev := <-got; ev&Read == 0 {
		t.Fatalf("events = %v, want Read", ev)
	}
	onLoop(l, func() {
		if err := l.UpdateHandler(rfd, Write); !errors.Is(err, ErrNoHandler) {
			t.Errorf("UpdateHandler after remove = %v, want ErrNoHandler", err)
		}
	})
	r.Close()
}

func TestStartTwiceAndClosed(t *testing.T) {
	l := startLoop(t)
	// Make sure the loop is running before the second Start.
	onLoop(l, func() {})
	if err := l.Start(); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Start() = %v, want ErrRunning", err)
	}
	l2, err := New()
	if err != nil {
		t.Fatal(err)
	}
	l2.Close()
	if err := l2.Start(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Start() after Close = %v, want ErrClosed", err)
	}
}

func TestWatchdogLogsBlockingCallback(t *testing.T) {
	var buf syncBuffer
	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	l.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	l.SetBlockingLogThreshold(20 * time.Millisecond)
	done := make(chan error, 1)
	go func() { done <- l.Start() }()
	ran := make(chan struct{})
	l.AddCallback(slowCallback)
	l.AddCallback(func() { close(ran) })
	<-ran
	l.Stop()
	<-done
	l.Close()
	out := buf.String()
	// The stack is the loop goroutine's, found by its id: it is asleep
	// in the callback.
	for _, want := range []string{"blocked by callback", "slowCallback", "time.Sleep"} {
		if !strings.Contains(out, want) {
			t.Errorf("log = %q, want it to contain %q", out, want)
		}
	}
}

func slowCallback() { time.Sleep(150 * time.Millisecond) }

func TestGroup(t *testing.T) {
	g, err := NewGroup(3)
	if err != nil {
		t.Fatal(err)
	}
	g.Start()
	var wg sync.WaitGroup
	var n atomic.Int32
	for range g.Loops {
		wg.Add(1)
		g.Next().AddCallback(func() { n.Add(1); wg.Done() })
	}
	wg.Wait()
	g.Stop()
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 3 {
		t.Fatalf("%d callbacks ran, want 3", n.Load())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestOnLoop(t *testing.T) {
	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if l.OnLoop() {
		t.Error("OnLoop() = true before Start")
	}
	done := make(chan error, 1)
	go func() { done <- l.Start() }()
	var onLoopInCallback, onLoopInTimer bool
	onLoop(l, func() { onLoopInCallback = l.OnLoop() })
	fired := make(chan struct{})
	l.AddCallback(func() {
		l.CallLater(0, func() { onLoopInTimer = l.OnLoop(); close(fired) })
	})
	<-fired
	if !onLoopInCallback || !onLoopInTimer {
		t.Errorf("OnLoop() on the loop = %v (callback), %v (timer), want true", onLoopInCallback, onLoopInTimer)
	}
	if l.OnLoop() {
		t.Error("OnLoop() on the test goroutine = true")
	}
	other := make(chan bool)
	go func() { other <- l.OnLoop() }()
	if <-other {
		t.Error("OnLoop() on another goroutine = true")
	}
	l.Stop()
	if err := <-done; err != nil {
		t.Fatalf("Start() = %v", err)
	}
	l.Close()
	if l.OnLoop() {
		t.Error("OnLoop() = true after Start returned")
	}
}

func BenchmarkOnLoop(b *testing.B) {
	l, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	l.loopID.Store(1) // as if running, so that every call reads the id
	b.ReportAllocs()
	for b.Loop() {
		l.OnLoop()
	}
}
