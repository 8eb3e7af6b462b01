package goid

import "testing"

func TestCurrent(t *testing.T) {
	me := Current()
	if me <= 0 {
		t.Fatalf("Current() = %d, want > 0", me)
	}
	if again := Current(); again != me {
		t.Errorf("Current() = %d then %d on one goroutine", me, again)
	}
	other := make(chan int64)
	go func() { other <- Current() }()
	if id := <-other; id == me || id <= 0 {
		t.Errorf("Current() on another goroutine = %d, this one %d", id, me)
	}
}

func TestCurrentDoesNotAllocate(t *testing.T) {
	Current() // fills the pool
	if n := testing.AllocsPerRun(100, func() { Current() }); n != 0 {
		t.Errorf("Current() allocates %v times", n)
	}
}

func BenchmarkCurrent(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Current()
	}
}
