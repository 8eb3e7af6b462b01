package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gotornado/tornado/bench/internal/results"
)

// allocUnit is the unit of the allocation tests.
const allocUnit = "allocs/req"

// readAllocs reads the ".allocs" file beside a wrk report.
func readAllocs(wrkReport string) (results.Allocs, error) {
	b, err := os.ReadFile(wrkReport + ".allocs")
	if err != nil {
		return results.Allocs{}, err
	}
	return results.ParseAllocs(bytes.NewReader(b))
}

// allocTest gathers the server's heap allocations per request in the wrk
// runs of test name: the growth of its Mallocs counter over a run divided
// by the requests wrk counted. A peer without ".allocs" files (one that
// does not report its allocations, or was not run) is skipped. ok is false
// when no run measured it.
func allocTest(dir string, f *results.File, name string) (t results.Test, ok bool) {
	t = results.Test{
		Name:          "allocs_" + name,
		Title:         "Server heap allocations per request, " + name,
		Unit:          allocUnit,
		LowerIsBetter: true,
	}
	for _, peer := range f.Peers {
		r := results.Result{Peer: peer, Skipped: true}
		for round := 1; round <= f.Config.Rounds; round++ {
			path := filepath.Join(dir, fmt.Sprintf("r%d", round), peer+"."+name+".txt")
			a, err := readAllocs(path)
			if err != nil {
				continue
			}
			r.Skipped = false
			b, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			w, err := results.ParseWrk(bytes.NewReader(b))
			if err != nil || w.Requests <= 0 {
				continue
			}
			r.Samples = append(r.Samples, float64(a.Mallocs)/float64(w.Requests))
			r.Rounds = append(r.Rounds, round)
		}
		switch {
		case len(r.Samples) > 0:
			r.OK, r.Median, ok = true, results.Median(r.Samples), true
		case !r.Skipped:
			r.Note = "not measured"
		}
		t.Results = append(t.Results, r)
	}
	return t, ok
}
