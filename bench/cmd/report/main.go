// Command report turns the raw output of a bench/run (wrk's and idlemem's
// reports, and a meta.txt describing the run) into results.json and
// RESULTS.md, and prints the table of medians and ratios to GoTornado.
//
//	report -raw DIR -json results.json -md RESULTS.md -svg results.svg
//	report -line FILE    # one line about one wrk or idlemem report
//
// The raw directory holds meta.txt ("key: value" lines), rN/PEER.TEST.txt
// for round N and TEST in plaintext, json, pipeline, static, page (with
// rN/PEER.TEST.txt.cpu and, for a server that reports its allocations,
// rN/PEER.TEST.txt.allocs beside it), and idle/PEER.txt. A peer without
// any file for a test was not run in it, and shows as "—".
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gotornado/tornado/bench/internal/results"
)

func main() {
	raw := flag.String("raw", "", "raw output `dir` of a run")
	jsonOut := flag.String("json", "", "write results.json to `path`")
	mdOut := flag.String("md", "", "write RESULTS.md to `path`")
	svg := flag.String("svg", "results.svg", "chart `file` that RESULTS.md shows, relative to it")
	line := flag.String("line", "", "print one line about a wrk or idlemem report `file` and exit")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("report: ")

	if *line != "" {
		fmt.Println(describe(*line))
		return
	}
	if *raw == "" {
		log.Fatal("-raw or -line is required")
	}
	f, err := collect(*raw)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(textTable(f))
	if *jsonOut != "" {
		if err := f.Save(*jsonOut); err != nil {
			log.Fatal(err)
		}
	}
	if *mdOut != "" {
		if err := os.WriteFile(*mdOut, markdown(f, *svg), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// describe summarises one raw report file.
func describe(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if w, err := results.ParseWrk(bytes.NewReader(b)); err == nil {
		s := fmt.Sprintf("%s req/s, p99 %s", results.FormatValue(w.RequestsPerSec, "req/s"), fmtP99(w.P99))
		if a, err := readAllocs(path); err == nil && w.Requests > 0 {
			s += fmt.Sprintf(", %s allocs/req", results.FormatValue(float64(a.Mallocs)/float64(w.Requests), allocUnit))
		}
		if n := w.SocketErrors + w.Non2xx; n > 0 {
			s += fmt.Sprintf(", %d errors", n)
		}
		return s
	}
	if m, err := results.ParseIdle(bytes.NewReader(b)); err == nil {
		return fmt.Sprintf("%.1f KB/conn (%d connections, %d alive after, RSS %d → %d KB)",
			m.BytesPerConn/1024, m.Connections, m.Alive, m.RSSBeforeKB, m.RSSAfterKB)
	}
	return "FAILED: " + firstLine(b)
}

func fmtP99(d time.Duration) string {
	if d <= 0 {
		return "n/a"
	}
	return results.FormatValue(float64(d)/1e6, "ms") + "ms"
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "no output"
	}
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// readMeta reads meta.txt's "key: value" lines.
func readMeta(dir string) (map[string]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "meta.txt"))
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for l := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(strings.TrimRight(l, "\r\n"), ": "); ok {
			m[k] = v
		}
	}
	return m, nil
}

func atof(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// collect builds the results file from a raw directory.
func collect(dir string) (*results.File, error) {
	meta, err := readMeta(dir)
	if err != nil {
		return nil, err
	}
	f := &results.File{
		Date:    meta["date"],
		Command: meta["command"],
		Machine: results.Machine{
			NProc:     atoi(meta["nproc"]),
			CPU:       meta["cpu"],
			Kernel:    meta["kernel"],
			Go:        meta["go"],
			Wrk:       meta["wrk"],
			Tornado:   meta["tornado"],
			LoadStart: meta["load_start"],
			LoadEnd:   meta["load_end"],
		},
		Config: results.Config{
			Rounds:      atoi(meta["rounds"]),
			Duration:    meta["duration"],
			Connections: atoi(meta["connections"]),
			Pipeline:    atoi(meta["pipeline"]),
			IdleConns:   atoi(meta["idle_conns"]),
			Quick:       meta["quick"] == "1",
			ServerCPU:   meta["server_cpu"],
			ClientCPU:   meta["client_cpu"],
			MaxForeign:  atof(meta["max_foreign"]),
			Retries:     atoi(meta["retries"]),
		},
		Peers: strings.Fields(meta["peers"]),
	}
	c := f.Config
	tests := []results.Test{
		wrkTest(dir, f, "plaintext", fmt.Sprintf("Plaintext, %d connections", c.Connections), false),
		wrkTest(dir, f, "json", fmt.Sprintf("JSON, %d connections", c.Connections), false),
		wrkTest(dir, f, "pipeline", fmt.Sprintf("Plaintext, %d-deep pipeline, %d connections", c.Pipeline, c.Connections), false),
		wrkTest(dir, f, "static", fmt.Sprintf("Static 10 KB file, %d connections", c.Connections), false),
		wrkTest(dir, f, "page", fmt.Sprintf("Rendered template page, %d connections", c.Connections), false),
		wrkTest(dir, f, "plaintext", fmt.Sprintf("p99 latency, plaintext, %d connections", c.Connections), true),
	}
	for _, name := range []string{"plaintext", "json", "pipeline", "static", "page"} {
		if t, ok := cpuTest(dir, f, name); ok {
			tests = append(tests, t)
		}
	}
	for _, name := range []string{"plaintext", "json", "static", "page"} {
		if t, ok := allocTest(dir, f, name); ok {
			tests = append(tests, t)
		}
	}
	for _, t := range tests {
		if ran(&t) { // a test not chosen for this run is left out
			f.Tests = append(f.Tests, t)
		}
	}
	if c.IdleConns > 0 {
		f.Tests = append(f.Tests, idleTest(dir, f))
	}
	for i := range f.Tests {
		setRatios(&f.Tests[i])
	}
	return f, nil
}

// ran reports whether any peer was run in t.
func ran(t *results.Test) bool {
	for _, r := range t.Results {
		if !r.Skipped {
			return true
		}
	}
	return false
}

// wrkTest gathers one test's samples over the rounds: requests per second,
// or with p99 set the 99th percentile latency in milliseconds.
func wrkTest(dir string, f *results.File, name, title string, p99 bool) results.Test {
	t := results.Test{Name: name, Title: title, Unit: "req/s"}
	if p99 {
		t.Name, t.Unit, t.LowerIsBetter = "p99", "ms", true
	}
	for _, peer := range f.Peers {
		r := results.Result{Peer: peer, Skipped: true}
		var failed, busy []string
		for round := 1; round <= f.Config.Rounds; round++ {
			path := filepath.Join(dir, fmt.Sprintf("r%d", round), peer+"."+name+".txt")
			b, err := os.ReadFile(path)
			if err != nil {
				continue // not run
			}
			r.Skipped = false
			w, err := results.ParseWrk(bytes.NewReader(b))
			if err != nil {
				failed = append(failed, fmt.Sprintf("round %d: %s", round, firstLine(b)))
				continue
			}
			r.Errors += w.SocketErrors + w.Non2xx
			v := w.RequestsPerSec
			if p99 {
				if w.P99 <= 0 {
					continue
				}
				v = float64(w.P99) / 1e6
			}
			r.Samples = append(r.Samples, v)
			r.Rounds = append(r.Rounds, round)
			if c, err := readCPU(path); err == nil {
				r.Foreign = append(r.Foreign, c.Foreign)
				if max := f.Config.MaxForeign; max > 0 && c.Foreign > max {
					busy = append(busy, fmt.Sprintf("round %d: %.2f", round, c.Foreign))
				}
				if c.Client > 0 && c.Wall > 0 {
					r.Client = append(r.Client, c.Client/c.Wall)
				}
			}
		}
		if len(r.Samples) > 0 {
			r.OK, r.Median = true, results.Median(r.Samples)
		}
		switch {
		case len(failed) > 0:
			r.Note = strings.Join(failed, "; ")
		case !r.OK && !r.Skipped:
			r.Note = "no sample"
		}
		if r.Errors > 0 {
			r.Note = strings.TrimPrefix(r.Note+fmt.Sprintf("; wrk reported %d socket errors or non-2xx responses", r.Errors), "; ")
		}
		if len(busy) > 0 {
			r.Note = strings.TrimPrefix(r.Note+"; other programs took CPU time during the run ("+
				strings.Join(busy, ", ")+" CPUs)", "; ")
		}
		t.Results = append(t.Results, r)
	}
	return t
}

func readCPU(wrkReport string) (results.CPU, error) {
	b, err := os.ReadFile(wrkReport + ".cpu")
	if err != nil {
		return results.CPU{}, err
	}
	return results.ParseCPU(bytes.NewReader(b))
}

// cpuTest gathers the server's CPU time per request in the wrk runs of
// test name: a server's cost when the load generator, not the server, is
// what limits the rate. ok is false when no run measured it.
func cpuTest(dir string, f *results.File, name string) (t results.Test, ok bool) {
	t = results.Test{
		Name:          "cpu_" + name,
		Title:         "Server CPU time per request, " + name,
		Unit:          "µs",
		LowerIsBetter: true,
	}
	for _, peer := range f.Peers {
		r := results.Result{Peer: peer, Skipped: true}
		for round := 1; round <= f.Config.Rounds; round++ {
			path := filepath.Join(dir, fmt.Sprintf("r%d", round), peer+"."+name+".txt")
			b, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			r.Skipped = false
			w, err := results.ParseWrk(bytes.NewReader(b))
			c, cerr := readCPU(path)
			if err != nil || cerr != nil || c.Server <= 0 || w.Requests <= 0 {
				continue
			}
			r.Samples = append(r.Samples, c.Server/float64(w.Requests)*1e6)
			r.Rounds = append(r.Rounds, round)
		}
		if len(r.Samples) > 0 {
			r.OK, r.Median, ok = true, results.Median(r.Samples), true
		} else if !r.Skipped {
			r.Note = "not measured"
		}
		t.Results = append(t.Results, r)
	}
	return t, ok
}

// idleTest reads idlemem's reports.
func idleTest(dir string, f *results.File) results.Test {
	t := results.Test{
		Name:          "idle",
		Title:         fmt.Sprintf("Memory per idle keep-alive connection, %d connections", f.Config.IdleConns),
		Unit:          "KB/conn",
		LowerIsBetter: true,
	}
	for _, peer := range f.Peers {
		r := results.Result{Peer: peer}
		b, err := os.ReadFile(filepath.Join(dir, "idle", peer+".txt"))
		switch {
		case err != nil:
			r.Note = "not run"
		default:
			m, err := results.ParseIdle(bytes.NewReader(b))
			if err != nil {
				r.Note = firstLine(b)
				break
			}
			kb := m.BytesPerConn / 1024
			r.OK, r.Median, r.Samples = true, kb, []float64{kb}
			if m.Alive < m.Connections {
				r.Note = fmt.Sprintf("only %d of %d connections answered a second request", m.Alive, m.Connections)
			}
		}
		t.Results = append(t.Results, r)
	}
	return t
}

// setRatios sets every result's ratios to GoTornado's: of the medians,
// and the median of the ratios within each round.
func setRatios(t *results.Test) {
	ref, ok := t.Result(results.Reference)
	if !ok || !ref.OK || ref.Median <= 0 || shownAsZero(ref.Median, t.Unit) {
		return // a ratio to a figure shown as 0 (0.00 allocs/req, say) says nothing
	}
	refByRound := map[int]float64{}
	for i, round := range ref.Rounds {
		refByRound[round] = ref.Samples[i]
	}
	for i := range t.Results {
		r := &t.Results[i]
		if !r.OK {
			continue
		}
		r.Ratio = r.Median / ref.Median
		var ratios []float64
		for j, round := range r.Rounds {
			if v, ok := refByRound[round]; ok && v > 0 && j < len(r.Samples) {
				ratios = append(ratios, r.Samples[j]/v)
			}
		}
		if len(ratios) > 0 {
			r.RoundRatio = results.Median(ratios)
		}
	}
}

// shownAsZero reports whether v reads 0 as the tables format it.
func shownAsZero(v float64, unit string) bool {
	shown, err := strconv.ParseFloat(strings.ReplaceAll(results.FormatValue(v, unit), ",", ""), 64)
	return err == nil && shown == 0
}

// cell formats a result for the tables; mark is appended to flagged ones.
func cell(t *results.Test, r results.Result, mark string) string {
	if r.Skipped {
		return "—"
	}
	if !r.OK {
		return "failed"
	}
	s := results.FormatValue(r.Median, t.Unit)
	if r.Peer != results.Reference {
		if q := results.FormatRatio(r.Ratio); q != "" {
			s += " (" + q + ")"
		}
	}
	if r.Note != "" {
		s += mark
	}
	return s
}

// roundRatio formats a result's ratio within the rounds for the tables.
func roundRatio(r results.Result) string {
	if r.Skipped {
		return "—"
	}
	return orNA(results.FormatRatio(r.RoundRatio))
}
