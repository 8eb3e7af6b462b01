package autoreload

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a slog.Handler that keeps the messages, "LEVEL message".
type recorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	r.msgs = append(r.msgs, rec.Level.String()+" "+rec.Message)
	r.mu.Unlock()
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

func (r *recorder) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

// has reports whether a message starting with prefix was logged.
func (r *recorder) has(prefix string) bool {
	for _, m := range r.messages() {
		if strings.HasPrefix(m, prefix) {
			return true
		}
	}
	return false
}

// fakeExec records the binaries the reloader would have executed.
type fakeExec struct{ bins chan string }

func newFakeExec() *fakeExec { return &fakeExec{bins: make(chan string, 16)} }

func (f *fakeExec) exec(argv0 string, _, _ []string) error {
	f.bins <- argv0
	return nil
}

// next waits up to ten seconds for an exec and returns its binary.
func (f *fakeExec) next(t *testing.T) string {
	t.Helper()
	select {
	case b := <-f.bins:
		return b
	case <-time.After(10 * time.Second):
		t.Fatal("no exec within 10s")
		return ""
	}
}

// none checks that no exec happens within d.
func (f *fakeExec) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case b := <-f.bins:
		t.Errorf("unexpected exec of %s", b)
	case <-time.After(d):
	}
}

// newTestReloader returns a reloader logging into rec and executing with
// fx; the caller calls begin, and stop runs when the test ends.
func newTestReloader(t *testing.T, rec *recorder, fx *fakeExec) *reloader {
	r := &reloader{logger: slog.New(rec), debounce: 100 * time.Millisecond, exec: fx.exec}
	t.Cleanup(r.stop)
	return r
}
