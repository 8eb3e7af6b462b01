// Package lograte limits repeated log records, such as the same panic
// raised by thousands of requests: the first records of a kind in each
// interval are logged in full, the rest only counted, and the count goes
// with the next record logged.
package lograte

import (
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limiter counts records by kind. The zero value logs the first 10 of a
// kind per minute. Safe for concurrent use.
type Limiter struct {
	Burst    int           // records of a kind logged per interval; 0 means 10
	Interval time.Duration // 0 means a minute

	mu    sync.Mutex
	kinds map[string]*kind
}

type kind struct {
	start      time.Time // the interval began
	logged     int       // records logged in it
	suppressed int       // records dropped since the last one logged
}

// maxKinds bounds the kinds remembered; past it they are forgotten.
const maxKinds = 1024

// Allow reports whether a record of kind k is to be logged in full now,
// and how many of that kind were dropped since the last one logged.
func (l *Limiter) Allow(k string) (ok bool, suppressed int) {
	burst, every := l.Burst, l.Interval
	if burst <= 0 {
		burst = 10
	}
	if every <= 0 {
		every = time.Minute
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.kinds == nil || len(l.kinds) >= maxKinds {
		l.kinds = make(map[string]*kind)
	}
	r := l.kinds[k]
	if r == nil {
		r = &kind{start: now}
		l.kinds[k] = r
	}
	if now.Sub(r.start) >= every {
		r.start, r.logged = now, 0
	}
	if r.logged >= burst {
		r.suppressed++
		return false, 0
	}
	r.logged++
	suppressed, r.suppressed = r.suppressed, 0
	return true, suppressed
}

// PanicSite returns where the panic being recovered was raised, as
// "function file:line": call it from the deferred function that recovers.
// It returns "" when called outside a panic.
func PanicSite() string {
	var pcs [64]uintptr
	n := runtime.Callers(2, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	inPanic := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			inPanic = true
		case inPanic && !strings.HasPrefix(f.Function, "runtime."):
			var b strings.Builder
			b.WriteString(f.Function)
			b.WriteByte(' ')
			b.WriteString(f.File)
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(f.Line))
			return b.String()
		}
		if !more {
			return ""
		}
	}
}
