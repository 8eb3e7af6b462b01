package locks

import (
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

// raceRounds bounds the race tests: each round lets a timeout and a
// wake-up from another goroutine land at about the same moment.
const raceRounds = 300

// jitter returns a delay around the 1ms timeouts the race tests use.
func jitter() time.Duration { return time.Duration(rand.IntN(1500)) * time.Microsecond }

// TestNotifyRacesTimeout: waiter A, on loop a, times out just as another
// goroutine calls Notify(1); waiter B waits on loop b without a timeout.
// A's callback runs exactly once, and the one notification reaches A (then
// A gets true) or, if A had timed out, B: it is never lost or doubled.
func TestNotifyRacesTimeout(t *testing.T) {
	a, b := startLoop(t), startLoop(t)
	var outcomes [2]int
	for range raceRounds {
		var c Condition
		var calls atomic.Int32
		aRes := make(chan bool, 2)
		bRes := make(chan bool, 1)
		var cancelB func()
		onLoop(a, func() {
			c.Wait(a, time.Millisecond, func(ok bool) { calls.Add(1); aRes <- ok })
		})
		onLoop(b, func() { cancelB = c.Wait(b, 0, func(ok bool) { bRes <- ok }) })
		time.Sleep(jitter())
		c.Notify(1)
		aOK := <-aRes
		if aOK {
			cancelB() // B must still be waiting: it gets false
			if ok := <-bRes; ok {
				t.Fatal("both waiters notified by one Notify(1)")
			}
			outcomes[0]++
		} else {
			if ok := <-bRes; !ok {
				t.Fatal("B not notified after A timed out: the notification was lost")
			}
			outcomes[1]++
		}
		settle(a)
		if n := calls.Load(); n != 1 {
			t.Fatalf("A's callback ran %d times", n)
		}
		if n := c.waiting(); n != 0 {
			t.Fatalf("waiting() = %d at the end of a round", n)
		}
	}
	t.Logf("notified A: %d rounds; A timed out, B notified: %d rounds", outcomes[0], outcomes[1])
}

// TestReleaseRacesTimeout is the same race for a Semaphore's permit: it
// goes to A, or to B if A timed out, and is never lost.
func TestReleaseRacesTimeout(t *testing.T) {
	a, b := startLoop(t), startLoop(t)
	for range raceRounds {
		s := NewBoundedSemaphore(1)
		if !s.TryAcquire() {
			t.Fatal("fresh semaphore has no permit")
		}
		aRes := make(chan bool, 2)
		bRes := make(chan bool, 1)
		var cancelB func()
		onLoop(a, func() { s.Acquire(a, time.Millisecond, func(ok bool) { aRes <- ok }) })
		onLoop(b, func() { cancelB = s.Acquire(b, 0, func(ok bool) { bRes <- ok }) })
		time.Sleep(jitter())
		s.Release()
		if <-aRes {
			cancelB()
			if <-bRes {
				t.Fatal("one permit given to two waiters")
			}
		} else if !<-bRes {
			t.Fatal("permit lost: neither waiter got it")
		}
		settle(a)
		if len(aRes) != 0 {
			t.Fatal("A's callback ran twice")
		}
		s.Release() // the winner's permit back: exactly one is then free
		if !s.TryAcquire() || s.TryAcquire() {
			t.Fatal("permit count wrong after the race")
		}
	}
}

// TestCancelRacesNotify: cancel from one goroutine, NotifyAll from
// another; f runs once, with either answer.
func TestCancelRacesNotify(t *testing.T) {
	l := startLoop(t)
	for range raceRounds {
		var c Condition
		res := make(chan bool, 2)
		var cancel func()
		onLoop(l, func() { cancel = c.Wait(l, 0, func(ok bool) { res <- ok }) })
		start := make(chan struct{})
		done := make(chan struct{})
		go func() { <-start; cancel(); done <- struct{}{} }()
		close(start)
		c.NotifyAll()
		<-done
		<-res
		settle(l)
		if len(res) != 0 {
			t.Fatal("callback ran twice")
		}
	}
}
