package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotornado/tornado/bench/internal/results"
)

// wrkOutput is a wrk report of n requests at rate req/s.
func wrkOutput(n int, rate float64) string {
	return fmt.Sprintf(`Running 5s test @ http://127.0.0.1:8881/x
  1 threads and 100 connections
  Latency Distribution
     50%%  1.00ms
     99%%  4.00ms
  %d requests in 5.00s, 1.00MB read
Requests/sec: %.2f
Transfer/sec:      1.00MB
`, n, rate)
}

// rawDir writes a run of two rounds: plaintext against all three peers,
// static against gotornado and nethttp only, with allocation counts for
// those two.
func rawDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"meta.txt": "date: 2026-12-01T00:00:00+00:00\nrounds: 2\nduration: 5s\nconnections: 100\n" +
			"peers: gotornado nethttp fasthttp\ntests: plaintext static\n",
	}
	rate := map[string]float64{"gotornado": 100000, "nethttp": 80000, "fasthttp": 150000}
	for round := 1; round <= 2; round++ {
		for peer, r := range rate {
			for _, test := range []string{"plaintext", "static"} {
				if test == "static" && peer == "fasthttp" {
					continue
				}
				r := r * float64(round) // the second round twice as fast
				n := int(r * 5)
				base := fmt.Sprintf("r%d/%s.%s.txt", round, peer, test)
				files[base] = wrkOutput(n, r)
				files[base+".cpu"] = "foreign_cpus: 0.01\nserver_cpu_s: 5.0\nclient_cpu_s: 4.0\nwall_s: 5.0\n"
				if peer != "fasthttp" {
					per := map[string]int{"gotornado": 3, "nethttp": 12}[peer]
					files[base+".allocs"] = fmt.Sprintf("mallocs: %d\nalloc_bytes: %d\n", per*n, 100*n)
				}
			}
		}
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCollectSkipped(t *testing.T) {
	f, err := collect(rawDir(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, t := range f.Tests {
		names = append(names, t.Name)
	}
	want := "plaintext static p99 cpu_plaintext cpu_static allocs_plaintext allocs_static"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("tests = %q, want %q (json and pipeline were not run)", got, want)
	}
	tests := []struct {
		test, peer string
		skipped    bool
		median     float64
		roundRatio float64
	}{
		{"static", "gotornado", false, 150000, 1},
		{"static", "nethttp", false, 120000, 0.8},
		{"static", "fasthttp", true, 0, 0},
		{"plaintext", "fasthttp", false, 225000, 1.5},
		{"allocs_static", "gotornado", false, 3, 1},
		{"allocs_static", "nethttp", false, 12, 4},
		{"allocs_static", "fasthttp", true, 0, 0},
		{"allocs_plaintext", "fasthttp", true, 0, 0},
		{"cpu_static", "fasthttp", true, 0, 0},
	}
	for _, tt := range tests {
		tst := find(f, tt.test)
		r, ok := tst.Result(tt.peer)
		if !ok {
			t.Errorf("%s: no result for %s", tt.test, tt.peer)
			continue
		}
		if r.Skipped != tt.skipped || r.OK == tt.skipped || math.Abs(r.Median-tt.median) > 1e-9 ||
			math.Abs(r.RoundRatio-tt.roundRatio) > 1e-9 || r.Note != "" {
			t.Errorf("%s, %s = %+v, want skipped %v, median %v, round ratio %v, no note",
				tt.test, tt.peer, r, tt.skipped, tt.median, tt.roundRatio)
		}
		if got := cell(tst, r, " *"); tt.skipped && got != "—" {
			t.Errorf("cell(%s, %s) = %q, want —", tt.test, tt.peer, got)
		}
	}
	if s := textTable(f); strings.Contains(s, "failed") {
		t.Errorf("textTable shows a skipped peer as failed:\n%s", s)
	}
}

func TestCollectFailedIsNotSkipped(t *testing.T) {
	dir := rawDir(t)
	if err := os.WriteFile(filepath.Join(dir, "r1", "nethttp.static.txt"), []byte("server did not start\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "r2", "nethttp.static.txt"), []byte("server did not start\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := collect(dir)
	if err != nil {
		t.Fatal(err)
	}
	tst := find(f, "static")
	r, _ := tst.Result("nethttp")
	if r.Skipped || r.OK || !strings.Contains(r.Note, "server did not start") {
		t.Errorf("static, nethttp = %+v, want failed with the reason in its note", r)
	}
	if got := cell(tst, r, " *"); got != "failed" {
		t.Errorf("cell(static, nethttp) = %q, want %q", got, "failed")
	}
}

func TestSetRatiosZeroReference(t *testing.T) {
	tst := results.Test{Name: "allocs_plaintext", Unit: allocUnit, Results: []results.Result{
		{Peer: "gotornado", OK: true, Median: 0.002, Samples: []float64{0.002}, Rounds: []int{1}},
		{Peer: "nethttp", OK: true, Median: 20, Samples: []float64{20}, Rounds: []int{1}},
	}}
	setRatios(&tst)
	if r := tst.Results[1]; r.Ratio != 0 || r.RoundRatio != 0 {
		t.Errorf("ratios to 0.002 allocs/req = %v, %v, want none", r.Ratio, r.RoundRatio)
	}
	tst.Results[0].Median, tst.Results[0].Samples[0] = 2, 2
	setRatios(&tst)
	if r := tst.Results[1]; r.Ratio != 10 || r.RoundRatio != 10 {
		t.Errorf("ratios to 2 allocs/req = %v, %v, want 10, 10", r.Ratio, r.RoundRatio)
	}
}

func find(f *results.File, name string) *results.Test {
	for i := range f.Tests {
		if f.Tests[i].Name == name {
			return &f.Tests[i]
		}
	}
	return &results.Test{Name: name}
}
