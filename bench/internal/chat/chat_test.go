package chat

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

func TestCacheSince(t *testing.T) {
	var c Cache
	if got := c.Since(""); got != nil {
		t.Fatalf("empty Cache: Since(%q) = %v, want nil", "", got)
	}
	for _, b := range []string{"a", "b", "c"} {
		c.Add(b)
	}
	ids := func(ms []Message) []string {
		var s []string
		for _, m := range ms {
			s = append(s, m.ID+"="+m.Body)
		}
		return s
	}
	tests := []struct {
		cursor string
		want   []string
	}{
		{"", []string{"1=a", "2=b", "3=c"}},        // no cursor: everything
		{"unknown", []string{"1=a", "2=b", "3=c"}}, // an unknown cursor: everything
		{"1", []string{"2=b", "3=c"}},
		{"2", []string{"3=c"}},
		{"3", nil}, // the newest: wait
	}
	for _, tt := range tests {
		if got := ids(c.Since(tt.cursor)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Since(%q) = %v, want %v", tt.cursor, got, tt.want)
		}
	}
}

func TestCacheSinceCopies(t *testing.T) {
	var c Cache
	c.Add("a")
	got := c.Since("")
	got[0].Body = "changed"
	if again := c.Since(""); again[0].Body != "a" {
		t.Errorf("Since returned the cache's own slice: a change to it showed in the cache (%q)", again[0].Body)
	}
}

func TestCacheKeepsTheLast(t *testing.T) {
	var c Cache
	for i := range CacheSize + 10 {
		c.Add(strconv.Itoa(i))
	}
	if c.Len() != CacheSize {
		t.Fatalf("Len() = %d after %d messages, want %d", c.Len(), CacheSize+10, CacheSize)
	}
	all := c.Since("")
	if all[0].ID != "11" || all[len(all)-1].ID != strconv.Itoa(CacheSize+10) {
		t.Errorf("Since(\"\") runs from %s to %s, want 11 to %d", all[0].ID, all[len(all)-1].ID, CacheSize+10)
	}
	if got := c.Since("5"); len(got) != CacheSize {
		t.Errorf("Since a message dropped from the cache = %d messages, want all %d", len(got), CacheSize)
	}
}

func TestUpdatesJSON(t *testing.T) {
	b, err := json.Marshal(Updates{Messages: []Message{{ID: "1", Body: "<hi> & bye"}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"messages":[{"id":"1","body":"\u003chi\u003e \u0026 bye"}]}`; string(b) != want {
		t.Errorf("Updates JSON = %s, want %s", b, want)
	}
}

func TestReadMemory(t *testing.T) {
	var s Stats
	s.ReadMemory()
	if s.HeapObjects == 0 || s.Stacks == 0 {
		t.Errorf("ReadMemory() = %+v, want heap objects and stacks above 0", s)
	}
}

func TestProfiler(t *testing.T) {
	p := &Profiler{Base: filepath.Join(t.TempDir(), "cpu")}
	if _, err := p.Command("stop"); !errors.Is(err, ErrProfiling) {
		t.Errorf("stop before start: %v, want ErrProfiling", err)
	}
	name, err := p.Command("start")
	if err != nil {
		t.Fatal(err)
	}
	if want := p.Base + ".1"; name != want {
		t.Errorf("start wrote %q, want %q", name, want)
	}
	if _, err := p.Command("start"); !errors.Is(err, ErrProfiling) {
		t.Errorf("second start: %v, want ErrProfiling", err)
	}
	if _, err := p.Command("stop"); err != nil {
		t.Errorf("stop: %v", err)
	}
	if name, err := p.Command("heap"); err != nil || name != p.Base+".heap.1" {
		t.Errorf("heap = %q, %v; want %q", name, err, p.Base+".heap.1")
	}
	if _, err := p.Command("bogus"); err == nil {
		t.Error("an unknown action was accepted")
	}
}
