// Command soak runs a GoTornado server under mixed load for a long time
// and checks that it does not grow: wrk's keep-alive plaintext load, long
// polls answered after a few seconds and re-issued, and slow readers of a
// large streamed response, all on 127.0.0.1. Every -every it samples the
// server's goroutines (from a debug endpoint), open fds (/proc/PID/fd)
// and RSS (VmRSS in /proc/PID/status) into a CSV file, and draws them as
// three line charts in an SVG file. The verdict: each line is flat when
// the maximum of the last third of the samples after the warm-up is at
// most 20% (plus a small allowance for small counts) above that of the
// first third. The exit status is 0 when all are flat, 1 when one grows,
// and 2 on an error.
//
//	cd bench && go run ./cmd/soak            # 10 minutes
//	cd bench && go run ./cmd/soak -d 30s     # a quick try
//
// The server is this program itself, started again as a child process
// with -serve: a web.Application served by httpserver.Server with one loop
// per core. Without wrk on PATH, Go clients give the keep-alive load.
// Linux only (/proc).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

// options are the command's flags.
type options struct {
	duration, every, warmup time.Duration
	svg, csv                string
	load                    loadConfig
	pollDelay               time.Duration
}

func main() {
	var o options
	serveMode := flag.Bool("serve", false, "run as the soak's server (soak starts itself so)")
	flag.DurationVar(&o.duration, "d", 10*time.Minute, "how long the load runs")
	flag.DurationVar(&o.every, "every", 10*time.Second, "time between samples")
	flag.DurationVar(&o.warmup, "warmup", 0, "samples before this are left out of the verdict (0: a sixth of -d)")
	flag.StringVar(&o.svg, "svg", "", "SVG `file` to write (default bench/soak.svg in the repository)")
	flag.StringVar(&o.csv, "csv", "", "CSV `file` to write (default: the SVG file's name with .csv)")
	flag.IntVar(&o.load.wrkThreads, "wrk-threads", 1, "wrk threads")
	flag.IntVar(&o.load.wrkConns, "wrk-conns", 50, "wrk keep-alive connections")
	flag.IntVar(&o.load.polls, "polls", 200, "long polls open at a time")
	flag.DurationVar(&o.pollDelay, "poll-delay", 3*time.Second, "time the server takes to answer a long poll")
	flag.IntVar(&o.load.slowReaders, "slow", 8, "slow readers")
	flag.IntVar(&o.load.bigSize, "big", 1<<20, "`bytes` of the response the slow readers fetch")
	flag.IntVar(&o.load.slowRate, "slow-rate", 64<<10, "`bytes` per second each slow reader reads")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("soak: ")
	if *serveMode {
		if err := serve(serverConfig{pollDelay: o.pollDelay, bigSize: o.load.bigSize}); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := o.check(); err != nil {
		log.Print(err)
		os.Exit(2)
	}
	flat, err := run(o)
	if err != nil {
		log.Print(err)
		os.Exit(2)
	}
	if !flat {
		os.Exit(1)
	}
}

func (o *options) check() error {
	if o.duration <= 0 || o.every <= 0 || o.pollDelay <= 0 {
		return errors.New("-d, -every and -poll-delay must be positive")
	}
	if o.load.wrkThreads < 1 || o.load.wrkConns < o.load.wrkThreads || o.load.polls < 0 || o.load.slowReaders < 0 ||
		o.load.bigSize < 1 || o.load.slowRate < slowReadStep {
		return fmt.Errorf("bad load flags: -wrk-threads >= 1, -wrk-conns >= -wrk-threads, -polls and -slow >= 0, -big >= 1, -slow-rate >= %d", slowReadStep)
	}
	if path, err := exec.LookPath("wrk"); err == nil {
		o.load.wrk = path
	}
	if o.warmup == 0 {
		o.warmup = o.duration / 6
	}
	if o.svg == "" {
		o.svg = defaultSVG()
	}
	if o.csv == "" {
		o.csv = strings.TrimSuffix(o.svg, filepath.Ext(o.svg)) + ".csv"
	}
	o.load.duration = o.duration
	return nil
}

// defaultSVG is bench/soak.svg in the repository that holds the working
// directory, or soak.svg outside one.
func defaultSVG() string {
	dir, err := os.Getwd()
	if err != nil {
		return "soak.svg"
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "bench", "go.mod")); err == nil {
			return filepath.Join(d, "bench", "soak.svg")
		}
		if filepath.Dir(d) == d {
			return "soak.svg"
		}
	}
}

// run starts the server, runs the load while sampling, writes the files,
// prints the verdict and reports whether every line stayed flat.
func run(o options) (bool, error) {
	srv, err := startServer(o)
	if err != nil {
		return false, err
	}
	defer srv.stop()
	o.load.addr = srv.addr
	smp, err := newSampler(srv.pid(), srv.addr, o.csv)
	if err != nil {
		return false, err
	}
	defer smp.close()

	sigCtx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stopSignals()
	var c counters
	start := time.Now()
	first, err := smp.take(0, &c)
	if err != nil {
		return false, err
	}
	samples := []sample{first}
	ctx, cancel := context.WithCancel(sigCtx)
	defer cancel()
	loadDone := make(chan string, 1)
	go func() { loadDone <- runLoad(ctx, o.load, &c) }()
	log.Printf("server pid %d on %s; load for %v, a sample every %v into %s and %s", srv.pid(), srv.addr, o.duration, o.every, o.csv, o.svg)

	// The load stops after the last sample, so that every sample but the
	// first is taken under load.
	tick := time.NewTicker(o.every)
	defer tick.Stop()
	for range max(1, int(o.duration/o.every)) {
		select {
		case <-sigCtx.Done():
		case <-tick.C:
		}
		if sigCtx.Err() != nil {
			break
		}
		s, err := smp.take(time.Since(start), &c)
		if err != nil {
			return false, err
		}
		samples = append(samples, s)
		log.Printf("%6s  goroutines %d  fds %d  RSS %.1f MiB  polls %d  slow reads %d  errors %d",
			s.at.Round(time.Second), s.goroutines, s.fds, float64(s.rssKiB)/1024, s.polls, s.bigReads, s.errors)
		if err := writeChart(o, samples, judge(samples, o.warmup), "running"); err != nil {
			return false, err
		}
	}
	cancel()
	wrkSummary := <-loadDone
	if sigCtx.Err() != nil {
		log.Print("interrupted")
	}
	return report(o, smp, srv, samples, &c, wrkSummary)
}

// report samples the server once more after the load, writes the chart
// and prints the verdict.
func report(o options, smp *sampler, srv *server, samples []sample, c *counters, wrkSummary string) (bool, error) {
	time.Sleep(3 * time.Second) // the clients have closed: let the server see it
	after, err := smp.take(samples[len(samples)-1].at+3*time.Second, c)
	if err != nil {
		return false, err
	}
	js := judge(samples, o.warmup)
	flat := allFlat(js)
	// Connections the load left open would still hold fds: allow the
	// same slack as during the load.
	released := after.fds <= samples[0].fds+int(metrics[1].slack)
	verdict := "flat"
	if !flat || !released {
		verdict = "NOT flat"
	}
	if err := writeChart(o, samples, js, verdict); err != nil {
		return false, err
	}
	fmt.Printf("load: %v; %s\n", samples[len(samples)-1].at.Round(time.Second), loadSummary(o, c, wrkSummary))
	fmt.Printf("samples: %d, every %v; warm-up %v left out\n", len(samples), o.every, o.warmup)
	for _, j := range js {
		fmt.Println(j)
	}
	fmt.Printf("after the load: %d open fds (%d before it), %d goroutines, RSS %.1f MiB\n",
		after.fds, samples[0].fds, after.goroutines, float64(after.rssKiB)/1024)
	if err := srv.stop(); err != nil {
		fmt.Printf("server exit: %v\n", err)
	}
	fmt.Printf("server log: %s\n", srv.log.summary())
	fmt.Printf("wrote %s and %s\n", o.csv, o.svg)
	fmt.Printf("verdict: %s\n", verdict)
	return flat && released, nil
}

// keepAliveName says what gives the keep-alive load.
func keepAliveName(cfg loadConfig) string {
	if cfg.wrk != "" {
		return fmt.Sprintf("wrk, %d connections", cfg.wrkConns)
	}
	return fmt.Sprintf("%d Go keep-alive clients (no wrk on PATH)", cfg.wrkConns)
}

func loadSummary(o options, c *counters, wrkSummary string) string {
	s := wrkSummary
	if s == "" {
		s = fmt.Sprintf("keep-alive (Go clients, no wrk on PATH): %d requests", c.plain.Load())
	}
	return fmt.Sprintf("%s; %d long polls answered (%d open, %v each); %d slow reads of %d KiB completed, %d cut short (%d readers at %d KiB/s); %d client errors",
		s, c.polls.Load(), o.load.polls, o.pollDelay, c.bigReads.Load(), o.load.bigSize>>10, c.bigCut.Load(),
		o.load.slowReaders, o.load.slowRate>>10, c.errors.Load())
}

func writeChart(o options, samples []sample, js []judgement, verdict string) error {
	info := chartInfo{
		date:     time.Now().Format("2006-01-02 15:04"),
		duration: o.duration,
		warmup:   o.warmup,
		verdict:  verdict,
		load: fmt.Sprintf("%v: %s on /plaintext, %d long polls (%v), %d slow readers of %d KiB at %d KiB/s; a sample every %v",
			o.duration, keepAliveName(o.load), o.load.polls, o.pollDelay, o.load.slowReaders, o.load.bigSize>>10, o.load.slowRate>>10, o.every),
		legend: fmt.Sprintf("Shaded: the warm-up (%v), left out of the verdict. Dashed: the first third's maximum, and in red the limit for the last third.", o.warmup),
	}
	return os.WriteFile(o.svg, []byte(draw(samples, js, info)), 0o644)
}

// lineCounter counts the server's log lines by level and keeps the first
// few. Only the goroutine copying the server's stderr writes to it; it is
// read once that copy has ended.
type lineCounter struct {
	lines, errors, warnings int
	first                   []string
}

func (l *lineCounter) add(line string) {
	l.lines++
	switch {
	case strings.Contains(line, "level=ERROR"):
		l.errors++
	case strings.Contains(line, "level=WARN"):
		l.warnings++
	}
	if len(l.first) < 5 {
		l.first = append(l.first, line)
	}
}

func (l *lineCounter) summary() string {
	s := fmt.Sprintf("%d lines, %d at ERROR, %d at WARN", l.lines, l.errors, l.warnings)
	for _, f := range l.first {
		s += "\n  " + f
	}
	return s
}

// copyLines feeds each line of r to l.
func copyLines(sc *bufio.Scanner, l *lineCounter) {
	for sc.Scan() {
		l.add(sc.Text())
	}
}
