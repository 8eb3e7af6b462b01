package ioloop

import (
	"bytes"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotornado/tornado/internal/goid"
)

// SetBlockingLogThreshold makes the loop log any single callback that holds
// it longer than d, with the callback's name and the loop goroutine's stack
// (Tornado's set_blocking_log_threshold). Zero turns it off. Call it before
// Start.
func (l *Loop) SetBlockingLogThreshold(d time.Duration) {
	if d <= 0 {
		l.watch = nil
		return
	}
	l.watch = &watchdog{threshold: d}
}

type watchdog struct {
	threshold time.Duration
	since     atomic.Int64   // UnixNano when the running callback began; 0 when idle
	fn        atomic.Uintptr // entry PC of the running callback
	seq       atomic.Uint64  // callbacks entered so far
	goid      int64          // the loop goroutine's id
	quit      chan struct{}
	wg        sync.WaitGroup
}

func (w *watchdog) enter(f any) {
	w.fn.Store(reflect.ValueOf(f).Pointer())
	w.seq.Add(1)
	w.since.Store(time.Now().UnixNano())
}

func (w *watchdog) exit() { w.since.Store(0) }

func (w *watchdog) start(l *Loop) {
	w.goid = goid.Current()
	w.quit = make(chan struct{})
	w.wg.Add(1)
	go w.watch(l)
}

func (w *watchdog) stop() {
	close(w.quit)
	w.wg.Wait()
}

func (w *watchdog) watch(l *Loop) {
	defer w.wg.Done()
	tick := time.NewTicker(max(w.threshold/4, time.Millisecond))
	defer tick.Stop()
	var reported uint64
	for {
		select {
		case <-w.quit:
			return
		case <-tick.C:
		}
		since := w.since.Load()
		seq := w.seq.Load()
		if since == 0 || seq == reported {
			continue
		}
		held := time.Since(time.Unix(0, since))
		if held < w.threshold {
			continue
		}
		reported = seq
		name := "unknown"
		if fn := runtime.FuncForPC(w.fn.Load()); fn != nil {
			name = fn.Name()
		}
		l.logger().Warn("ioloop: blocked by callback", "callback", name,
			"held", held.Round(time.Millisecond).String(), "stack", w.loopStack())
	}
}

// loopStack returns the loop goroutine's current stack.
func (w *watchdog) loopStack() string {
	if w.goid == 0 {
		return ""
	}
	header := []byte("goroutine " + strconv.FormatInt(w.goid, 10) + " [")
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.HasPrefix(g, header) {
			return string(g)
		}
	}
	return ""
}
