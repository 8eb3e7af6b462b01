package locks

import (
	"runtime"
	"testing"
	"time"

	"github.com/gotornado/tornado/ioloop"
)

// TestWaitAllocations counts what one waiting callback costs: the waiter
// and its cancel (plus, with a timeout, the loop's timer and its
// callback). The loop is not started: Wait may be called before Start.
func TestWaitAllocations(t *testing.T) {
	l, err := ioloop.New()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f := func(bool) {}
	tests := []struct {
		name    string
		timeout time.Duration
		max     float64
	}{
		{"no timeout", 0, 2},
		{"timeout", time.Hour, 4},
	}
	for _, tt := range tests {
		var c Condition
		got := testing.AllocsPerRun(1000, func() { c.Wait(l, tt.timeout, f) })
		if got > tt.max {
			t.Errorf("%s: Wait allocates %v times, want at most %v", tt.name, got, tt.max)
		}
		t.Logf("%s: %v allocations per Wait", tt.name, got)
	}
}

// TestNoGoroutinePerWaiter parks 10,000 callbacks on two loops and checks
// that the goroutine count does not move.
func TestNoGoroutinePerWaiter(t *testing.T) {
	a, b := startLoop(t), startLoop(t)
	var c Condition
	const n = 10000
	woken := make(chan struct{}, n)
	f := func(ok bool) { woken <- struct{}{} }
	before := runtime.NumGoroutine()
	onLoop(a, func() {
		for range n / 2 {
			c.Wait(a, time.Hour, f)
		}
	})
	onLoop(b, func() {
		for range n / 2 {
			c.Wait(b, 0, f)
		}
	})
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before %d waits, %d after", before, n, after)
	}
	c.NotifyAll()
	for range n {
		select {
		case <-woken:
		case <-time.After(10 * time.Second):
			t.Fatal("not every waiter was woken")
		}
	}
}

// BenchmarkNotifyAll10000 parks 10,000 long-poll callbacks, half on each of
// two loops, and wakes them with one NotifyAll. B/op divided by 10,000 is
// the cost of a waiter (B/waiter); the wake-up itself queues one callback
// per loop.
func BenchmarkNotifyAll10000(b *testing.B) {
	for _, timeout := range []time.Duration{0, time.Hour} {
		name := "no timeout"
		if timeout > 0 {
			name = "timeout"
		}
		b.Run(name, func(b *testing.B) {
			loops := []*ioloop.Loop{startLoop(b), startLoop(b)}
			const n = 10000
			var c Condition
			done := make(chan struct{}, len(loops))
			counts := make([]int, len(loops))
			fs := make([]func(bool), len(loops))
			for i := range loops {
				fs[i] = func(bool) { // one shared callback per loop: the waiters' own cost is measured
					if counts[i]++; counts[i] == n/len(loops) {
						counts[i] = 0
						done <- struct{}{}
					}
				}
			}
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				for i, l := range loops {
					onLoop(l, func() {
						for range n / len(loops) {
							c.Wait(l, timeout, fs[i])
						}
					})
				}
				c.NotifyAll()
				for range loops {
					<-done
				}
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N*n), "B/waiter")
		})
	}
}

// TestNotifyAllQueuesOneCallbackPerLoop wakes 1,000 waiters on two loops
// (not started: the callbacks stay queued) and counts what NotifyAll
// allocates: a callback per loop, not per waiter.
func TestNotifyAllQueuesOneCallbackPerLoop(t *testing.T) {
	var loops []*ioloop.Loop
	for range 2 {
		l, err := ioloop.New()
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		loops = append(loops, l)
	}
	var c Condition
	f := func(bool) {}
	for i := range 1000 {
		c.Wait(loops[i%2], 0, f)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c.NotifyAll()
	runtime.ReadMemStats(&after)
	// Per loop: the batch's closure, and the loop's queue growing from empty.
	n := after.Mallocs - before.Mallocs
	if n > 8 {
		t.Errorf("NotifyAll of 1000 waiters on 2 loops allocated %d times, want a few per loop", n)
	}
	t.Logf("NotifyAll of 1000 waiters on 2 loops: %d allocations", n)
}

func BenchmarkSemaphoreTryAcquireRelease(b *testing.B) {
	s := NewSemaphore(1)
	b.ReportAllocs()
	for b.Loop() {
		if s.TryAcquire() {
			s.Release()
		}
	}
}

// BenchmarkLockHandoff passes a Lock back and forth between two loops.
func BenchmarkLockHandoff(b *testing.B) {
	loops := []*ioloop.Loop{startLoop(b), startLoop(b)}
	var m Lock
	done := make(chan struct{})
	n := b.N
	var step func(i int)
	step = func(i int) {
		l := loops[i%2]
		m.Acquire(l, 0, func(bool) {
			m.Release()
			if i+1 == n {
				close(done)
				return
			}
			loops[(i+1)%2].AddCallback(func() { step(i + 1) })
		})
	}
	b.ReportAllocs()
	b.ResetTimer()
	loops[0].AddCallback(func() { step(0) })
	<-done
}
