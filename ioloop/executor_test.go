package ioloop

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunInExecutorDeliversOnLoop(t *testing.T) {
	l := startLoop(t)
	type res struct {
		v   int
		err error
	}
	got := make(chan res, 1)
	onLoop(l, func() {
		f := RunInExecutor(l, func() (int, error) { return 42, nil })
		f.AddDoneCallback(func(f *Future[int]) {
			v, err := f.Result()
			got <- res{v, err}
		})
	})
	if r := <-got; r.v != 42 || r.err != nil {
		t.Fatalf("Result() = %d, %v; want 42, nil", r.v, r.err)
	}
}

func TestRunInExecutorPanicBecomesError(t *testing.T) {
	l := startLoop(t)
	got := make(chan error, 1)
	onLoop(l, func() {
		RunInExecutor(l, func() (string, error) { panic("bad") }).
			AddDoneCallback(func(f *Future[string]) { _, err := f.Result(); got <- err })
	})
	if err := <-got; err == nil || !strings.Contains(err.Error(), "bad") {
		t.Fatalf("err = %v, want the panic", err)
	}
}

func TestRunInExecutorDoneCallbackAfterDone(t *testing.T) {
	l := startLoop(t)
	got := make(chan error, 1)
	var f *Future[int]
	done := make(chan struct{})
	onLoop(l, func() {
		f = RunInExecutor(l, func() (int, error) { return 0, errors.New("x") })
		f.AddDoneCallback(func(*Future[int]) { close(done) })
	})
	<-done
	onLoop(l, func() {
		if !f.Done() {
			t.Error("Done() = false")
		}
		f.AddDoneCallback(func(f *Future[int]) { _, err := f.Result(); got <- err })
	})
	if err := <-got; err == nil {
		t.Fatal("late callback got nil error")
	}
}

func TestExecutorIsBounded(t *testing.T) {
	e := NewExecutor(3)
	var running, peak atomic.Int32
	done := make(chan struct{}, 20)
	for range 20 {
		e.Submit(func() {
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(2 * time.Millisecond)
			running.Add(-1)
			done <- struct{}{}
		})
	}
	for range 20 {
		<-done
	}
	e.Shutdown()
	if p := peak.Load(); p > 3 || p < 1 {
		t.Fatalf("peak concurrency = %d, want 1..3", p)
	}
	if e.Submit(func() {}) {
		t.Fatal("Submit after Shutdown = true")
	}
}
