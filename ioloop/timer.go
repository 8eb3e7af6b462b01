package ioloop

import (
	"math"
	"time"
)

// Timeout is a pending call scheduled with CallLater or CallAt.
type Timeout struct {
	when  time.Time
	seq   uint64
	f     func()
	index int // position in the heap; -1 once run or removed
}

// CallLater runs f on the loop after d. Must be called on the loop
// goroutine (or before Start); from elsewhere, wrap it in AddCallback.
func (l *Loop) CallLater(d time.Duration, f func()) *Timeout {
	return l.CallAt(time.Now().Add(d), f)
}

// CallAt runs f on the loop at t. Timers run in deadline order; timers with
// the same deadline run in the order they were set. Must be called on the
// loop goroutine (or before Start).
func (l *Loop) CallAt(t time.Time, f func()) *Timeout {
	l.timerSeq++
	tm := &Timeout{when: t, seq: l.timerSeq, f: f}
	l.timers.push(tm)
	return tm
}

// RemoveTimeout cancels t; it is a no-op if t has run or was removed.
// Must be called on the loop goroutine.
func (l *Loop) RemoveTimeout(t *Timeout) {
	if t == nil || t.index < 0 || t.index >= len(l.timers) || l.timers[t.index] != t {
		return
	}
	l.timers.remove(t.index)
}

// runTimers runs the timers that were due when the phase began; timers they
// set for now or earlier run in the next iteration.
func (l *Loop) runTimers() {
	if len(l.timers) == 0 {
		return
	}
	now := time.Now()
	limit := l.timerSeq
	for len(l.timers) > 0 {
		t := l.timers[0]
		if t.when.After(now) || t.seq > limit {
			break
		}
		l.timers.remove(0)
		l.run(t.f)
	}
	l.flush()
}

type timerHeap []*Timeout

func (h timerHeap) less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}

func (h timerHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *timerHeap) push(t *Timeout) {
	t.index = len(*h)
	*h = append(*h, t)
	h.up(t.index)
}

func (h *timerHeap) remove(i int) {
	old := *h
	n := len(old) - 1
	if i != n {
		old.swap(i, n)
	}
	old[n].index = -1
	old[n] = nil
	*h = old[:n]
	if i != n {
		if !h.down(i) {
			h.up(i)
		}
	}
}

func (h timerHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h timerHeap) down(i0 int) bool {
	i, n := i0, len(h)
	for {
		j := 2*i + 1
		if j >= n || j < 0 {
			break
		}
		if r := j + 1; r < n && h.less(r, j) {
			j = r
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}

// PeriodicCallback runs a function every interval on a loop (Tornado's
// PeriodicCallback). A run that overruns skips the runs it missed rather
// than stacking them. Its methods must be called on the loop goroutine.
type PeriodicCallback struct {
	loop     *Loop
	f        func()
	interval time.Duration
	running  bool
	next     time.Time
	timeout  *Timeout
}

// NewPeriodicCallback returns a stopped PeriodicCallback; interval must be positive.
func NewPeriodicCallback(l *Loop, f func(), interval time.Duration) *PeriodicCallback {
	if interval <= 0 {
		panic("ioloop: PeriodicCallback interval must be positive")
	}
	return &PeriodicCallback{loop: l, f: f, interval: interval}
}

// Start begins the runs, the first one interval from now.
func (p *PeriodicCallback) Start() {
	if p.running {
		return
	}
	p.running = true
	p.next = time.Now()
	p.schedule()
}

// Stop ends the runs.
func (p *PeriodicCallback) Stop() {
	p.running = false
	p.loop.RemoveTimeout(p.timeout)
	p.timeout = nil
}

// IsRunning reports whether the callback is started.
func (p *PeriodicCallback) IsRunning() bool { return p.running }

func (p *PeriodicCallback) schedule() {
	now := time.Now()
	p.next = p.next.Add(p.interval)
	if !p.next.After(now) {
		// Skip the missed runs: move to the first slot after now.
		missed := math.Floor(float64(now.Sub(p.next))/float64(p.interval)) + 1
		p.next = p.next.Add(time.Duration(missed) * p.interval)
	}
	p.timeout = p.loop.CallAt(p.next, p.run)
}

func (p *PeriodicCallback) run() {
	if !p.running {
		return
	}
	defer func() {
		if p.running {
			p.schedule()
		}
	}()
	p.f()
}
