package queues

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/gotornado/tornado/ioloop"
)

// TestPutRacesGetTimeout: getter A, on loop a, times out just as another
// goroutine puts one item; getter B waits on loop b. The item reaches A
// or, if A had timed out, B: it is never lost or doubled, and A's callback
// runs once.
func TestPutRacesGetTimeout(t *testing.T) {
	a, b := startLoop(t), startLoop(t)
	var outcomes [2]int
	for i := range 300 {
		q := New[int](0)
		aRes := make(chan reply, 2)
		bRes := make(chan reply, 1)
		var cancelB func()
		onLoop(a, func() {
			q.Get(a, time.Millisecond, func(item int, ok bool) { aRes <- reply{item: item, ok: ok} })
		})
		onLoop(b, func() {
			cancelB = q.Get(b, 0, func(item int, ok bool) { bRes <- reply{item: item, ok: ok} })
		})
		time.Sleep(time.Duration(rand.IntN(1500)) * time.Microsecond)
		q.TryPut(i)
		if ra := <-aRes; ra.ok {
			if ra.item != i {
				t.Fatalf("A got %d, want %d", ra.item, i)
			}
			cancelB()
			if rb := <-bRes; rb.ok {
				t.Fatal("one item reached two getters")
			}
			outcomes[0]++
		} else {
			rb := <-bRes
			if !rb.ok || rb.item != i {
				t.Fatalf("B got %+v after A timed out, want item %d: the item was lost", rb, i)
			}
			outcomes[1]++
		}
		onLoop(a, func() {})
		if len(aRes) != 0 {
			t.Fatal("A's callback ran twice")
		}
		if q.Qsize() != 0 {
			t.Fatal("the item stayed in the queue")
		}
	}
	t.Logf("A got the item: %d rounds; A timed out, B got it: %d rounds", outcomes[0], outcomes[1])
}

// TestProducersAndConsumers runs goroutine producers, and consumers on two
// loops and on a goroutine, through a small bounded queue: every item
// arrives exactly once, and Join then finds every task done.
func TestProducersAndConsumers(t *testing.T) {
	loops := []*ioloop.Loop{startLoop(t), startLoop(t)}
	q := New[int](4)
	const producers, each = 4, 250
	const total = producers * each
	const consumers = 3 // two loops and a goroutine; each stops at a -1
	var mu sync.Mutex
	seen := make(map[int]int, total)
	record := func(item int) {
		mu.Lock()
		seen[item]++
		mu.Unlock()
		q.TaskDone()
	}
	finished := make(chan struct{}, consumers)
	for _, l := range loops {
		var consume func()
		consume = func() {
			q.Get(l, 0, func(item int, ok bool) {
				if !ok || !l.OnLoop() {
					t.Errorf("Get answered ok=%v, on its loop: %v", ok, l.OnLoop())
				}
				if item < 0 {
					q.TaskDone()
					finished <- struct{}{}
					return
				}
				record(item)
				consume()
			})
		}
		l.AddCallback(consume)
	}
	go func() {
		for {
			item, err := q.GetContext(context.Background())
			if err != nil {
				t.Error(err)
			}
			if item < 0 {
				q.TaskDone()
				finished <- struct{}{}
				return
			}
			record(item)
		}
	}()
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := q.PutContext(context.Background(), p*each+i); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	for range consumers {
		if err := q.PutContext(context.Background(), -1); err != nil {
			t.Fatal(err)
		}
	}
	for range consumers {
		select {
		case <-finished:
		case <-time.After(20 * time.Second):
			t.Fatal("consumers did not finish")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.JoinContext(ctx); err != nil {
		t.Fatalf("JoinContext() = %v after every item was done", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range total {
		if seen[i] != 1 {
			t.Fatalf("item %d arrived %d times", i, seen[i])
		}
	}
}
