package locks

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
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

// settle waits until every callback queued on l before the call has run.
func settle(l *ioloop.Loop) { onLoop(l, func() {}) }

// result is one callback's answer, with where it ran.
type result struct {
	id     int
	ok     bool
	onLoop bool
}

// recorder collects callbacks' answers, and fails the test if one takes
// too long to come.
type recorder struct {
	t  testing.TB
	ch chan result
}

func newRecorder(t testing.TB) *recorder {
	return &recorder{t: t, ch: make(chan result, 1024)}
}

// f returns a callback for waiter id on l that records its answer.
func (r *recorder) f(l *ioloop.Loop, id int) func(bool) {
	return func(ok bool) { r.ch <- result{id, ok, l.OnLoop()} }
}

// next returns the next answer.
func (r *recorder) next() result {
	r.t.Helper()
	select {
	case res := <-r.ch:
		return res
	case <-time.After(10 * time.Second):
		r.t.Fatal("no callback ran")
		return result{}
	}
}

// none checks that no answer is pending after l has run what was queued.
func (r *recorder) none(loops ...*ioloop.Loop) {
	r.t.Helper()
	for _, l := range loops {
		settle(l)
	}
	select {
	case res := <-r.ch:
		r.t.Fatalf("unexpected callback %+v", res)
	default:
	}
}

// logBuffer collects a loop's log output.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) contains(s string) bool { return strings.Contains(b.String(), s) }

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }
