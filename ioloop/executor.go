package ioloop

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// ErrExecutorShutdown is the error of a task submitted after Shutdown.
var ErrExecutorShutdown = errors.New("ioloop: executor shut down")

// Executor runs blocking functions on a bounded set of goroutines (Tornado's
// run_in_executor thread pool). Workers start on demand and exit when the
// queue is empty, so an idle Executor holds no goroutines. Safe for
// concurrent use.
type Executor struct {
	max      int
	mu       sync.Mutex
	queue    []func()
	running  int
	shutdown bool
	idle     sync.Cond
}

// NewExecutor returns an Executor running at most n functions at once
// (n <= 0: min(32, NumCPU+4), Python's default).
func NewExecutor(n int) *Executor {
	if n <= 0 {
		n = min(32, runtime.NumCPU()+4)
	}
	e := &Executor{max: n}
	e.idle.L = &e.mu
	return e
}

// Submit queues f; it reports false if the executor is shut down.
func (e *Executor) Submit(f func()) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shutdown {
		return false
	}
	if e.running < e.max {
		e.running++
		go e.work(f)
		return true
	}
	e.queue = append(e.queue, f)
	return true
}

func (e *Executor) work(f func()) {
	for f != nil {
		f()
		e.mu.Lock()
		f = nil
		if len(e.queue) > 0 {
			f = e.queue[0]
			e.queue[0] = nil
			e.queue = e.queue[1:]
		} else {
			e.running--
			if e.running == 0 {
				e.idle.Broadcast()
			}
		}
		e.mu.Unlock()
	}
}

// Shutdown refuses new work and waits for the queued and running functions
// to finish.
func (e *Executor) Shutdown() {
	e.mu.Lock()
	e.shutdown = true
	for e.running > 0 {
		e.idle.Wait()
	}
	e.mu.Unlock()
}

// SetExecutor replaces the executor used by RunInExecutor on this loop.
// Call it before the first RunInExecutor.
func (l *Loop) SetExecutor(e *Executor) {
	l.exMu.Lock()
	l.executor = e
	l.exMu.Unlock()
}

func (l *Loop) defaultExecutor() *Executor {
	l.exMu.Lock()
	defer l.exMu.Unlock()
	if l.executor == nil {
		l.executor = NewExecutor(0)
	}
	return l.executor
}

// Future is the eventual result of RunInExecutor. Its done-callbacks run on
// the loop. Methods must be called on the loop goroutine.
type Future[T any] struct {
	loop      *Loop
	done      bool
	value     T
	err       error
	callbacks []func(*Future[T])
}

// RunInExecutor runs fn on the loop's executor and delivers its result back
// on the loop: the returned Future completes there. A panic in fn becomes
// the Future's error. Safe for concurrent use.
func RunInExecutor[T any](l *Loop, fn func() (T, error)) *Future[T] {
	f := &Future[T]{loop: l}
	ok := l.defaultExecutor().Submit(func() {
		var v T
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("ioloop: panic in executor: %v", r)
				}
			}()
			v, err = fn()
		}()
		l.AddCallback(func() { f.set(v, err) })
	})
	if !ok {
		l.AddCallback(func() { f.set(*new(T), ErrExecutorShutdown) })
	}
	return f
}

func (f *Future[T]) set(v T, err error) {
	f.value, f.err, f.done = v, err, true
	cbs := f.callbacks
	f.callbacks = nil
	for _, cb := range cbs {
		cb(f)
	}
}

// Done reports whether the result has arrived.
func (f *Future[T]) Done() bool { return f.done }

// Result returns the value and error; valid once Done.
func (f *Future[T]) Result() (T, error) { return f.value, f.err }

// AddDoneCallback runs cb on the loop once the result has arrived (in the
// next iteration if it already has).
func (f *Future[T]) AddDoneCallback(cb func(*Future[T])) {
	if f.done {
		f.loop.AddCallback(func() { cb(f) })
		return
	}
	f.callbacks = append(f.callbacks, cb)
}
