package httpserver

import (
	"cmp"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"
)

// The output bound (Server.MaxOutputBuffer). Each loop accounts the output
// queued for its connections in an iostream.OutputBudget. Past the loop's
// share, a connection about to read a new request waits instead (see
// conn.onData), so that no more responses are built; checkInterval later,
// and again until the output has fallen, the connections that took none
// of their output since the last look are closed, the largest first, down
// to three quarters of the share; then the waiting connections read on.

// checkInterval is the time between looks at the connections while a
// loop's output is over its share.
const checkInterval = 200 * time.Millisecond

// wait makes c wait, not reading, until the loop's output has fallen.
func (ls *loopState) wait(c *conn) {
	if c.waiting {
		return
	}
	c.waiting = true
	c.stream.PauseReading()
	ls.waiters = append(ls.waiters, c)
	ls.armCheck()
}

// relieved runs when the loop's output has fallen back: the waiting
// connections read on.
func (ls *loopState) relieved() {
	ws := ls.waiters
	ls.waiters = nil
	for _, c := range ws {
		c.waiting = false
		if !c.gone() && c.state == stateHead {
			c.stream.ResumeReading()
		}
	}
}

// armCheck schedules a look at the connections, noting how much of its
// output each has taken so far.
func (ls *loopState) armCheck() {
	if ls.checkOn {
		return
	}
	ls.checkOn = true
	ls.markProgress()
	ls.loop.CallLater(checkInterval, ls.check)
}

func (ls *loopState) markProgress() {
	for _, c := range ls.conns {
		c.mark = c.stream.Written()
	}
}

// check closes the connections that took none of their output since the
// last look, the largest first, until the loop's output is down to three
// quarters of its share; it looks again later while it is still over.
func (ls *loopState) check() {
	ls.checkOn = false
	if !ls.budget.Over() {
		if len(ls.waiters) > 0 { // a close brought it down without a write
			ls.relieved()
		}
		return
	}
	var idle []*conn
	for _, c := range ls.conns {
		if c.stream.Writing() && c.stream.Written() == c.mark {
			idle = append(idle, c)
		}
	}
	slices.SortFunc(idle, func(a, b *conn) int { return cmp.Compare(b.stream.Pending(), a.stream.Pending()) })
	target := ls.budget.Limit - ls.budget.Limit/4
	closed, freed := 0, 0
	for _, c := range idle {
		if ls.budget.Used() <= target {
			break
		}
		freed += c.stream.Pending()
		closed++
		c.stream.Close() // accounts its output at once
	}
	if closed > 0 {
		ls.srv.logger().Warn(fmt.Sprintf("httpserver: output over its bound of %d bytes on this loop: closed %d connections whose clients took none of it, dropping %d bytes",
			ls.budget.Limit, closed, freed))
	}
	if ls.budget.Over() {
		ls.armCheck()
	} else if len(ls.waiters) > 0 {
		ls.relieved()
	}
}

// releaseAfterBurst gives memory back to the operating system once a
// burst of output is over: the heap shrinks by itself, but without a
// collection and a scavenge its pages stay with the process for minutes.
// It runs at each sweep, and releases when the last second queued little
// after a second that queued much, or once a crowd of connections (a
// thousand, and half of them) has gone since the last release and the
// count has stopped falling.
func (ls *loopState) releaseAfterBurst() {
	q := ls.budget.Queued()
	recent := q - ls.queuedAtSweep
	ls.queuedAtSweep = q
	if recent >= releaseAbove {
		ls.busy = true // a burst: released once it is over
	}
	n := len(ls.conns)
	ls.connsPeak = max(ls.connsPeak, n)
	steady := n >= ls.connsLast // no longer falling: the crowd's closes are done
	ls.connsLast = n
	burstOver := ls.busy && recent <= releaseAbove/16
	crowdGone := ls.connsPeak-n >= releaseAfterGone && n <= ls.connsPeak/2 && steady
	if (burstOver || crowdGone) && ls.released() {
		ls.busy, ls.connsPeak = false, n // a new burst or crowd counts from here
		// What the crowd held and freed only after this (closes and
		// callbacks still queued) goes back a little later.
		ls.releaseAgain = time.Now().Add(releaseEvery + time.Second).UnixNano()
		return
	}
	if ls.releaseAgain != 0 && time.Now().UnixNano() > ls.releaseAgain && ls.released() {
		ls.releaseAgain = 0
	}
}

// released gives memory back to the operating system, unless another loop
// did it a moment ago; it reports whether it did. A burst that could not
// be released yet is tried again at the next sweep.
func (ls *loopState) released() bool {
	now := time.Now().UnixNano()
	last := lastRelease.Load()
	if now-last < int64(releaseEvery) || !lastRelease.CompareAndSwap(last, now) {
		return false
	}
	go func() {
		// Two collections: the first moves the pools' contents to their
		// victim caches, the second (in FreeOSMemory) frees them; then the
		// free pages go back.
		runtime.GC()
		debug.FreeOSMemory()
	}()
	return true
}

// A release follows a second in which a loop queued at least releaseAbove
// bytes of output, at most once every releaseEvery in the process.
const (
	releaseAbove     = 16 << 20
	releaseAfterGone = 1000 // connections gone since the most there were
	releaseEvery     = 2 * time.Second
)

var lastRelease atomic.Int64
