package queues

import (
	"context"
	"testing"
)

func BenchmarkTryPutTryGet(b *testing.B) {
	q := New[int](64)
	b.ReportAllocs()
	for b.Loop() {
		q.TryPut(1)
		q.TryGet()
	}
}

// BenchmarkGetHandoff: a consumer parked on a loop is handed each item by
// a goroutine producer.
func BenchmarkGetHandoff(b *testing.B) {
	l := startLoop(b)
	q := New[int](1)
	n := b.N
	done := make(chan struct{})
	var got int
	var consume func()
	consume = func() {
		q.Get(l, 0, func(int, bool) {
			if got++; got == n {
				close(done)
				return
			}
			consume()
		})
	}
	l.AddCallback(consume)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range n {
		if err := q.PutContext(context.Background(), i); err != nil {
			b.Fatal(err)
		}
	}
	<-done
}
