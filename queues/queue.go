package queues

import (
	"context"
	"sync"
	"time"

	"github.com/gotornado/tornado/internal/waitlist"
	"github.com/gotornado/tornado/ioloop"
)

// Queue is a queue of items of type T shared by producers and consumers
// (Tornado's queues.Queue). With a maximum size, a Put on a full queue
// waits for room; a Get on an empty queue waits for an item, and an item
// put while getters wait goes straight to the first of them. TaskDone and
// Join track whether every item put has been processed. The zero value is
// an unbounded FIFO queue. Safe for concurrent use.
type Queue[T any] struct {
	mu         sync.Mutex
	maxsize    int
	items      buffer[T]
	getters    waitlist.List[getter[T]] // waiting only while items is empty
	putters    waitlist.List[putter[T]] // waiting only while items is full
	joiners    waitlist.List[waitlist.Callback]
	unfinished int // items put and not yet marked done with TaskDone
}

// New returns a FIFO queue holding at most maxsize items (0: unbounded).
// It panics if maxsize is negative.
func New[T any](maxsize int) *Queue[T] {
	checkMaxsize(maxsize)
	return &Queue[T]{maxsize: maxsize}
}

// NewLifo returns a queue that takes out the most recently put item first
// (Tornado's LifoQueue), holding at most maxsize items (0: unbounded). It
// panics if maxsize is negative.
func NewLifo[T any](maxsize int) *Queue[T] {
	checkMaxsize(maxsize)
	return &Queue[T]{maxsize: maxsize, items: buffer[T]{lifo: true}}
}

// NewPriority returns a queue that takes out the lowest item first, as
// ordered by cmp (negative when a comes before b, like cmp.Compare;
// Tornado's PriorityQueue), holding at most maxsize items (0: unbounded).
// Items that compare equal come out in no set order. It panics if maxsize
// is negative or cmp is nil.
func NewPriority[T any](maxsize int, cmp func(a, b T) int) *Queue[T] {
	checkMaxsize(maxsize)
	if cmp == nil {
		panic("queues: NewPriority with a nil cmp")
	}
	return &Queue[T]{maxsize: maxsize, items: buffer[T]{cmp: cmp}}
}

func checkMaxsize(n int) {
	if n < 0 {
		panic("queues: negative maxsize")
	}
}

// Maxsize returns the number of items the queue may hold (0: unbounded).
func (q *Queue[T]) Maxsize() int { return q.maxsize }

// Qsize returns the number of items in the queue.
func (q *Queue[T]) Qsize() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.items.len()
}

// Empty reports whether the queue holds no items.
func (q *Queue[T]) Empty() bool { return q.Qsize() == 0 }

// Full reports whether the queue holds its maximum size (never, unbounded).
func (q *Queue[T]) Full() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.full()
}

func (q *Queue[T]) full() bool { return q.maxsize > 0 && q.items.len() >= q.maxsize }

// TryPut puts item without waiting (Tornado's put_nowait): it hands it to
// the first waiting getter, or keeps it if there is room, and reports
// false, keeping nothing, if the queue is full.
func (q *Queue[T]) TryPut(item T) bool {
	var k waitlist.Wakeups[getter[T]]
	q.mu.Lock()
	ok := q.tryPut(item, &k)
	q.mu.Unlock()
	k.Send()
	return ok
}

// tryPut is TryPut with q.mu held; the woken getter goes into k.
func (q *Queue[T]) tryPut(item T, k *waitlist.Wakeups[getter[T]]) bool {
	if w := q.getters.Pop(); w != nil {
		q.unfinished++
		w.Value.item = item
		k.Add(w)
		return true
	}
	if q.full() {
		return false
	}
	q.unfinished++
	q.items.push(item)
	return true
}

// TryGet takes the next item without waiting (Tornado's get_nowait), and
// reports false if the queue is empty. Taking from a full queue lets the
// first waiting putter in.
func (q *Queue[T]) TryGet() (item T, ok bool) {
	var k waitlist.Wakeups[putter[T]]
	q.mu.Lock()
	item, ok = q.tryGet(&k)
	q.mu.Unlock()
	k.Send()
	return item, ok
}

// tryGet is TryGet with q.mu held; the woken putter goes into k.
func (q *Queue[T]) tryGet(k *waitlist.Wakeups[putter[T]]) (T, bool) {
	if w := q.putters.Pop(); w != nil {
		// The queue is full: the first putter's item goes in, then the
		// next item comes out (with LIFO order, that same item).
		q.unfinished++
		q.items.push(w.Value.item)
		var zero T
		w.Value.item = zero
		k.Add(w)
		return q.items.pop(), true
	}
	if q.items.len() > 0 {
		return q.items.pop(), true
	}
	var zero T
	return zero, false
}

// Put runs f on l once item is in the queue or handed to a getter (ok is
// true), or after timeout (zero or less: none) or cancel (ok is false, and
// item was not put). With room, or a getter waiting, item goes in at once
// and f runs in the next callback; f may be nil. Put must be called on l's
// goroutine; cancel may be called from any goroutine.
func (q *Queue[T]) Put(l *ioloop.Loop, item T, timeout time.Duration, f func(ok bool)) (cancel func()) {
	mustLoop(l)
	var k waitlist.Wakeups[getter[T]]
	q.mu.Lock()
	if q.tryPut(item, &k) {
		q.mu.Unlock()
		k.Send()
		if f != nil {
			waitlist.Answer(l, waitlist.Callback(f), true)
		}
		return waitlist.Nothing
	}
	return q.putters.Park(&q.mu, l, timeout, &waitlist.Waiter[putter[T]]{Value: putter[T]{item, f}})
}

// PutContext blocks the calling goroutine until item is in the queue or
// handed to a getter (it returns nil) or ctx is done (it returns
// ctx.Err(), and item was not put). With room, item goes in even if ctx is
// done. Do not call it on a loop's goroutine.
func (q *Queue[T]) PutContext(ctx context.Context, item T) error {
	var k waitlist.Wakeups[getter[T]]
	q.mu.Lock()
	if q.tryPut(item, &k) {
		q.mu.Unlock()
		k.Send()
		return nil
	}
	if err := ctx.Err(); err != nil {
		q.mu.Unlock()
		return err
	}
	done := make(chan struct{})
	if !q.putters.Block(&q.mu, ctx, done, putter[T]{item, func(bool) { close(done) }}) {
		return ctx.Err()
	}
	return nil
}

// Get runs f on l with the next item (ok is true), or after timeout (zero
// or less: none) or cancel (ok is false). An item there now is taken at
// once and f gets it in the next callback. Get must be called on l's
// goroutine; cancel may be called from any goroutine.
func (q *Queue[T]) Get(l *ioloop.Loop, timeout time.Duration, f func(item T, ok bool)) (cancel func()) {
	mustLoop(l)
	var k waitlist.Wakeups[putter[T]]
	q.mu.Lock()
	if item, ok := q.tryGet(&k); ok {
		q.mu.Unlock()
		k.Send()
		waitlist.Answer(l, getter[T]{item, f}, true)
		return waitlist.Nothing
	}
	return q.getters.Park(&q.mu, l, timeout, &waitlist.Waiter[getter[T]]{Value: getter[T]{f: f}})
}

// GetContext blocks the calling goroutine until it has the next item (with
// a nil error) or ctx is done (it returns ctx.Err()). An item there at the
// call is taken even if ctx is done, and an item handed over as ctx ends
// is returned, not lost. Do not call it on a loop's goroutine.
func (q *Queue[T]) GetContext(ctx context.Context) (T, error) {
	var k waitlist.Wakeups[putter[T]]
	q.mu.Lock()
	if item, ok := q.tryGet(&k); ok {
		q.mu.Unlock()
		k.Send()
		return item, nil
	}
	var got T
	if err := ctx.Err(); err != nil {
		q.mu.Unlock()
		return got, err
	}
	done := make(chan struct{})
	if !q.getters.Block(&q.mu, ctx, done, getter[T]{f: func(item T, _ bool) { got = item; close(done) }}) {
		return got, ctx.Err()
	}
	return got, nil
}

// TaskDone marks one item taken from the queue as processed (Tornado's
// task_done); when every item put has been, Join's waiters are woken. It
// panics, changing nothing, if called more times than items were put
// (Tornado raises ValueError): a programmer error.
func (q *Queue[T]) TaskDone() {
	var k waitlist.Wakeups[waitlist.Callback]
	q.mu.Lock()
	if q.unfinished <= 0 {
		q.mu.Unlock()
		panic("queues: TaskDone called more times than items were put")
	}
	q.unfinished--
	if q.unfinished == 0 {
		for w := q.joiners.Pop(); w != nil; w = q.joiners.Pop() {
			k.Add(w)
		}
	}
	q.mu.Unlock()
	k.Send()
}

// Join runs f on l once every item put has been marked with TaskDone (ok
// is true; in the next callback if that is so now), or after timeout (zero
// or less: none) or cancel (ok is false). Join must be called on l's
// goroutine; cancel may be called from any goroutine.
func (q *Queue[T]) Join(l *ioloop.Loop, timeout time.Duration, f func(ok bool)) (cancel func()) {
	mustLoop(l)
	q.mu.Lock()
	if q.unfinished == 0 {
		q.mu.Unlock()
		waitlist.Answer(l, waitlist.Callback(f), true)
		return waitlist.Nothing
	}
	return q.joiners.Park(&q.mu, l, timeout, &waitlist.Waiter[waitlist.Callback]{Value: f})
}

// JoinContext blocks the calling goroutine until every item put has been
// marked with TaskDone (it returns nil) or ctx is done (it returns
// ctx.Err()). Do not call it on a loop's goroutine.
func (q *Queue[T]) JoinContext(ctx context.Context) error {
	q.mu.Lock()
	if q.unfinished == 0 {
		q.mu.Unlock()
		return nil
	}
	if err := ctx.Err(); err != nil {
		q.mu.Unlock()
		return err
	}
	done := make(chan struct{})
	if !q.joiners.Block(&q.mu, ctx, done, waitlist.Callback(func(bool) { close(done) })) {
		return ctx.Err()
	}
	return nil
}

// mustLoop panics when a callback form is given no loop: a programmer
// error (under net/http, where a handler has no loop, use the Context
// forms).
func mustLoop(l *ioloop.Loop) {
	if l == nil {
		panic("queues: nil loop (goroutines without a loop use the Context forms)")
	}
}

// getter is the payload of a waiting Get: its callback, and the item
// handed to it.
type getter[T any] struct {
	item T
	f    func(item T, ok bool)
}

func (g getter[T]) Run(ok bool) {
	if g.f != nil {
		g.f(g.item, ok)
	}
}

// putter is the payload of a waiting Put: its item, and its callback (which
// may be nil).
type putter[T any] struct {
	item T
	f    func(ok bool)
}

func (p putter[T]) Run(ok bool) {
	if p.f != nil {
		p.f(ok)
	}
}
