package ioloop

import (
	"testing"

	"github.com/gotornado/tornado/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// startLoop runs a new loop on its own goroutine until the test ends.
func startLoop(t testing.TB) *Loop {
	t.Helper()
	l, err := New()
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
func onLoop(l *Loop, f func()) {
	done := make(chan struct{})
	l.AddCallback(func() { f(); close(done) })
	<-done
}
