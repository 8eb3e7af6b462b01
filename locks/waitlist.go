package locks

// This file is shared word for word, but for the package clause, by the
// locks and queues packages (a test in queues checks that the copies
// agree): the waiter machinery both build on.

import (
	"context"
	"sync"
	"time"

	"github.com/gotornado/tornado/ioloop"
)

// payload is what a waiter carries: its callback and, for a queue, the
// item handed over. run calls the callback.
type payload interface{ run(ok bool) }

// callback is the payload of a waiter that carries only its callback.
type callback func(ok bool)

func (f callback) run(ok bool) {
	if f != nil {
		f(ok)
	}
}

// waiter is one party parked on a waitList: a callback to run on a loop,
// or, with a nil loop, a goroutine blocked in a Context method. It holds
// no goroutine and no channel of its own: a chat server parks one per
// long poll.
type waiter[V payload] struct {
	v          V          // the callback, with the value handed over
	next, prev *waiter[V] // links in the list; next also chains woken waiters
	list       *waitList[V]
	loop       *ioloop.Loop    // where the callback runs; nil for a blocked goroutine
	timer      *ioloop.Timeout // touched only on loop
}

// waitList is a FIFO of waiters, guarded by its owner's mutex: a waiter is
// waiting exactly while it is linked. Its methods are called with that
// mutex held.
type waitList[V payload] struct {
	mu         *sync.Mutex // set by the first push; never changes
	head, tail *waiter[V]
	n          int
}

func (l *waitList[V]) push(mu *sync.Mutex, w *waiter[V]) {
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

// linked reports whether w is still waiting on l.
func (l *waitList[V]) linked(w *waiter[V]) bool { return w.prev != nil || l.head == w }

func (l *waitList[V]) unlink(w *waiter[V]) {
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
func (l *waitList[V]) pop() *waiter[V] {
	w := l.head
	if w != nil {
		l.unlink(w)
	}
	return w
}

// park adds a callback waiter for loop and arms its timeout there. Called
// on loop's goroutine with mu held, which it releases.
func (l *waitList[V]) park(mu *sync.Mutex, loop *ioloop.Loop, timeout time.Duration, w *waiter[V]) (cancel func()) {
	w.loop = loop
	l.push(mu, w)
	mu.Unlock()
	if timeout > 0 {
		// A wake-up sent meanwhile runs on this goroutine, after this call:
		// it finds the timer set.
		w.timer = loop.CallLater(timeout, w.expire)
	}
	return w.cancel
}

// block parks the calling goroutine, whose payload v closes done when it
// runs, until it is woken or ctx is done, and reports whether it was
// woken; a wake-up that races with ctx wins. Called with mu held, which it
// releases.
func (l *waitList[V]) block(mu *sync.Mutex, ctx context.Context, done <-chan struct{}, v V) bool {
	w := &waiter[V]{v: v}
	l.push(mu, w)
	mu.Unlock()
	select {
	case <-done:
		return true
	case <-ctx.Done():
	}
	mu.Lock()
	if l.linked(w) {
		l.unlink(w)
		mu.Unlock()
		return false
	}
	mu.Unlock()
	<-done
	return true
}

// expire is w's timeout, run on w.loop: unless w was woken first (its
// wake-up is then on the way, and wins), w leaves the list and gets false.
func (w *waiter[V]) expire() {
	l := w.list
	l.mu.Lock()
	if !l.linked(w) {
		l.mu.Unlock()
		return
	}
	l.unlink(w)
	l.mu.Unlock()
	w.timer = nil
	w.deliver(false)
}

// cancel takes w off its list at once, from any goroutine, and queues its
// false answer (and the removal of its timer) to w.loop. It does nothing
// once w was woken or has timed out.
func (w *waiter[V]) cancel() {
	l := w.list
	l.mu.Lock()
	if !l.linked(w) {
		l.mu.Unlock()
		return
	}
	l.unlink(w)
	l.mu.Unlock()
	w.loop.AddCallback(w.cancelled)
}

func (w *waiter[V]) cancelled() { w.deliver(false) }

// deliver runs w's callback on w.loop, after removing its timer.
func (w *waiter[V]) deliver(ok bool) {
	if w.timer != nil {
		w.loop.RemoveTimeout(w.timer)
		w.timer = nil
	}
	v := w.v
	var zero V
	w.v = zero // let go of the callback and the item
	v.run(ok)
}

// wakeups collects the waiters that one call wakes, grouped by loop, so
// that waking any number of them costs one AddCallback per loop and no
// allocation per waiter. It is filled with the owner's mutex held and sent
// once the mutex is released.
type wakeups[V payload] struct {
	n       int
	batches [4]batch[V] // few loops (most machines): no allocation
	more    []batch[V]
	direct  batch[V] // blocked goroutines, woken by the sender
}

// batch is a chain of woken waiters, linked through next, in wake order.
type batch[V payload] struct {
	loop       *ioloop.Loop
	head, tail *waiter[V]
}

func (b *batch[V]) append(w *waiter[V]) {
	if b.tail == nil {
		b.head = w
	} else {
		b.tail.next = w
	}
	b.tail = w
}

// add records w, already unlinked, as woken.
func (k *wakeups[V]) add(w *waiter[V]) {
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

// send queues one callback per loop, which runs that loop's woken waiters
// in order, and wakes the blocked goroutines. Called without the mutex.
func (k *wakeups[V]) send() {
	for i := range k.batches[:k.n] {
		k.batches[i].send()
	}
	for i := range k.more {
		k.more[i].send()
	}
	for w := k.direct.head; w != nil; {
		next := w.next
		w.next = nil
		w.v.run(true)
		w = next
	}
}

func (b *batch[V]) send() {
	loop, head := b.loop, b.head
	loop.AddCallback(func() { runChain(loop, head) })
}

// runChain delivers true to a chain of woken waiters, on their loop, at
// most chainStep of them per callback: the rest run in a later callback,
// so that the loop flushes the first answers before it builds the next
// ones (the first of 10,000 woken long polls leaves at once). If a callback
// panics, the rest of the chain runs in a later callback too and the panic
// goes on to the loop, which logs it.
func runChain[V payload](loop *ioloop.Loop, w *waiter[V]) {
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

// chainStep is how many woken waiters one loop callback runs.
const chainStep = 64

// answer runs v's callback on loop from its callback queue: a wait
// satisfied at once still answers from the loop, never inside the call.
func answer[V payload](loop *ioloop.Loop, v V, ok bool) {
	loop.AddCallback(func() { v.run(ok) })
}

// nothing is the cancel of a wait that was satisfied at once.
func nothing() {}
