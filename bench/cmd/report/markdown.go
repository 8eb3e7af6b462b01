package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/gotornado/tornado/bench/internal/results"
)

// peerNotes says what each peer is and how it produces JSON.
var peerNotes = []struct{ peer, text string }{
	{"gotornado", "`servers/gotornado`: a `web.Application` of `RequestHandler`s served by `httpserver.Server` (one loop); JSON by `RequestHandler.Write` of a struct, which uses `encoding/json`; " +
		"the static file by `web.StaticFileHandler` (a rule after the plaintext and JSON ones), the page by `RequestHandler.Render` from `Settings.TemplateFS` (which adds Tornado's Etag, a SHA-1 of the page); access log off (`Settings.LogFunction`)."},
	{"nethttp", "`servers/nethttp`: the standard library's `net/http` server and `ServeMux`; JSON with `encoding/json`; the static file by `http.FileServer`, the page by `html/template`'s `Execute` into the `ResponseWriter`."},
	{"fasthttp", "`servers/fasthttp`: github.com/valyala/fasthttp v1.78.0; JSON with `encoding/json`."},
	{"nbio", "`servers/nbio`: github.com/lesismal/nbio v1.6.8, `nbhttp` engine (one poller per GOMAXPROCS, default executor) with a `ServeMux`; JSON with `encoding/json`."},
	{"tornado", "`servers/tornado/app.py`: Python Tornado (Debian's python3-tornado) on its asyncio loop, one process; JSON with Python's `json.dumps`; access log off (`log_function`)."},
	{"limit", "`servers/limit`: not an HTTP server but this machine's ceiling: one epoll loop (golang.org/x/sys/unix) that counts the `\\r\\n\\r\\n` in what it reads and writes a canned plaintext response for each, parsing nothing (so its JSON row is the same canned plaintext response)."},
}

// markdown renders RESULTS.md.
func markdown(f *results.File, svg string) []byte {
	var b strings.Builder
	m, c := f.Machine, f.Config
	b.WriteString("# Benchmark results\n\n")
	b.WriteString("Written by `bench/run` from its latest run (with `results.json` and the chart); do not edit by hand.\n\n")
	fmt.Fprintf(&b, "- Date: %s\n", f.Date)
	fmt.Fprintf(&b, "- Machine: %d × %s (nproc %d)", m.NProc, m.CPU, m.NProc)
	if m.Kernel != "" {
		fmt.Fprintf(&b, ", Linux %s", m.Kernel)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "- Software: %s; %s; Python Tornado %s\n", orNA(m.Go), orNA(m.Wrk), orNA(m.Tornado))
	fmt.Fprintf(&b, "- Command: `%s`\n", f.Command)
	fmt.Fprintf(&b, "- Setup: each server pinned to CPU %s with GOMAXPROCS=1; wrk pinned to CPU %s (`wrk -t1 -c%d --latency`); "+
		"all servers run from the start, and in each of %d round(s) every test runs %s against each peer in turn "+
		"(the order rotated by one peer each round); each cell is the median over the rounds, "+
		"in brackets its ratio to GoTornado's median.\n", c.ServerCPU, c.ClientCPU, c.Connections, c.Rounds, c.Duration)
	if c.Quick {
		b.WriteString("- **Quick mode** (a smoke test): the figures are too short-lived to compare.\n")
	}
	fmt.Fprintf(&b, "- Load average (1, 5, 15 min) at start: %s; at end: %s\n", orNA(m.LoadStart), orNA(m.LoadEnd))
	if n, med, max := foreign(f); n > 0 {
		fmt.Fprintf(&b, "- Other programs (the machine's CPU time less the server's and wrk's, in CPUs): median %.2f, "+
			"highest %.2f over %d runs; a run above %.2f was repeated up to %d times.\n",
			med, max, n, c.MaxForeign, c.Retries)
	}
	if line := clientShares(f); line != "" {
		b.WriteString("- wrk's use of its one CPU (median share over the rounds): " + line +
			". Near 1.00, wrk and not the server set the rate; the servers' CPU time per request then compares their cost.\n")
	}
	b.WriteString("\n")

	b.WriteString("| Test |")
	for _, p := range f.Peers {
		fmt.Fprintf(&b, " %s |", results.PeerTitle(p))
	}
	b.WriteString("\n|---|")
	b.WriteString(strings.Repeat("---:|", len(f.Peers)))
	b.WriteString("\n")
	for i := range f.Tests {
		t := &f.Tests[i]
		better := "higher is better"
		if t.LowerIsBetter {
			better = "lower is better"
		}
		fmt.Fprintf(&b, "| %s, %s (%s) |", t.Title, t.Unit, better)
		for _, r := range t.Results {
			fmt.Fprintf(&b, " %s |", cell(t, r, " ¹"))
		}
		b.WriteString("\n")
	}
	if n := notes(f, "- "); n != "" {
		b.WriteString("\n¹ Check these:\n\n" + n)
	}
	if c.Rounds > 1 {
		b.WriteString("\nRatios to GoTornado within each round: the median over the rounds of a peer's figure divided by " +
			"GoTornado's in the same round. This machine's speed drifts over minutes, and the runs of one round are close in time.\n\n")
		b.WriteString("| Test |")
		for _, p := range f.Peers {
			if p != results.Reference {
				fmt.Fprintf(&b, " %s |", results.PeerTitle(p))
			}
		}
		b.WriteString("\n|---|" + strings.Repeat("---:|", len(f.Peers)-1) + "\n")
		for i := range f.Tests {
			t := &f.Tests[i]
			if !hasRoundRatios(t) {
				continue
			}
			fmt.Fprintf(&b, "| %s |", t.Title)
			for _, r := range t.Results {
				if r.Peer != results.Reference {
					fmt.Fprintf(&b, " %s |", roundRatio(r))
				}
			}
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "\n![Benchmark chart](%s)\n\n", svg)

	b.WriteString(roundsTable(f))
	b.WriteString("## The tests\n\n")
	fmt.Fprintf(&b, "- Plaintext and JSON: TechEmpower's tests (`/plaintext` answers `Hello, World!` as text/plain, "+
		"`/json` answers `{\"message\":\"Hello, World!\"}` encoded per request), %d keep-alive connections.\n", c.Connections)
	fmt.Fprintf(&b, "- Pipelined: `/plaintext` with `pipeline.lua`, which sends %d requests in each write.\n", c.Pipeline)
	b.WriteString("- Static file: `/static/10k.txt`, a 10 KB text file (`internal/site` writes it at the server's start), " +
		"served by GoTornado's `StaticFileHandler` and net/http's `FileServer`; the peers that serve no files show —.\n")
	b.WriteString("- Template page: `/page`, an `html/template` page of about 860 bytes (a loop over ten items and one escaped title, " +
		"in `internal/site`) rendered per request, by GoTornado's `Render` and by net/http's `Execute` into the `ResponseWriter`; " +
		"the other peers show —. `bench/run` checks that both send the same bytes.\n")
	b.WriteString("- p99 latency: wrk's 99th percentile (`--latency`) in the plaintext runs.\n")
	b.WriteString("- Server heap allocations per request: for the Go peers that answer `/debug/allocs` (runtime.MemStats: Mallocs), " +
		"the growth of the server's count over a wrk run divided by the requests wrk counted; read just before and after each run, " +
		"outside its timing.\n")
	if c.IdleConns > 0 {
		fmt.Fprintf(&b, "- Idle connections: `cmd/idlemem` opens %d keep-alive connections to a freshly started server, "+
			"sends one request on each, and divides the growth of the server's VmRSS by the number of connections.\n", c.IdleConns)
	}
	b.WriteString("\n## The peers\n\n")
	for _, p := range peerNotes {
		fmt.Fprintf(&b, "- %s: %s\n", results.PeerTitle(p.peer), p.text)
	}
	b.WriteString("\n## Running it\n\n")
	b.WriteString("`bench/run` builds the Go peers into `bench/bin`, runs every test and rewrites this file; " +
		"`bench/run -h` lists its options (rounds, duration, peers, quick mode). It needs Linux, wrk and taskset, " +
		"and installs python3-tornado with apt-get when `/usr/bin/python3` lacks it.\n\n" +
		"The GoTornado peer also takes `-loops n` (loops in one process) and `-procs n` (Tornado's pre-fork model: " +
		"`Bind`, then `Start(n)`) for multi-core runs, e.g. `bin/gotornado -addr 127.0.0.1:8888 -procs 2`.\n")
	return []byte(b.String())
}

// roundsTable lists every sample behind the medians, in round order.
func roundsTable(f *results.File) string {
	var b strings.Builder
	b.WriteString("## Every round\n\n| Test | Peer | Samples | Other programs (CPUs) |\n|---|---|---|---|\n")
	for i := range f.Tests {
		t := &f.Tests[i]
		for _, r := range t.Results {
			if r.Skipped {
				continue
			}
			vals := make([]string, len(r.Samples))
			for j, v := range r.Samples {
				vals[j] = results.FormatValue(v, t.Unit)
			}
			cont := make([]string, len(r.Foreign))
			for j, c := range r.Foreign {
				cont[j] = fmt.Sprintf("%.2f", c)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.Name, results.PeerTitle(r.Peer),
				orNA(strings.Join(vals, ", ")), orNA(strings.Join(cont, ", ")))
		}
	}
	b.WriteString("\n")
	return b.String()
}

func hasRoundRatios(t *results.Test) bool {
	for _, r := range t.Results {
		if r.RoundRatio > 0 && r.Peer != results.Reference {
			return true
		}
	}
	return false
}

// clientShares lists, by wrk test and peer, the median share of its CPU
// that wrk used.
func clientShares(f *results.File) string {
	var tests []string
	for _, t := range f.Tests {
		if t.Unit != "req/s" {
			continue
		}
		var peers []string
		for _, r := range t.Results {
			if len(r.Client) > 0 {
				peers = append(peers, fmt.Sprintf("%s %.2f", results.PeerTitle(r.Peer), results.Median(r.Client)))
			}
		}
		if len(peers) > 0 {
			tests = append(tests, t.Name+": "+strings.Join(peers, ", "))
		}
	}
	return strings.Join(tests, "; ")
}

// foreign summarises the other programs' CPU time during the load runs.
func foreign(f *results.File) (n int, median, max float64) {
	var all []float64
	for _, t := range f.Tests {
		if t.Name == "p99" {
			continue // the plaintext runs again
		}
		for _, r := range t.Results {
			all = append(all, r.Foreign...)
		}
	}
	for _, c := range all {
		max = math.Max(max, c)
	}
	return len(all), results.Median(all), max
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}
