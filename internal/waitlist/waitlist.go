// Package waitlist is the waiter machinery under packages locks and
// queues: FIFO lists of parked callbacks and goroutines, guarded by their
// owner's mutex, woken in batches of one loop Callback per loop.
package waitlist

import (
	"context"
	"sync"
	"time"

	"github.com/gotornado/tornado/ioloop"
)

// Payload is what a waiter carries: its Callback and, for a queue, the
// item handed over. run calls the Callback.
type Payload interface{ Run(ok bool) }

// Callback is the Payload of a waiter that carries only its Callback.
type Callback func(ok bool)

func (f Callback) Run(ok bool) {
	if f != nil {
		f(ok)
	}
}

// waiter is one party parked on a waitList: a Callback to run on a loop,
// or, with a nil loop, a goroutine blocked in a Context method. It holds
// no goroutine and no channel of its own: a chat server parks one per
// long poll.
type Waiter[V Payload] struct {
	Value      V          // the callback, with the value handed over
	next, prev *Waiter[V] // links in the list; next also chains woken waiters
	list       *List[V]
	loop       *ioloop.Loop    // where the Callback runs; nil for a blocked goroutine
	timer      *ioloop.Timeout // touched only on loop
}

// waitList is a FIFO of waiters, guarded by its owner's mutex: a waiter is
// waiting exactly while it is linked. Its methods are called with that
// mutex held.
type List[V Payload] struct {
	mu         *sync.Mutex // set by the first push; never changes
	head, tail *Waiter[V]
	n          int
}

func (l *List[V]) Push(mu *sync.Mutex, w *Waiter[V]) {
	if l.mu == nil {
		l.mu = mu
	}
	w.list = l
	w.prev = l.tail
	if l.tail != nil {
		l.tail.next = w
	} else {
		l.head = w
	}
	l.tail = w
	l.n++
}

// Len returns the number of waiters.
func (l *List[V]) Len() int { return l.n }

// Linked reports whether w is still waiting on l.
func (l *List[V]) Linked(w *Waiter[V]) bool { return w.prev != nil || l.head == w }

func (l *List[V]) Unlink(w *Waiter[V]) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		l.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		l.tail = w.prev
	}
	w.next, w.prev = nil, nil
	l.n--
}

// pop unlinks and returns the longest-waiting waiter, or nil.
func (l *List[V]) Pop() *Waiter[V] {
	w := l.head
	if w != nil {
		l.Unlink(w)
	}
	return w
}

// park adds a Callback waiter for loop and arms its timeout there. Called
// on loop's goroutine with mu held, which it releases.
func (l *List[V]) Park(mu *sync.Mutex, loop *ioloop.Loop, timeout time.Duration, w *Waiter[V]) (cancel func()) {
	w.loop = loop
	l.Push(mu, w)
	mu.Unlock()
	if timeout > 0 {
		// A wake-up sent meanwhile runs on this goroutine, after this call:
		// it finds the timer set.
		w.timer = loop.CallLater(timeout, w.expire)
	}
	return w.cancel
}

// block parks the calling goroutine, whose Payload v closes done when it
// runs, until it is woken or ctx is done, and reports whether it was
// woken; a wake-up that races with ctx wins. Called with mu held, which it
// releases.
func (l *List[V]) Block(mu *sync.Mutex, ctx context.Context, done <-chan struct{}, v V) bool {
	w := &Waiter[V]{Value: v}
	l.Push(mu, w)
	mu.Unlock()
	select {
	case <-done:
		return true
	case <-ctx.Done():
	}
	mu.Lock()
	if l.Linked(w) {
		l.Unlink(w)
		mu.Unlock()
		return false
	}
	mu.Unlock()
	<-done
	return true
}

// expire is w's timeout, run on w.loop: unless w was woken first (its
// wake-up is then on the way, and wins), w leaves the list and gets false.
func (w *Waiter[V]) expire() {
	l := w.list
	l.mu.Lock()
	if !l.Linked(w) {
		l.mu.Unlock()
		return
	}
	l.Unlink(w)
	l.mu.Unlock()
	w.timer = nil
	w.deliver(false)
}

// cancel takes w off its list at once, from any goroutine, and queues its
// false answer (and the removal of its timer) to w.loop. It does nothing
// once w was woken or has timed out.
func (w *Waiter[V]) cancel() {
	l := w.list
	l.mu.Lock()
	if !l.Linked(w) {
		l.mu.Unlock()
		return
	}
	l.Unlink(w)
	l.mu.Unlock()
	w.loop.AddCallback(w.cancelled)
}

func (w *Waiter[V]) cancelled() { w.deliver(false) }

// deliver runs w's Callback on w.loop, after removing its timer.
func (w *Waiter[V]) deliver(ok bool) {
	if w.timer != nil {
		w.loop.RemoveTimeout(w.timer)
		w.timer = nil
	}
	v := w.Value
	var zero V
	w.Value = zero // let go of the Callback and the item
	v.Run(ok)
}

// wakeups collects the waiters that one call wakes, grouped by loop, so
// that waking any number of them costs one AddCallback per loop and no
// allocation per waiter. It is filled with the owner's mutex held and sent
// once the mutex is released.
type Wakeups[V Payload] struct {
	n       int
	batches [4]batch[V] // few loops (most machines): no allocation
	more    []batch[V]
	direct  batch[V] // blocked goroutines, woken by the sender
}

// batch is a chain of woken waiters, linked through next, in wake order.
type batch[V Payload] struct {
	loop       *ioloop.Loop
	head, tail *Waiter[V]
}

func (b *batch[V]) append(w *Waiter[V]) {
	if b.tail == nil {
		b.head = w
	} else {
		b.tail.next = w
	}
	b.tail = w
}

// add records w, already unlinked, as woken.
func (k *Wakeups[V]) Add(w *Waiter[V]) {
	if w.loop == nil {
		k.direct.append(w)
		return
	}
	for i := range k.batches[:k.n] {
		if k.batches[i].loop == w.loop {
			k.batches[i].append(w)
			return
		}
	}
	for i := range k.more {
		if k.more[i].loop == w.loop {
			k.more[i].append(w)
			return
		}
	}
	b := batch[V]{loop: w.loop, head: w, tail: w}
	if k.n < len(k.batches) {
		k.batches[k.n] = b
		k.n++
		return
	}
	k.more = append(k.more, b)
}

// send queues one Callback per loop, which runs that loop's woken waiters
// in order, and wakes the blocked goroutines. Called without the mutex.
func (k *Wakeups[V]) Send() {
	for i := range k.batches[:k.n] {
		k.batches[i].send()
	}
	for i := range k.more {
		k.more[i].send()
	}
	for w := k.direct.head; w != nil; {
		next := w.next
		w.next = nil
		w.Value.Run(true)
		w = next
	}
}

func (b *batch[V]) send() {
	loop, head := b.loop, b.head
	loop.AddCallback(func() { runChain(loop, head) })
}

// runChain delivers true to a chain of woken waiters, on their loop, at
// most chainStep of them per Callback: the rest run in a later Callback,
// so that the loop flushes the first answers before it builds the next
// ones (the first of 10,000 woken long polls leaves at once). If a Callback
// panics, the rest of the chain runs in a later Callback too and the panic
// goes on to the loop, which logs it.
func runChain[V Payload](loop *ioloop.Loop, w *Waiter[V]) {
	defer func() {
		if w != nil {
			rest := w
			loop.AddCallback(func() { runChain(loop, rest) })
		}
	}()
	for i := 0; w != nil && i < chainStep; i++ {
		cur := w
		w = cur.next
		cur.next = nil
		cur.deliver(true)
	}
}

// chainStep is how many woken waiters one loop Callback runs.
const chainStep = 64

// answer runs v's Callback on loop from its Callback queue: a wait
// satisfied at once still answers from the loop, never inside the call.
func Answer[V Payload](loop *ioloop.Loop, v V, ok bool) {
	loop.AddCallback(func() { v.Run(ok) })
}

// nothing is the cancel of a wait that was satisfied at once.
func Nothing() {}
