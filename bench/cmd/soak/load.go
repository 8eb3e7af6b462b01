package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// counters are the load's running totals. Safe for concurrent use.
type counters struct {
	polls    atomic.Int64 // long polls answered
	bigReads atomic.Int64 // slow reads of /big completed
	bigCut   atomic.Int64 // slow reads the server ended early
	plain    atomic.Int64 // keep-alive requests answered (Go clients only; wrk counts its own)
	errors   atomic.Int64 // requests that failed
}

// loadConfig sizes the load.
type loadConfig struct {
	addr        string
	wrk         string // the wrk program; "" to use Go clients instead
	duration    time.Duration
	wrkThreads  int
	wrkConns    int
	polls       int
	slowReaders int
	bigSize     int
	slowRate    int // bytes per second per slow reader
}

// runLoad runs every part of the load until ctx ends, and returns wrk's
// summary ("" without wrk). Every client connects to cfg.addr only.
func runLoad(ctx context.Context, cfg loadConfig, c *counters) string {
	var wg sync.WaitGroup
	var wrkOut string
	if cfg.wrk != "" {
		wg.Go(func() { wrkOut = runWrk(ctx, cfg.wrk, cfg) })
	} else {
		for range cfg.wrkConns {
			wg.Go(func() { keepAlive(ctx, cfg.addr, c) })
		}
	}
	tr := &http.Transport{MaxIdleConnsPerHost: cfg.polls}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	for range cfg.polls {
		wg.Go(func() { longPoll(ctx, client, cfg.addr, c) })
	}
	for range cfg.slowReaders {
		wg.Go(func() { slowReader(ctx, cfg, c) })
	}
	wg.Wait()
	return wrkOut
}

// runWrk runs wrk on /plaintext until ctx ends (then it is interrupted,
// and prints its summary), for at most the load's duration and half a
// minute, and returns its summary line.
func runWrk(ctx context.Context, path string, cfg loadConfig) string {
	secs := int((cfg.duration + 30*time.Second) / time.Second)
	cmd := exec.CommandContext(ctx, path, "-t", strconv.Itoa(cfg.wrkThreads), "-c", strconv.Itoa(cfg.wrkConns),
		"-d", strconv.Itoa(secs)+"s", "--timeout", "10s", "http://"+cfg.addr+pathPlain)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil && err == ctx.Err() {
		err = nil // interrupted at the end of the load, as planned
	}
	return summarizeWrk(out.String(), err)
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in ([0-9.]+\w+)`)
	wrkRate     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkErrors   = regexp.MustCompile(`(Socket errors:[^\n]*|Non-2xx or 3xx responses: \d+)`)
)

func summarizeWrk(out string, err error) string {
	s := "wrk:"
	if m := wrkRequests.FindStringSubmatch(out); m != nil {
		s += " " + m[1] + " requests in " + m[2]
	}
	if m := wrkRate.FindStringSubmatch(out); m != nil {
		s += ", " + m[1] + " requests/s"
	}
	for _, m := range wrkErrors.FindAllString(out, -1) {
		s += "; " + m
	}
	if err != nil {
		s += fmt.Sprintf(" (wrk: %v)", err)
	}
	return s
}

// keepAlive is the load without wrk: requests one after the other on a
// keep-alive connection.
func keepAlive(ctx context.Context, addr string, c *counters) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for ctx.Err() == nil {
		if get(ctx, client, "http://"+addr+pathPlain) == nil {
			c.plain.Add(1)
		} else if ctx.Err() == nil {
			c.errors.Add(1)
			pause(ctx, time.Second)
		}
	}
}

// longPoll asks for /poll again each time it is answered.
func longPoll(ctx context.Context, client *http.Client, addr string, c *counters) {
	for ctx.Err() == nil {
		if get(ctx, client, "http://"+addr+pathPoll) == nil {
			c.polls.Add(1)
		} else if ctx.Err() == nil {
			c.errors.Add(1)
			pause(ctx, time.Second)
		}
	}
}

func get(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// slowReader fetches /big over and over on a new connection each time,
// with a small receive buffer, reading at cfg.slowRate.
func slowReader(ctx context.Context, cfg loadConfig, c *counters) {
	for ctx.Err() == nil {
		switch n, err := slowRead(ctx, cfg); {
		case ctx.Err() != nil:
		case err != nil:
			c.errors.Add(1)
			pause(ctx, time.Second)
		case n < int64(cfg.bigSize):
			c.bigCut.Add(1)
		default:
			c.bigReads.Add(1)
		}
	}
}

// slowReadStep is how much a slow reader reads at a time.
const slowReadStep = 4 << 10

// slowRead reads one /big response slowly and returns how many bytes
// came, headers and chunk framing included.
func slowRead(ctx context.Context, cfg loadConfig) (int64, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", cfg.addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetReadBuffer(16 << 10)
	}
	// Twice the time the body takes at the chosen rate, and a minute more.
	conn.SetDeadline(time.Now().Add(time.Minute + 2*time.Duration(cfg.bigSize)*time.Second/time.Duration(cfg.slowRate)))
	if _, err := io.WriteString(conn, "GET "+pathBig+" HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n"); err != nil {
		return 0, err
	}
	tick := time.NewTicker(time.Duration(slowReadStep) * time.Second / time.Duration(cfg.slowRate))
	defer tick.Stop()
	buf := make([]byte, slowReadStep)
	var total int64
	for {
		n, err := conn.Read(buf)
		if total == 0 && n > 0 && !bytes.HasPrefix(buf[:n], []byte("HTTP/1.1 200 ")) {
			return int64(n), fmt.Errorf("GET %s: %.40q", pathBig, buf[:n])
		}
		total += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-tick.C:
		}
	}
}
