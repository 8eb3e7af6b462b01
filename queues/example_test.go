package queues_test

import (
	"cmp"
	"context"
	"fmt"
	"sync"

	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/queues"
)

// A producer and a consumer on one loop, through a queue of two: the
// producer waits for room, and Join waits until every item is done.
func Example() {
	l, err := ioloop.New()
	if err != nil {
		panic(err)
	}
	defer l.Close()
	q := queues.New[int](2)

	var consume func()
	consume = func() {
		q.Get(l, 0, func(item int, ok bool) {
			fmt.Println("Doing work on", item)
			l.AddCallback(func() { // the work takes a turn of the loop
				q.TaskDone()
				consume()
			})
		})
	}
	var produce func(item int)
	produce = func(item int) {
		if item == 5 {
			q.Join(l, 0, func(bool) {
				fmt.Println("Done")
				l.Stop()
			})
			return
		}
		q.Put(l, item, 0, func(bool) {
			fmt.Println("Put", item)
			produce(item + 1)
		})
	}
	l.AddCallback(consume)
	l.AddCallback(func() { produce(0) })
	if err := l.Start(); err != nil {
		panic(err)
	}
	// Output:
	// Doing work on 0
	// Put 0
	// Put 1
	// Doing work on 1
	// Put 2
	// Put 3
	// Doing work on 2
	// Put 4
	// Doing work on 3
	// Doing work on 4
	// Done
}

func ExampleNewPriority() {
	type job struct {
		priority int
		name     string
	}
	q := queues.NewPriority(0, func(a, b job) int { return cmp.Compare(a.priority, b.priority) })
	q.TryPut(job{1, "medium-priority item"})
	q.TryPut(job{0, "high-priority item"})
	q.TryPut(job{10, "low-priority item"})
	for !q.Empty() {
		j, _ := q.TryGet()
		fmt.Println(j.priority, j.name)
	}
	// Output:
	// 0 high-priority item
	// 1 medium-priority item
	// 10 low-priority item
}

func ExampleNewLifo() {
	q := queues.NewLifo[int](0)
	q.TryPut(3)
	q.TryPut(2)
	q.TryPut(1)
	for !q.Empty() {
		v, _ := q.TryGet()
		fmt.Println(v)
	}
	// Output:
	// 1
	// 2
	// 3
}

// Goroutines use the blocking forms; a full queue holds the producer back.
func ExampleQueue_GetContext() {
	q := queues.New[string](1)
	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, s := range []string{"a", "b", "c"} {
			if err := q.PutContext(ctx, s); err != nil {
				return
			}
		}
	}()
	for range 3 {
		s, err := q.GetContext(ctx)
		if err != nil {
			break
		}
		fmt.Println(s)
		q.TaskDone()
	}
	wg.Wait()
	fmt.Println(q.JoinContext(ctx))
	// Output:
	// a
	// b
	// c
	// <nil>
}
