package queues

import (
	"testing"
	"time"

	"github.com/gotornado/tornado/internal/leakcheck"
	"github.com/gotornado/tornado/ioloop"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// startLoop runs a new loop on its own goroutine until the test ends.
func startLoop(t testing.TB) *ioloop.Loop {
	t.Helper()
	l, err := ioloop.New()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Start() }()
	t.Cleanup(func() {
		l.Stop()
		if err := <-done; err != nil {
			t.Errorf("Start() = %v", err)
		}
		l.Close()
	})
	return l
}

// onLoop runs f on l and waits for it.
func onLoop(l *ioloop.Loop, f func()) {
	done := make(chan struct{})
	l.AddCallback(func() { f(); close(done) })
	<-done
}

// reply is one callback's reply: which waiter, the item, ok, and
// whether it ran on the waiter's loop.
type reply struct {
	id     int
	item   int
	ok     bool
	onLoop bool
}

type recorder struct {
	t  testing.TB
	ch chan reply
}

func newRecorder(t testing.TB) *recorder { return &recorder{t: t, ch: make(chan reply, 1024)} }

func (r *recorder) get(l *ioloop.Loop, id int) func(int, bool) {
	return func(item int, ok bool) { r.ch <- reply{id, item, ok, l.OnLoop()} }
}

func (r *recorder) put(l *ioloop.Loop, id int) func(bool) {
	return func(ok bool) { r.ch <- reply{id, 0, ok, l.OnLoop()} }
}

func (r *recorder) next() reply {
	r.t.Helper()
	select {
	case a := <-r.ch:
		return a
	case <-time.After(10 * time.Second):
		r.t.Fatal("no callback ran")
		return reply{}
	}
}

// none checks that no reply is pending once the loops have run what was
// queued.
func (r *recorder) none(loops ...*ioloop.Loop) {
	r.t.Helper()
	for _, l := range loops {
		onLoop(l, func() {})
	}
	select {
	case a := <-r.ch:
		r.t.Fatalf("unexpected callback %+v", a)
	default:
	}
}

// waitFor polls cond until it holds (a goroutine has parked, say).
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

// waiting returns the numbers of parked getters, putters and joiners.
func (q *Queue[T]) waiting() (getters, putters, joiners int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.getters.Len(), q.putters.Len(), q.joiners.Len()
}
