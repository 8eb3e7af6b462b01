package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gotornado/tornado/bench/internal/proc"
)

// sample is one reading of the server, with the load's counters at the
// time.
type sample struct {
	at         time.Duration // since the load began
	goroutines int
	fds        int
	rssKiB     int64
	polls      int64 // long polls answered so far
	bigReads   int64 // slow reads completed so far
	errors     int64 // failed client requests so far
}

// sampler reads the server process's goroutines (from its debug
// endpoint), open fds and RSS (from /proc), and appends each sample to a
// CSV file.
type sampler struct {
	pid    int
	debug  string // URL of the goroutine count
	client *http.Client
	csv    *bufio.Writer
	file   *os.File
}

func newSampler(pid int, addr, csvPath string) (*sampler, error) {
	f, err := os.Create(csvPath)
	if err != nil {
		return nil, err
	}
	s := &sampler{
		pid:    pid,
		debug:  "http://" + addr + pathDebug,
		client: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second},
		csv:    bufio.NewWriter(f),
		file:   f,
	}
	fmt.Fprintln(s.csv, "seconds,goroutines,fds,rss_kib,polls,slow_reads,errors")
	return s, s.csv.Flush()
}

// take reads the server now and records the sample.
func (s *sampler) take(at time.Duration, c *counters) (sample, error) {
	g, err := s.goroutines()
	if err != nil {
		return sample{}, err
	}
	fds, err := openFDs(s.pid)
	if err != nil {
		return sample{}, err
	}
	rss, err := proc.VmRSS(s.pid)
	if err != nil {
		return sample{}, err
	}
	sm := sample{at: at, goroutines: g, fds: fds, rssKiB: rss,
		polls: c.polls.Load(), bigReads: c.bigReads.Load(), errors: c.errors.Load()}
	fmt.Fprintf(s.csv, "%.1f,%d,%d,%d,%d,%d,%d\n", at.Seconds(), sm.goroutines, sm.fds, sm.rssKiB, sm.polls, sm.bigReads, sm.errors)
	return sm, s.csv.Flush()
}

func (s *sampler) close() error { return errors.Join(s.csv.Flush(), s.file.Close()) }

func (s *sampler) goroutines() (int, error) {
	resp, err := s.client.Get(s.debug)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", s.debug, resp.Status)
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// openFDs counts the open file descriptors of pid.
func openFDs(pid int) (int, error) {
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		return 0, err
	}
	return len(ents), nil
}
