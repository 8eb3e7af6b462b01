package results

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Wrk is what a wrk report says about one run.
type Wrk struct {
	RequestsPerSec float64
	Requests       int64
	P99            time.Duration // 0 when run without --latency
	SocketErrors   int64         // connect, read, write and timeout errors
	Non2xx         int64         // non-2xx or 3xx responses
}

// ErrNoRate is returned by ParseWrk for output without a Requests/sec line,
// as when wrk could not connect.
var ErrNoRate = errors.New("results: no Requests/sec line in wrk output")

// ParseWrk parses wrk's report (with or without --latency).
func ParseWrk(r io.Reader) (Wrk, error) {
	var w Wrk
	haveRate := false
	sc := bufio.NewScanner(r)
	inDist := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch {
		case f[0] == "Requests/sec:" && len(f) >= 2:
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return w, fmt.Errorf("results: Requests/sec %q: %w", f[1], err)
			}
			w.RequestsPerSec, haveRate = v, true
		case f[0] == "Latency" && len(f) >= 2 && f[1] == "Distribution":
			inDist = true
		case inDist && len(f) == 2 && strings.HasSuffix(f[0], "%"):
			if f[0] == "99%" || f[0] == "99.000%" {
				d, err := ParseWrkDuration(f[1])
				if err != nil {
					return w, err
				}
				w.P99 = d
			}
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			inDist = false
			w.Requests, _ = strconv.ParseInt(f[0], 10, 64)
		case f[0] == "Socket" && len(f) >= 3 && f[1] == "errors:":
			// Socket errors: connect 0, read 0, write 0, timeout 0
			for i := 2; i+1 < len(f); i += 2 {
				n, err := strconv.ParseInt(strings.TrimSuffix(f[i+1], ","), 10, 64)
				if err != nil {
					return w, fmt.Errorf("results: socket errors %q: %w", sc.Text(), err)
				}
				w.SocketErrors += n
			}
		case strings.HasPrefix(strings.Join(f, " "), "Non-2xx or 3xx responses:"):
			n, err := strconv.ParseInt(f[len(f)-1], 10, 64)
			if err != nil {
				return w, fmt.Errorf("results: non-2xx %q: %w", sc.Text(), err)
			}
			w.Non2xx = n
		default:
			inDist = inDist && strings.HasSuffix(f[0], "%")
		}
	}
	if err := sc.Err(); err != nil {
		return w, err
	}
	if !haveRate {
		return w, ErrNoRate
	}
	return w, nil
}

// ParseWrkDuration parses a latency as wrk prints it: a number and one of
// the units us, ms, s, m, h.
func ParseWrkDuration(s string) (time.Duration, error) {
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i <= 0 {
		return 0, fmt.Errorf("results: bad wrk duration %q", s)
	}
	v, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, fmt.Errorf("results: bad wrk duration %q: %w", s, err)
	}
	var unit time.Duration
	switch s[i:] {
	case "us":
		unit = time.Microsecond
	case "ms":
		unit = time.Millisecond
	case "s":
		unit = time.Second
	case "m":
		unit = time.Minute
	case "h":
		unit = time.Hour
	default:
		return 0, fmt.Errorf("results: bad wrk duration unit %q", s)
	}
	return time.Duration(v * float64(unit)), nil
}

// Idle is what idlemem reports.
type Idle struct {
	Connections  int
	Alive        int // connections that answered a second request afterwards
	BytesPerConn float64
	RSSBeforeKB  int64
	RSSAfterKB   int64
}

// ErrNoIdleResult is returned by ParseIdle for output without a
// bytes_per_conn line.
var ErrNoIdleResult = errors.New("results: no bytes_per_conn line in idlemem output")

// ParseIdle parses idlemem's "key: value" output.
func ParseIdle(r io.Reader) (Idle, error) {
	var m Idle
	have := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ": ")
		if !ok {
			continue
		}
		var err error
		switch k {
		case "connections":
			m.Connections, err = strconv.Atoi(v)
		case "alive_after":
			m.Alive, err = strconv.Atoi(v)
		case "rss_before_kb":
			m.RSSBeforeKB, err = strconv.ParseInt(v, 10, 64)
		case "rss_after_kb":
			m.RSSAfterKB, err = strconv.ParseInt(v, 10, 64)
		case "bytes_per_conn":
			m.BytesPerConn, err = strconv.ParseFloat(v, 64)
			have = true
		}
		if err != nil {
			return m, fmt.Errorf("results: idlemem %s: %w", k, err)
		}
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if !have {
		return m, ErrNoIdleResult
	}
	return m, nil
}

// CPU is what bench/run measured of the machine's CPU time during one wrk
// run, in the ".cpu" file beside the wrk report.
type CPU struct {
	Foreign float64 // CPUs' worth of time other programs took
	Server  float64 // seconds of CPU time the server took (0: not measured)
	Client  float64 // seconds of CPU time wrk took (0: not measured)
	Wall    float64 // seconds the run lasted (0: not measured)
}

// ParseCPU parses the "key: value" lines that bench/run writes beside each
// wrk report: foreign_cpus (required), server_cpu_s, client_cpu_s, wall_s.
func ParseCPU(r io.Reader) (CPU, error) {
	var c CPU
	have := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ": ")
		if !ok {
			continue
		}
		var dst *float64
		switch k {
		case "foreign_cpus":
			dst, have = &c.Foreign, true
		case "server_cpu_s":
			dst = &c.Server
		case "client_cpu_s":
			dst = &c.Client
		case "wall_s":
			dst = &c.Wall
		default:
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return c, fmt.Errorf("results: %s %q: %w", k, v, err)
		}
		*dst = f
	}
	if err := sc.Err(); err != nil {
		return c, err
	}
	if !have {
		return c, errors.New("results: no foreign_cpus line")
	}
	return c, nil
}

// Allocs is what bench/run measured of a Go server's allocations during
// one wrk run, in the ".allocs" file beside the wrk report: the growth of
// its runtime.MemStats Mallocs and TotalAlloc over the run.
type Allocs struct {
	Mallocs int64 // heap objects allocated
	Bytes   int64 // bytes allocated
}

// ErrNoAllocs is returned by ParseAllocs for input without a mallocs line.
var ErrNoAllocs = errors.New("results: no mallocs line")

// ParseAllocs parses the "key: value" lines of a ".allocs" file: mallocs
// (required) and alloc_bytes, whole numbers not below zero.
func ParseAllocs(r io.Reader) (Allocs, error) {
	var a Allocs
	have := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ": ")
		if !ok {
			continue
		}
		var dst *int64
		switch k {
		case "mallocs":
			dst, have = &a.Mallocs, true
		case "alloc_bytes":
			dst = &a.Bytes
		default:
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return a, fmt.Errorf("results: %s %q: not a count", k, v)
		}
		*dst = n
	}
	if err := sc.Err(); err != nil {
		return a, err
	}
	if !have {
		return a, ErrNoAllocs
	}
	return a, nil
}
