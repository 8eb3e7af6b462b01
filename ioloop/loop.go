// Package ioloop is GoTornado's reactor (Tornado's IOLoop): one goroutine
// waits on epoll or kqueue, then runs ready fd handlers, due timers and
// queued callbacks, forever. Everything a Loop owns is touched only on that
// goroutine, so it needs no locks; AddCallback is the one goroutine-safe
// way in.
package ioloop

import (
	"errors"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotornado/tornado/internal/goid"
	"github.com/gotornado/tornado/internal/poll"
)

// Events is a set of fd readiness conditions.
type Events uint32

// The conditions a handler can wait for. Error (hang-up or socket error) is
// delivered whether or not it was asked for.
const (
	Read  = Events(poll.EvRead)
	Write = Events(poll.EvWrite)
	Error = Events(poll.EvError)
	// ReadHangUp is reported with Read when the peer has shut down its
	// sending side (Linux only; kqueue reports a peer's close as Error).
	ReadHangUp = Events(poll.EvReadHangUp)
	// IgnoreReadHangUp, asked for with the other conditions, stops the
	// watch for ReadHangUp, which otherwise stays ready once it happens.
	IgnoreReadHangUp = Events(poll.EvIgnoreReadHangUp)
)

// Errors returned by Loop methods.
var (
	ErrClosed        = errors.New("ioloop: loop closed")
	ErrRunning       = errors.New("ioloop: loop already running")
	ErrHandlerExists = errors.New("ioloop: fd already has a handler")
	ErrNoHandler     = errors.New("ioloop: fd has no handler")
)

// ReadBufferSize is the size of each loop's shared read buffer.
const ReadBufferSize = 64 << 10

// A Flusher is run once at the end of the loop phase in which it was
// scheduled with ScheduleFlush.
type Flusher interface {
	FlushPending()
}

type handler struct {
	fn func(fd int, ev Events)
	ev Events
}

// Loop is an event loop. Create one with New, run it with Start on a
// goroutine of its own, end it with Stop and release it with Close.
type Loop struct {
	// Logger receives the watchdog's reports and errors from callbacks;
	// nil means slog.Default(). Set it before Start.
	Logger *slog.Logger

	poller   *poll.Poller
	handlers []handler // indexed by fd
	timers   timerHeap
	timerSeq uint64
	now      time.Time
	buf      []byte
	iov      poll.IOVecs
	flushers []Flusher

	mu       sync.Mutex
	queue    []func()
	spare    []func()
	polling  atomic.Bool // the loop is (about to be) blocked in Wait
	wakeSent atomic.Bool
	stopping atomic.Bool
	running  atomic.Bool
	closed   atomic.Bool
	loopID   atomic.Int64 // the id of the goroutine in Start; 0 when not running
	loopTID  atomic.Int64 // the id of the OS thread Start runs on, where poll.HasThreadID
	done     chan struct{}

	watch    *watchdog
	executor *Executor
	exMu     sync.Mutex
}

// New returns a Loop ready to Start.
func New() (*Loop, error) {
	p, err := poll.New(1024)
	if err != nil {
		return nil, err
	}
	return &Loop{poller: p, now: time.Now(), done: make(chan struct{})}, nil
}

func (l *Loop) logger() *slog.Logger {
	if l.Logger != nil {
		return l.Logger
	}
	return slog.Default()
}

// Start runs the loop on the calling goroutine until Stop is called. On
// Linux the goroutine keeps its OS thread meanwhile (see OnLoop).
func (l *Loop) Start() error {
	if l.closed.Load() {
		return ErrClosed
	}
	if !l.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer l.running.Store(false)
	if poll.HasThreadID {
		// The loop keeps its thread, so that OnLoop compares thread ids, a
		// system call away, instead of reading the goroutine's id from a
		// stack trace, which costs microseconds and a global lock.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		l.loopTID.Store(int64(poll.ThreadID()))
		defer l.loopTID.Store(0)
	}
	l.loopID.Store(goid.Current())
	defer l.loopID.Store(0)
	if l.watch != nil {
		l.watch.start(l)
		defer l.watch.stop()
	}
	l.stopping.Store(false)
	for !l.stopping.Load() {
		if err := l.runOnce(); err != nil {
			return err
		}
	}
	return nil
}

func (l *Loop) runOnce() error {
	timeout := time.Duration(-1)
	if len(l.timers) > 0 {
		timeout = max(l.timers[0].when.Sub(time.Now()), 0)
	}
	l.polling.Store(true)
	l.mu.Lock()
	pending := len(l.queue)
	l.mu.Unlock()
	if pending > 0 || l.stopping.Load() {
		timeout = 0
	}
	events, err := l.poller.Wait(timeout)
	l.polling.Store(false)
	l.wakeSent.Store(false)
	if err != nil {
		return err
	}
	l.now = time.Now()
	for i, e := range events {
		if e.Fd < len(l.handlers) {
			if h := l.handlers[e.Fd]; h.fn != nil {
				l.run2(h.fn, e.Fd, Events(e.Events))
			}
		}
		if i%flushEvery == flushEvery-1 {
			// A long batch of ready fds is flushed as it goes, so that the
			// output of its first handlers neither waits for the last ones
			// nor piles up in memory meanwhile.
			l.flush()
		}
	}
	l.flush()
	l.runTimers()
	l.runCallbacks()
	return nil
}

// flushEvery is how many ready fds, or queued callbacks, run between
// flushes of their output within one iteration.
const flushEvery = 64

// Stop makes Start return after the current iteration. Safe for concurrent use.
func (l *Loop) Stop() {
	l.stopping.Store(true)
	if !l.closed.Load() {
		l.poller.Wake()
	}
}

// Close releases the poller. Handlers still registered are forgotten, not
// closed. Call it after Start has returned.
func (l *Loop) Close() error {
	if l.closed.Swap(true) {
		return ErrClosed
	}
	l.exMu.Lock()
	if l.executor != nil {
		l.executor.Shutdown()
	}
	l.exMu.Unlock()
	l.mu.Lock()
	l.queue = nil
	l.mu.Unlock()
	return l.poller.Close()
}

// OnLoop reports whether it is called on the loop goroutine, inside Start.
// Safe for concurrent use. On Linux the loop keeps its OS thread while it
// runs, and OnLoop compares thread ids (a system call, about 0.1 µs);
// elsewhere it reads the calling goroutine's id, which costs a few
// microseconds: call it only where a call may come from another goroutine.
func (l *Loop) OnLoop() bool {
	if poll.HasThreadID {
		// No other goroutine runs on the loop's locked thread.
		tid := l.loopTID.Load()
		return tid != 0 && tid == int64(poll.ThreadID())
	}
	id := l.loopID.Load()
	return id != 0 && id == goid.Current()
}

// Now returns the time at which the current loop iteration began.
// Must be called on the loop goroutine.
func (l *Loop) Now() time.Time { return l.now }

// AddHandler registers fn to run on the loop whenever fd is ready for ev.
// Must be called on the loop goroutine (or before Start).
func (l *Loop) AddHandler(fd int, ev Events, fn func(fd int, ev Events)) error {
	if fd < 0 {
		return errors.New("ioloop: negative fd")
	}
	if fd >= len(l.handlers) {
		n := max(2*len(l.handlers), fd+1, 64)
		hs := make([]handler, n)
		copy(hs, l.handlers)
		l.handlers = hs
	}
	if l.handlers[fd].fn != nil {
		return ErrHandlerExists
	}
	if err := l.poller.Add(fd, poll.Events(ev)); err != nil {
		return err
	}
	l.handlers[fd] = handler{fn: fn, ev: ev}
	return nil
}

// UpdateHandler changes the conditions fd's handler waits for. It makes a
// system call only when they change. Must be called on the loop goroutine.
func (l *Loop) UpdateHandler(fd int, ev Events) error {
	if fd < 0 || fd >= len(l.handlers) || l.handlers[fd].fn == nil {
		return ErrNoHandler
	}
	if l.handlers[fd].ev == ev {
		return nil
	}
	if err := l.poller.Modify(fd, poll.Events(ev)); err != nil {
		return err
	}
	l.handlers[fd].ev = ev
	return nil
}

// RemoveHandler stops watching fd. Must be called on the loop goroutine,
// before fd is closed.
func (l *Loop) RemoveHandler(fd int) error {
	if fd < 0 || fd >= len(l.handlers) || l.handlers[fd].fn == nil {
		return ErrNoHandler
	}
	l.handlers[fd] = handler{}
	return l.poller.Delete(fd)
}

// AddCallback queues f to run on the loop goroutine, in order with the other
// queued callbacks, during the next iteration. Safe for concurrent use;
// callbacks queued after Close are dropped.
func (l *Loop) AddCallback(f func()) {
	if l.closed.Load() {
		return
	}
	l.mu.Lock()
	l.queue = append(l.queue, f)
	l.mu.Unlock()
	// The loop sets polling before it looks at the queue, so either it sees
	// f or we see polling and wake it; a wake-up is sent at most once per Wait.
	if l.polling.Load() && l.wakeSent.CompareAndSwap(false, true) {
		l.poller.Wake()
	}
}

func (l *Loop) runCallbacks() {
	l.mu.Lock()
	q := l.queue
	l.queue = l.spare[:0]
	l.mu.Unlock()
	for i, f := range q {
		q[i] = nil
		l.run(f)
		if i%flushEvery == flushEvery-1 {
			l.flush() // as for ready fds: a long queue is flushed as it goes
		}
	}
	l.spare = q[:0]
	l.flush()
}

// ScheduleFlush queues f to run once at the end of the current phase of the
// iteration, after the ready handlers, timers or callbacks have run (at
// most 64 of them: a longer batch is flushed as it goes), so that all
// output produced by one read goes out in one write. Must be
// called on the loop goroutine; f must not be scheduled twice per phase.
func (l *Loop) ScheduleFlush(f Flusher) {
	l.flushers = append(l.flushers, f)
}

func (l *Loop) flush() {
	for i := 0; i < len(l.flushers); i++ { // a flush may schedule another
		f := l.flushers[i]
		l.flushers[i] = nil
		l.runFlusher(f)
	}
	l.flushers = l.flushers[:0]
}

// Buffer returns the loop's shared read buffer. Its contents are valid only
// until the running callback returns. Must be called on the loop goroutine.
func (l *Loop) Buffer() []byte {
	if l.buf == nil {
		l.buf = make([]byte, ReadBufferSize)
	}
	return l.buf
}

// Writev writes bufs to fd with one system call, using scratch space owned
// by the loop. Must be called on the loop goroutine.
func (l *Loop) Writev(fd int, bufs [][]byte) (int, error) {
	return l.iov.Writev(fd, bufs)
}

func (l *Loop) run(f func()) {
	if l.watch != nil {
		l.watch.enter(f)
		defer l.watch.exit()
	}
	defer l.recover()
	f()
}

func (l *Loop) run2(f func(int, Events), fd int, ev Events) {
	if l.watch != nil {
		l.watch.enter(f)
		defer l.watch.exit()
	}
	defer l.recover()
	f(fd, ev)
}

// runFlusher is run for a Flusher; calling the method directly avoids
// allocating a method value per flush.
func (l *Loop) runFlusher(f Flusher) {
	if l.watch != nil {
		l.watch.enter(f.FlushPending)
		defer l.watch.exit()
	}
	defer l.recover()
	f.FlushPending()
}

// recover logs a panicking callback, as Tornado logs an exception in a
// callback, so that one bad callback does not take the loop down.
func (l *Loop) recover() {
	if r := recover(); r != nil {
		l.logger().Error("ioloop: panic in callback", "panic", r, "stack", string(debug.Stack()))
	}
}
