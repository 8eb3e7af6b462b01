package main

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// series makes one sample every 10 s with the given fd counts, and
// goroutines and RSS held still.
func series(fds ...int) []sample {
	out := make([]sample, len(fds))
	for i, n := range fds {
		out[i] = sample{at: time.Duration(i) * 10 * time.Second, goroutines: 5, fds: n, rssKiB: 20 << 10}
	}
	return out
}

func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		name    string
		samples []sample
		warmup  time.Duration
		enough  bool
		flat    bool // of the fd line
	}{
		{"flat", series(10, 260, 262, 258, 261, 263, 259), 10 * time.Second, true, true},
		{"within the limit", series(10, 260, 262, 258, 261, 300, 320), 10 * time.Second, true, true},
		{"growing", series(10, 260, 262, 280, 300, 330, 340), 10 * time.Second, true, false},
		{"the warm-up is left out", series(1000, 260, 262, 258, 261, 263, 259), 10 * time.Second, true, true},
		{"too few samples", series(10, 260, 900), 10 * time.Second, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js := judge(tc.samples, tc.warmup)
			fd := js[1]
			if fd.name != "open fds" || fd.enough != tc.enough || fd.flat != tc.flat {
				t.Fatalf("judge: %s enough=%v flat=%v, want open fds enough=%v flat=%v", fd, fd.enough, fd.flat, tc.enough, tc.flat)
			}
			if want := tc.enough && tc.flat; allFlat(js) != want {
				t.Errorf("allFlat = %v, want %v", !want, want)
			}
		})
	}
}

func TestDrawIsWellFormed(t *testing.T) {
	for _, samples := range [][]sample{nil, series(10), series(10, 260, 262, 258, 261, 263, 900)} {
		js := judge(samples, 10*time.Second)
		svg := draw(samples, js, chartInfo{date: "now", duration: time.Minute, warmup: 10 * time.Second,
			load: "a <load> & more", legend: "legend", verdict: "flat"})
		d := xml.NewDecoder(strings.NewReader(svg))
		for {
			_, err := d.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("draw(%d samples) is not well-formed XML: %v\n%s", len(samples), err, svg)
			}
		}
		if want := min(1, len(samples)) * len(metrics); strings.Count(svg, "<polyline") != want {
			t.Errorf("draw(%d samples) has %d lines, want %d", len(samples), strings.Count(svg, "<polyline"), want)
		}
	}
}

func TestAxisSteps(t *testing.T) {
	for _, tc := range []struct {
		span, step time.Duration
	}{
		{30 * time.Second, 10 * time.Second},
		{time.Minute, 15 * time.Second},
		{10 * time.Minute, 2 * time.Minute},
		{10 * time.Hour, 2 * time.Hour},
	} {
		if got := timeStep(tc.span); got != tc.step {
			t.Errorf("timeStep(%v) = %v, want %v", tc.span, got, tc.step)
		}
	}
	for _, tc := range []struct{ v, want float64 }{{0, 1}, {5, 5}, {266, 300}, {335.2, 400}, {19.1, 20}, {0.7, 0.8}} {
		if got := niceCeil(tc.v); got < tc.want*0.999 || got > tc.want*1.001 {
			t.Errorf("niceCeil(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
}
