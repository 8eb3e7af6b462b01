package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// report is the run: its settings, every round's results, and the
// summary (written as results.json).
type report struct {
	Date       string `json:"date"`
	Command    string `json:"command"`
	N          int    `json:"n"`
	Rounds     int    `json:"rounds"`
	Procs      int    `json:"gomaxprocs"`
	ServerCPUs string `json:"server_cpus"`
	ClientCPUs string `json:"client_cpus"`
	NProc      int    `json:"nproc"`
	Go         string `json:"go"`
	LoadStart  string `json:"load_start"`
	LoadEnd    string `json:"load_end"`
	Profiled   bool   `json:"profiled"`

	Runs    []roundResult      `json:"runs"`
	Medians map[string]figures `json:"medians"`
	// Ratios are GoTornado's medians over net/http's.
	Ratios   figures  `json:"ratios"`
	Targets  []target `json:"targets"`
	SameBody bool     `json:"same_body"` // both servers' answers were the same bytes
}

// figures are the medians of one server's good rounds (or their ratios).
type figures struct {
	Rounds            int     `json:"rounds"`
	FirstMs           float64 `json:"first_ms"`
	LastMs            float64 `json:"last_ms"`
	CPUMs             float64 `json:"server_cpu_ms"`
	RSSPerWaiterBytes float64 `json:"rss_per_waiter_bytes"`
	Goroutines        float64 `json:"goroutines_waiting"`
	GoroutinesBefore  float64 `json:"goroutines_before"`
	HeapObjects       float64 `json:"heap_objects_per_waiter_bytes"`
	HeapLive          float64 `json:"heap_live_per_waiter_bytes"`
	Stacks            float64 `json:"stacks_per_waiter_bytes"`
	HeapFree          float64 `json:"heap_free_per_waiter_bytes"`
	HeapUnused        float64 `json:"heap_unused_per_waiter_bytes"`
	Metadata          float64 `json:"metadata_per_waiter_bytes"`
	MedianMs          float64 `json:"median_ms"`
	P99Ms             float64 `json:"p99_ms"`
	FirstUserMs       float64 `json:"first_user_ms"`
	LastUserMs        float64 `json:"last_user_ms"`
	PostMs            float64 `json:"post_answer_ms"`
	ClientMs          float64 `json:"client_cpu_ms"`
	Foreign           float64 `json:"foreign_cpus"`
}

// target is one of the goals set for GoTornado, and whether it was met.
type target struct {
	Figure string `json:"figure"`
	Goal   string `json:"goal"`
	Value  string `json:"value"`
	Met    bool   `json:"met"`
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// good reports whether a round counts: it ran to the end and every answer
// was right.
func (r *roundResult) good() bool { return r.Failure == "" && r.Failed == 0 }

// summarize fills in the medians, ratios and targets.
func (rep *report) summarize() {
	rep.Medians = map[string]figures{}
	bodies := map[string]string{}
	for _, name := range servers {
		var runs []roundResult
		for _, r := range rep.Runs {
			if r.Server == name && r.good() {
				runs = append(runs, r)
				bodies[name] = r.Body
			}
		}
		m := func(f func(r roundResult) float64) float64 {
			v := make([]float64, len(runs))
			for i, r := range runs {
				v[i] = f(r)
			}
			return median(v)
		}
		rep.Medians[name] = figures{
			Rounds:            len(runs),
			FirstMs:           m(func(r roundResult) float64 { return r.FirstMs }),
			LastMs:            m(func(r roundResult) float64 { return r.LastMs }),
			CPUMs:             m(func(r roundResult) float64 { return r.CPUMs }),
			RSSPerWaiterBytes: m(func(r roundResult) float64 { return r.RSSPerWaiterBytes }),
			Goroutines:        m(func(r roundResult) float64 { return float64(r.GoroutinesWaiting) }),
			GoroutinesBefore:  m(func(r roundResult) float64 { return float64(r.GoroutinesBefore) }),
			HeapObjects:       m(func(r roundResult) float64 { return r.HeapObjectsPerWaiter }),
			HeapLive:          m(func(r roundResult) float64 { return r.HeapLivePerWaiter }),
			Stacks:            m(func(r roundResult) float64 { return r.StacksPerWaiter }),
			HeapFree:          m(func(r roundResult) float64 { return r.HeapFreePerWaiter }),
			HeapUnused:        m(func(r roundResult) float64 { return r.HeapUnusedPerWaiter }),
			Metadata:          m(func(r roundResult) float64 { return r.MetadataPerWaiter }),
			MedianMs:          m(func(r roundResult) float64 { return r.MedianMs }),
			P99Ms:             m(func(r roundResult) float64 { return r.P99Ms }),
			FirstUserMs:       m(func(r roundResult) float64 { return r.FirstUserMs }),
			LastUserMs:        m(func(r roundResult) float64 { return r.LastUserMs }),
			PostMs:            m(func(r roundResult) float64 { return r.PostMs }),
			ClientMs:          m(func(r roundResult) float64 { return r.ClientMs }),
			Foreign:           m(func(r roundResult) float64 { return r.Foreign }),
		}
	}
	gt, nh := rep.Medians[servers[0]], rep.Medians[servers[1]]
	rep.SameBody = bodies[servers[0]] != "" && bodies[servers[0]] == bodies[servers[1]]
	rep.Ratios = figures{
		FirstMs: gt.FirstMs / nh.FirstMs, LastMs: gt.LastMs / nh.LastMs, CPUMs: gt.CPUMs / nh.CPUMs,
		RSSPerWaiterBytes: gt.RSSPerWaiterBytes / nh.RSSPerWaiterBytes, Goroutines: gt.Goroutines / nh.Goroutines,
		MedianMs: gt.MedianMs / nh.MedianMs, P99Ms: gt.P99Ms / nh.P99Ms,
	}
	perWaiter := (gt.Goroutines - gt.GoroutinesBefore) / float64(rep.N)
	rep.Targets = []target{
		{"first answer", "within 5 ms of the post", fmt.Sprintf("%.1f ms", gt.FirstMs), gt.FirstMs <= 5},
		{"last answer", "no later than net/http's", fmt.Sprintf("%.1f ms vs %.1f ms", gt.LastMs, nh.LastMs), gt.LastMs <= nh.LastMs},
		{"server CPU for the fan-out", "≤ 0.7 × net/http's", fmt.Sprintf("%.2f ×", rep.Ratios.CPUMs), rep.Ratios.CPUMs <= 0.7},
		{"RSS per waiter", "≤ 2 KB (2048 B)", fmt.Sprintf("%.0f B", gt.RSSPerWaiterBytes), gt.RSSPerWaiterBytes <= 2048},
		{"goroutines", "no goroutine per waiter", fmt.Sprintf("%.0f while waiting, %.0f before (%.4f per waiter)", gt.Goroutines, gt.GoroutinesBefore, perWaiter), perWaiter < 0.01},
	}
}

// line is a round's figures on one line.
func (r *roundResult) line() string {
	s := fmt.Sprintf("first %6.1f ms  last %6.1f ms  cpu %6.1f ms  rss/waiter %6.0f B  goroutines %5d (before %d)  other programs %.2f CPUs",
		r.FirstMs, r.LastMs, r.CPUMs, r.RSSPerWaiterBytes, r.GoroutinesWaiting, r.GoroutinesBefore, r.Foreign)
	if r.Failed > 0 {
		s += fmt.Sprintf("  %d FAILED: %s", r.Failed, r.Failure)
	}
	return s
}

// table prints the medians, ratios and targets.
func (rep *report) table() string {
	gt, nh := rep.Medians[servers[0]], rep.Medians[servers[1]]
	var b strings.Builder
	fmt.Fprintf(&b, "== medians of %d and %d good round(s) of %d long polls (ratio: %s / %s)\n",
		gt.Rounds, nh.Rounds, rep.N, servers[0], servers[1])
	fmt.Fprintf(&b, "   %-34s %12s %12s %7s\n", "figure", servers[0], servers[1], "ratio")
	row := func(name, format string, a, c, ratio float64) {
		fmt.Fprintf(&b, "   %-34s %12s %12s %7.2f\n", name, fmt.Sprintf(format, a), fmt.Sprintf(format, c), ratio)
	}
	row("first answer after the post, ms", "%.1f", gt.FirstMs, nh.FirstMs, rep.Ratios.FirstMs)
	row("last answer after the post, ms", "%.1f", gt.LastMs, nh.LastMs, rep.Ratios.LastMs)
	row("server CPU for the fan-out, ms", "%.1f", gt.CPUMs, nh.CPUMs, rep.Ratios.CPUMs)
	row("RSS per waiter, bytes", "%.0f", gt.RSSPerWaiterBytes, nh.RSSPerWaiterBytes, rep.Ratios.RSSPerWaiterBytes)
	row("  heap objects per waiter, bytes", "%.0f", gt.HeapObjects, nh.HeapObjects, gt.HeapObjects/nh.HeapObjects)
	row("  live heap (last GC) per waiter", "%.0f", gt.HeapLive, nh.HeapLive, gt.HeapLive/nh.HeapLive)
	row("  goroutine stacks per waiter", "%.0f", gt.Stacks, nh.Stacks, gt.Stacks/nh.Stacks)
	row("  heap unused in spans per waiter", "%.0f", gt.HeapUnused, nh.HeapUnused, gt.HeapUnused/nh.HeapUnused)
	row("  free heap kept per waiter", "%.0f", gt.HeapFree, nh.HeapFree, gt.HeapFree/nh.HeapFree)
	row("  runtime metadata per waiter", "%.0f", gt.Metadata, nh.Metadata, gt.Metadata/nh.Metadata)
	row("goroutines while waiting", "%.0f", gt.Goroutines, nh.Goroutines, rep.Ratios.Goroutines)
	fmt.Fprintf(&b, "   %-34s %12s %12s\n", "  (goroutines before opening)", fmt.Sprintf("%.0f", gt.GoroutinesBefore), fmt.Sprintf("%.0f", nh.GoroutinesBefore))
	row("  median answer after the post, ms", "%.1f", gt.MedianMs, nh.MedianMs, rep.Ratios.MedianMs)
	row("  p99 answer after the post, ms", "%.1f", gt.P99Ms, nh.P99Ms, rep.Ratios.P99Ms)
	fmt.Fprintf(&b, "   %-34s %12s %12s\n", "  first/last read by the client, ms",
		fmt.Sprintf("%.1f/%.1f", gt.FirstUserMs, gt.LastUserMs), fmt.Sprintf("%.1f/%.1f", nh.FirstUserMs, nh.LastUserMs))
	fmt.Fprintf(&b, "   %-34s %12.1f %12.1f\n", "  the POST's own answer, ms", gt.PostMs, nh.PostMs)
	fmt.Fprintf(&b, "   %-34s %12.1f %12.1f\n", "  client CPU in the window, ms", gt.ClientMs, nh.ClientMs)
	fmt.Fprintf(&b, "   %-34s %12.2f %12.2f\n", "  other programs, CPUs", gt.Foreign, nh.Foreign)
	fmt.Fprintf(&b, "== targets for %s\n", servers[0])
	for _, t := range rep.Targets {
		met := "no"
		if t.Met {
			met = "yes"
		}
		fmt.Fprintf(&b, "   %-28s %-26s %-4s %s\n", t.Figure, t.Goal, met, t.Value)
	}
	same := "the same bytes"
	if !rep.SameBody {
		same = "NOT the same bytes"
	}
	fmt.Fprintf(&b, "== answers from both servers: %s; load average %s at the start, %s at the end (%d CPUs)\n",
		same, rep.LoadStart, rep.LoadEnd, rep.NProc)
	if rep.Profiled {
		b.WriteString("== profiled run: the CPU profiler's cost is in these figures\n")
	}
	return b.String()
}
