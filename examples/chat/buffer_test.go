package main

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/gotornado/tornado/ioloop"
)

func msg(id string) Message {
	return Message{ID: id, Body: "body " + id, HTML: "<div>" + id + "</div>"}
}

func TestBufferSince(t *testing.T) {
	b := NewMessageBuffer(3)
	for _, id := range []string{"a", "b", "c", "d"} {
		if !b.Add(msg(id)) {
			t.Fatalf("Add(%s) = false", id)
		}
	}
	if b.Add(msg("c")) {
		t.Error("Add of an id the cache holds = true")
	}
	for _, tc := range []struct {
		cursor string
		want   []string
	}{
		{"", []string{"b", "c", "d"}},
		{"a", []string{"b", "c", "d"}}, // dropped: too old, so unknown
		{"b", []string{"c", "d"}},
		{"c", []string{"d"}},
		{"d", []string{}},
		{"zz", []string{"b", "c", "d"}},
	} {
		if got := ids(b.Since(tc.cursor)); !slices.Equal(got, tc.want) {
			t.Errorf("Since(%q) = %v, want %v", tc.cursor, got, tc.want)
		}
	}
	if got := ids(b.Messages()); !slices.Equal(got, []string{"b", "c", "d"}) {
		t.Errorf("Messages() = %v", got)
	}
	if b.Has("a") || !b.Has("d") {
		t.Errorf("Has(a), Has(d) = %v, %v; want false, true", b.Has("a"), b.Has("d"))
	}
	if n := b.Merge([]Message{msg("c"), msg("e"), msg("d"), msg("f")}); n != 2 {
		t.Errorf("Merge added %d, want 2", n)
	}
	if got := ids(b.Messages()); !slices.Equal(got, []string{"d", "e", "f"}) {
		t.Errorf("after Merge: %v, want [d e f]", got)
	}
}

// The slices Since and Messages return are the caller's: later Adds do
// not change them.
func TestBufferResultsAreCopies(t *testing.T) {
	b := NewMessageBuffer(2)
	b.Add(msg("a"))
	b.Add(msg("b"))
	since, all := b.Since(""), b.Messages()
	b.Add(msg("c"))
	if !slices.Equal(ids(since), []string{"a", "b"}) || !slices.Equal(ids(all), []string{"a", "b"}) {
		t.Errorf("after Add: %v and %v, want [a b]", ids(since), ids(all))
	}
}

// next waits when there is nothing newer than the cursor; an Add wakes it
// on its loop, a cancel wakes it with false, and after Close it answers
// at once. Adds come from many goroutines while loops wait.
func TestBufferNext(t *testing.T) {
	l, err := ioloop.New()
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- l.Start() }()
	defer func() {
		l.Stop()
		<-stopped
		l.Close()
	}()
	b := NewMessageBuffer(cacheSize)
	b.Add(msg("a"))

	type wake struct {
		changed bool
		onLoop  bool
	}
	woke := make(chan wake, 2)
	var cancel func()
	on(l, func() {
		if msgs, _, c := b.next(l, "", nil); c != nil || len(msgs) != 1 {
			t.Errorf("next without a cursor = %v, waiting %v; want [a] at once", ids(msgs), c != nil)
		}
		var msgs []Message
		msgs, _, cancel = b.next(l, "a", func(changed bool) { woke <- wake{changed, l.OnLoop()} })
		if cancel == nil || msgs != nil {
			t.Errorf("next at the newest = %v, want a wait", ids(msgs))
		}
	})
	if b.Waiting() != 1 {
		t.Errorf("Waiting() = %d, want 1", b.Waiting())
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); b.Add(msg(fmt.Sprint("m", i))) }()
	}
	wg.Wait()
	if w := <-woke; !w.changed || !w.onLoop {
		t.Errorf("woken(%v), on the loop %v; want true on the loop", w.changed, w.onLoop)
	}
	cancel() // after the wake: does nothing
	if b.Waiting() != 0 {
		t.Errorf("Waiting() = %d after the wake", b.Waiting())
	}

	last := b.Messages()[len(b.Messages())-1].ID
	on(l, func() {
		_, _, cancel = b.next(l, last, func(changed bool) { woke <- wake{changed, l.OnLoop()} })
	})
	cancel()
	if w := <-woke; w.changed || !w.onLoop {
		t.Errorf("after cancel: woken(%v), on the loop %v; want false on the loop", w.changed, w.onLoop)
	}

	b.Close()
	on(l, func() {
		if msgs, closed, c := b.next(l, last, nil); c != nil || len(msgs) != 0 || !closed {
			t.Errorf("next after Close = %v, closed %v, waiting %v; want nothing at once, closed", ids(msgs), closed, c != nil)
		}
	})
	if b.Waiting() != 0 {
		t.Errorf("Waiting() = %d at the end", b.Waiting())
	}
}

// on runs f on l and waits for it.
func on(l *ioloop.Loop, f func()) {
	done := make(chan struct{})
	l.AddCallback(func() { f(); close(done) })
	<-done
}

func TestNewMessageID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newMessageID()
		if !uuid4.MatchString(id) {
			t.Fatalf("newMessageID() = %q, want a version 4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("newMessageID() repeated %q", id)
		}
		seen[id] = true
	}
}

// BenchmarkAdd adds messages to a full buffer, as a busy room does.
func BenchmarkAdd(b *testing.B) {
	buf := NewMessageBuffer(cacheSize)
	ms := make([]Message, 2*cacheSize)
	for i := range ms {
		ms[i] = Message{ID: newMessageID(), Body: "hello"}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf.Add(ms[i%len(ms)])
	}
}

// BenchmarkSince is the long poll's question with a full cache and a
// cursor near the end.
func BenchmarkSince(b *testing.B) {
	buf := NewMessageBuffer(cacheSize)
	for range cacheSize {
		buf.Add(Message{ID: newMessageID(), Body: "hello"})
	}
	cursor := buf.Messages()[cacheSize-3].ID
	b.ReportAllocs()
	for b.Loop() {
		buf.Since(cursor)
	}
}
