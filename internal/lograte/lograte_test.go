package lograte

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestAllowBurstThenCount(t *testing.T) {
	l := &Limiter{Burst: 3, Interval: time.Hour}
	for i := range 3 {
		if ok, n := l.Allow("a"); !ok || n != 0 {
			t.Fatalf("record %d: Allow = %v, %d; want true, 0", i, ok, n)
		}
	}
	for i := range 5 {
		if ok, _ := l.Allow("a"); ok {
			t.Fatalf("record %d past the burst was allowed", 3+i)
		}
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another kind was limited")
	}
	l.kinds["a"].start = time.Now().Add(-2 * time.Hour) // the interval is over
	if ok, n := l.Allow("a"); !ok || n != 5 {
		t.Fatalf("after the interval: Allow = %v, %d; want true, 5", ok, n)
	}
}

func TestKindsBounded(t *testing.T) {
	var l Limiter
	for i := range 3 * maxKinds {
		l.Allow(strconv.Itoa(i))
	}
	if len(l.kinds) > maxKinds {
		t.Fatalf("%d kinds remembered, want at most %d", len(l.kinds), maxKinds)
	}
}

func raise() { panic("boom") }

func TestPanicSite(t *testing.T) {
	var site string
	func() {
		defer func() {
			recover()
			site = PanicSite()
		}()
		raise()
	}()
	if !strings.Contains(site, "lograte.raise") || !strings.Contains(site, "lograte_test.go:") {
		t.Fatalf("PanicSite() = %q, want the raise function and its file", site)
	}
	if s := PanicSite(); s != "" {
		t.Fatalf("PanicSite() outside a panic = %q, want \"\"", s)
	}
}

func TestPanicSiteOfRuntimeError(t *testing.T) {
	var site string
	func() {
		defer func() {
			recover()
			site = PanicSite()
		}()
		var s []int
		_ = s[3]
	}()
	if !strings.Contains(site, "TestPanicSiteOfRuntimeError") {
		t.Fatalf("PanicSite() = %q, want the test function", site)
	}
}
