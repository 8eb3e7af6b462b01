package queues

import (
	"cmp"
	"context"
	"errors"
	"testing"
	"time"
)

func TestTryPutTryGet(t *testing.T) {
	tests := []struct {
		name    string
		q       *Queue[int]
		puts    []int
		wantPut []bool
		want    []int // the items TryGet then returns, in order
	}{
		{"zero value", &Queue[int]{}, []int{1, 2, 3}, []bool{true, true, true}, []int{1, 2, 3}},
		{"fifo bounded", New[int](2), []int{1, 2, 3}, []bool{true, true, false}, []int{1, 2}},
		{"lifo", NewLifo[int](0), []int{1, 2, 3}, []bool{true, true, true}, []int{3, 2, 1}},
		{"priority", NewPriority[int](0, cmp.Compare[int]), []int{5, 1, 3}, []bool{true, true, true}, []int{1, 3, 5}},
		{"priority bounded", NewPriority[int](2, cmp.Compare[int]), []int{5, 1, 3}, []bool{true, true, false}, []int{1, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			if !q.Empty() || q.Full() {
				t.Fatalf("new queue: Empty() = %v, Full() = %v", q.Empty(), q.Full())
			}
			for i, x := range tt.puts {
				if got := q.TryPut(x); got != tt.wantPut[i] {
					t.Fatalf("TryPut(%d) = %v, want %v", x, got, tt.wantPut[i])
				}
			}
			if n := q.Qsize(); n != len(tt.want) {
				t.Fatalf("Qsize() = %d, want %d", n, len(tt.want))
			}
			if q.Maxsize() > 0 && !q.Full() {
				t.Fatal("Full() = false at maxsize")
			}
			for _, want := range tt.want {
				if got, ok := q.TryGet(); !ok || got != want {
					t.Fatalf("TryGet() = %d, %v; want %d, true", got, ok, want)
				}
			}
			if got, ok := q.TryGet(); ok {
				t.Fatalf("TryGet() on an empty queue = %d, true", got)
			}
		})
	}
}

func TestConstructorsPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"New(-1)":           func() { New[int](-1) },
		"NewLifo(-1)":       func() { NewLifo[int](-1) },
		"NewPriority(-1)":   func() { NewPriority(-1, cmp.Compare[int]) },
		"NewPriority(nil)":  func() { NewPriority[int](0, nil) },
		"Get with nil loop": func() { New[int](0).Get(nil, 0, func(int, bool) {}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestGettersServedInOrderOnTheirLoops(t *testing.T) {
	a, b := startLoop(t), startLoop(t)
	q := New[int](0)
	r := newRecorder(t)
	for i := range 6 {
		l := a
		if i%2 == 1 {
			l = b
		}
		onLoop(l, func() { q.Get(l, time.Hour, r.get(l, i)) })
	}
	if g, _, _ := q.waiting(); g != 6 {
		t.Fatalf("%d getters waiting, want 6", g)
	}
	for i := range 6 {
		if !q.TryPut(100 + i) { // from this goroutine: each goes straight to a getter
			t.Fatal("TryPut failed on an unbounded queue")
		}
	}
	got := map[int]int{}
	for range 6 {
		a := r.next()
		if !a.ok || !a.onLoop {
			t.Fatalf("getter %d: %+v, want an item on its loop", a.id, a)
		}
		got[a.id] = a.item
	}
	for i := range 6 {
		if got[i] != 100+i {
			t.Errorf("getter %d got %d, want %d (FIFO)", i, got[i], 100+i)
		}
	}
	if q.Qsize() != 0 {
		t.Errorf("Qsize() = %d: items handed over stayed in the queue", q.Qsize())
	}
}

func TestGetAtOnceAnswersFromTheLoop(t *testing.T) {
	l := startLoop(t)
	q := New[int](0)
	q.TryPut(7)
	r := newRecorder(t)
	onLoop(l, func() {
		returned := false
		q.Get(l, 0, func(item int, ok bool) {
			if !returned {
				t.Error("callback ran inside Get")
			}
			r.get(l, 0)(item, ok)
		})
		returned = true
	})
	if a := r.next(); a.item != 7 || !a.ok {
		t.Fatalf("Get() = %+v, want 7", a)
	}
}

func TestPutWaitsForRoom(t *testing.T) {
	l := startLoop(t)
	q := New[int](1)
	r := newRecorder(t)
	onLoop(l, func() {
		q.Put(l, 1, 0, r.put(l, 1))
		q.Put(l, 2, 0, r.put(l, 2))
		q.Put(l, 3, 0, r.put(l, 3))
	})
	if a := r.next(); a.id != 1 || !a.ok {
		t.Fatalf("got %+v, want put 1 at once", a)
	}
	r.none(l)
	if !q.Full() || q.Qsize() != 1 {
		t.Fatalf("Full() = %v, Qsize() = %d; want full with 1", q.Full(), q.Qsize())
	}
	if _, p, _ := q.waiting(); p != 2 {
		t.Fatalf("%d putters waiting, want 2", p)
	}
	if q.TryPut(9) {
		t.Fatal("TryPut succeeded ahead of waiting putters on a full queue")
	}
	for want := 1; want <= 3; want++ {
		got, ok := q.TryGet()
		if !ok || got != want {
			t.Fatalf("TryGet() = %d, %v; want %d", got, ok, want)
		}
		if want < 3 {
			if a := r.next(); a.id != want+1 || !a.ok || !a.onLoop {
				t.Fatalf("got %+v, want putter %d let in on its loop", a, want+1)
			}
		}
	}
	r.none(l)
}

func TestTimeoutsAndCancel(t *testing.T) {
	l := startLoop(t)
	q := New[int](1)
	r := newRecorder(t)
	// A getter times out, another is cancelled; an item then goes past both.
	var cancel func()
	onLoop(l, func() {
		q.Get(l, 5*time.Millisecond, r.get(l, 0))
		cancel = q.Get(l, 0, r.get(l, 1))
		q.Get(l, 0, r.get(l, 2))
	})
	if a := r.next(); a.id != 0 || a.ok {
		t.Fatalf("got %+v, want getter 0 timed out", a)
	}
	cancel()
	if a := r.next(); a.id != 1 || a.ok {
		t.Fatalf("got %+v, want getter 1 cancelled", a)
	}
	q.TryPut(5)
	if a := r.next(); a.id != 2 || a.item != 5 || !a.ok {
		t.Fatalf("got %+v, want getter 2 given 5", a)
	}
	// A putter on a full queue times out, and its item is not put.
	q.TryPut(6)
	onLoop(l, func() { q.Put(l, 7, 5*time.Millisecond, r.put(l, 3)) })
	if a := r.next(); a.id != 3 || a.ok {
		t.Fatalf("got %+v, want putter 3 timed out", a)
	}
	if got, _ := q.TryGet(); got != 6 || !q.Empty() {
		t.Fatalf("TryGet() = %d, Qsize() = %d; want 6 and empty (7 was not put)", got, q.Qsize())
	}
	if g, p, _ := q.waiting(); g != 0 || p != 0 {
		t.Fatalf("%d getters, %d putters left waiting", g, p)
	}
	r.none(l)
}

func TestCancelAfterHandoverKeepsTheItem(t *testing.T) {
	l := startLoop(t)
	q := New[int](0)
	r := newRecorder(t)
	onLoop(l, func() {
		cancel := q.Get(l, 0, r.get(l, 0))
		q.TryPut(42)
		cancel() // too late: the item is on its way
	})
	if a := r.next(); a.item != 42 || !a.ok {
		t.Fatalf("got %+v, want 42", a)
	}
	r.none(l)
}

func TestTaskDoneAndJoin(t *testing.T) {
	l := startLoop(t)
	q := New[int](0)
	r := newRecorder(t)
	onLoop(l, func() { q.Join(l, 0, r.put(l, 0)) })
	if a := r.next(); a.id != 0 || !a.ok {
		t.Fatalf("Join on a fresh queue: %+v, want true at once", a)
	}
	q.TryPut(1)
	q.TryPut(2)
	onLoop(l, func() {
		q.Join(l, 0, r.put(l, 1))
		q.Join(l, 5*time.Millisecond, r.put(l, 2))
	})
	if a := r.next(); a.id != 2 || a.ok {
		t.Fatalf("got %+v, want joiner 2 timed out", a)
	}
	q.TryGet()
	q.TryGet()
	q.TaskDone()
	r.none(l)
	q.TaskDone()
	if a := r.next(); a.id != 1 || !a.ok || !a.onLoop {
		t.Fatalf("got %+v, want joiner 1 woken on its loop", a)
	}
	defer func() {
		if recover() == nil {
			t.Error("TaskDone past the items put did not panic")
		}
		if _, _, j := q.waiting(); j != 0 {
			t.Errorf("%d joiners left", j)
		}
	}()
	q.TaskDone()
}

func TestContextForms(t *testing.T) {
	q := New[string](1)
	if err := q.PutContext(context.Background(), "a"); err != nil {
		t.Fatalf("PutContext() = %v with room", err)
	}
	// Back-pressure: a goroutine blocks in PutContext until a getter takes.
	errc := make(chan error, 1)
	go func() { errc <- q.PutContext(context.Background(), "b") }()
	waitFor(t, func() bool { _, p, _ := q.waiting(); return p == 1 })
	if got, err := q.GetContext(context.Background()); err != nil || got != "a" {
		t.Fatalf("GetContext() = %q, %v; want a", got, err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("PutContext() = %v once there was room", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if err := q.PutContext(ctx, "c"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("PutContext() on a full queue = %v, want context.DeadlineExceeded", err)
	}
	if got, err := q.GetContext(ctx); err != nil || got != "b" { // an item there wins over a done ctx
		t.Fatalf("GetContext(done ctx) = %q, %v; want b", got, err)
	}
	if _, err := q.GetContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("GetContext() on an empty queue = %v, want context.DeadlineExceeded", err)
	}
	// A blocked getter gets an item put later.
	type res struct {
		s   string
		err error
	}
	resc := make(chan res, 1)
	go func() { s, err := q.GetContext(context.Background()); resc <- res{s, err} }()
	waitFor(t, func() bool { g, _, _ := q.waiting(); return g == 1 })
	q.TryPut("d")
	if r := <-resc; r.err != nil || r.s != "d" {
		t.Fatalf("GetContext() = %q, %v; want d", r.s, r.err)
	}
	// JoinContext: three items were put (a, b, d) and taken; none marked done.
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { errc <- q.JoinContext(ctx2) }()
	waitFor(t, func() bool { _, _, j := q.waiting(); return j == 1 })
	cancel2()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("JoinContext() = %v, want context.Canceled", err)
	}
	go func() { errc <- q.JoinContext(context.Background()) }()
	waitFor(t, func() bool { _, _, j := q.waiting(); return j == 1 })
	for range 3 {
		q.TaskDone()
	}
	if err := <-errc; err != nil {
		t.Fatalf("JoinContext() = %v once every task was done", err)
	}
}

func TestLoopAndGoroutineConsumers(t *testing.T) {
	l := startLoop(t)
	q := New[int](0)
	r := newRecorder(t)
	onLoop(l, func() { q.Get(l, 0, r.get(l, 0)) })
	resc := make(chan int, 1)
	go func() { v, _ := q.GetContext(context.Background()); resc <- v }()
	waitFor(t, func() bool { g, _, _ := q.waiting(); return g == 2 })
	q.TryPut(1)
	q.TryPut(2)
	if a := r.next(); a.item != 1 || !a.onLoop {
		t.Fatalf("loop getter: %+v, want 1 on the loop", a)
	}
	if v := <-resc; v != 2 {
		t.Fatalf("goroutine getter got %d, want 2", v)
	}
}
