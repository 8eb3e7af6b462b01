package main

import (
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
)

func TestDecodeMessage(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Message
		err  bool
	}{
		{`{"id":"a","body":"b","html":"<div>b</div>"}`, Message{"a", "b", "<div>b</div>"}, false},
		{`{"id":"a"}`, Message{ID: "a"}, false},
		{`{"body":"b"}`, Message{}, true},
		{`{"id":""}`, Message{}, true},
		{`{"id":1}`, Message{}, true},
		{`["a"]`, Message{}, true},
		{`null`, Message{}, true},
		{``, Message{}, true},
		{`{"id":"a"`, Message{}, true},
	} {
		got, err := decodeMessage(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("decodeMessage(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// FuzzDecodeMessage: no input panics, and a message decoded encodes back
// to one that decodes the same.
func FuzzDecodeMessage(f *testing.F) {
	for _, s := range []string{`{"id":"a","body":"b","html":"<div>b</div>"}`, `{"id":""}`, `null`, `{"id":"\u00e9","body":"\ud800"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := decodeMessage(s)
		if err != nil {
			return
		}
		if m.ID == "" {
			t.Fatalf("decodeMessage(%q) accepted an empty id", s)
		}
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeMessage(string(data))
		if err != nil || again != m {
			t.Fatalf("decodeMessage(%q) = %+v, which round-trips to %+v, %v", s, m, again, err)
		}
	})
}

// An errorLog logs the first failure at once, holds back the next ones
// within errorLogInterval (counting them in the next log), logs the
// recovery once, and logs the first failure after it at once.
func TestErrorLog(t *testing.T) {
	rec := &logRecorder{t: t}
	e := errorLog{log: slog.New(rec)}
	boom := errors.New("boom")
	for range 50 {
		e.failed("redis down", boom)
	}
	if n := rec.count(slog.LevelError, "redis down"); n != 1 {
		t.Errorf("50 failures logged %d times, want 1", n)
	}
	e.mu.Lock()
	held := e.held
	e.last = e.last.Add(-errorLogInterval) // as if the interval had passed
	e.mu.Unlock()
	if held != 49 {
		t.Errorf("held back %d, want 49", held)
	}
	e.failed("redis down", boom)
	rec.mu.Lock()
	last := rec.records[len(rec.records)-1]
	rec.mu.Unlock()
	found := false
	last.Attrs(func(a slog.Attr) bool {
		found = found || (a.Key == "held_back" && a.Value.Int64() == 49)
		return true
	})
	if rec.count(slog.LevelError, "redis down") != 2 || !found {
		t.Errorf("after the interval: %d logs, held_back=49 reported %v; want 2, true", rec.count(slog.LevelError, "redis down"), found)
	}
	e.recovered("redis back")
	e.recovered("redis back")
	if n := rec.count(slog.LevelInfo, "redis back"); n != 1 {
		t.Errorf("the recovery logged %d times, want 1", n)
	}
	e.failed("redis down", boom)
	if n := rec.count(slog.LevelError, "redis down"); n != 3 {
		t.Errorf("the failure after the recovery: %d logs in all, want 3", n)
	}
}
