package ioloop

import (
	"testing"
)

func TestGoidDiffersPerGoroutine(t *testing.T) {
	mine := goid()
	if mine == 0 {
		t.Fatal("goid() = 0")
	}
	if again := goid(); again != mine {
		t.Fatalf("goid() = %d, then %d", mine, again)
	}
	other := make(chan uint64)
	go func() { other <- goid() }()
	if id := <-other; id == 0 || id == mine {
		t.Fatalf("goid() on another goroutine = %d, this one's %d", id, mine)
	}
	if n := testing.AllocsPerRun(100, func() { goid() }); n != 0 {
		t.Errorf("goid() allocates %v times", n)
	}
}

func TestOnLoop(t *testing.T) {
	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if l.OnLoop() {
		t.Error("OnLoop() = true before Start")
	}
	done := make(chan error, 1)
	go func() { done <- l.Start() }()
	var onLoopInCallback, onLoopInTimer bool
	onLoop(l, func() { onLoopInCallback = l.OnLoop() })
	fired := make(chan struct{})
	l.AddCallback(func() {
		l.CallLater(0, func() { onLoopInTimer = l.OnLoop(); close(fired) })
	})
	<-fired
	if !onLoopInCallback || !onLoopInTimer {
		t.Errorf("OnLoop() on the loop = %v (callback), %v (timer), want true", onLoopInCallback, onLoopInTimer)
	}
	if l.OnLoop() {
		t.Error("OnLoop() on the test goroutine = true")
	}
	other := make(chan bool)
	go func() { other <- l.OnLoop() }()
	if <-other {
		t.Error("OnLoop() on another goroutine = true")
	}
	l.Stop()
	if err := <-done; err != nil {
		t.Fatalf("Start() = %v", err)
	}
	l.Close()
	if l.OnLoop() {
		t.Error("OnLoop() = true after Start returned")
	}
}

func BenchmarkOnLoop(b *testing.B) {
	l, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	l.loopID.Store(1) // as if running, so that every call reads the id
	b.ReportAllocs()
	for b.Loop() {
		l.OnLoop()
	}
}
