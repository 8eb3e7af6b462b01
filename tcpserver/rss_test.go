//go:build unix

package tcpserver

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rssHelper serves echo, with this package's Server on one loop
// ("rss-loop") or with a goroutine per net.Conn ("rss-netconn"). It prints
// "port N", then answers each "stat" line on stdin with its memory use,
// and exits when stdin closes.
func rssHelper(mode string) int {
	var port int
	if mode == "rss-loop" {
		s := &Server{Loops: 1, Logger: quietLogger, HandleStream: echoLines}
		if err := s.Listen("127.0.0.1:0"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		go s.Serve()
		port = s.Addr().(*net.TCPAddr).Port
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		go netConnEcho(ln)
		port = ln.Addr().(*net.TCPAddr).Port
	}
	fmt.Printf("port %d\n", port)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() != "stat" {
			continue
		}
		raw := rss()
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Printf("stat rss=%d rss_gc=%d heap=%d stacks=%d goroutines=%d\n",
			raw, rss(), ms.HeapInuse, ms.StackInuse, runtime.NumGoroutine())
	}
	return 0
}

// netConnEcho is the usual Go echo server: a goroutine per connection.
func netConnEcho(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadSlice('\n')
				if err != nil {
					return
				}
				if _, err := c.Write(line); err != nil {
					return
				}
			}
		}()
	}
}

// rss returns the resident set size of this process in bytes.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

type memStat struct{ rss, rssGC, heap, stacks int64 }

func (h *helper) stat(b *testing.B) memStat {
	b.Helper()
	if _, err := fmt.Fprintln(h.stdin, "stat"); err != nil {
		b.Fatal(err)
	}
	var m memStat
	var g int
	line := h.expect(b, "stat ", 30*time.Second)
	if _, err := fmt.Sscanf(line, "stat rss=%d rss_gc=%d heap=%d stacks=%d goroutines=%d", &m.rss, &m.rssGC, &m.heap, &m.stacks, &g); err != nil {
		b.Fatalf("bad stat line %q: %v", line, err)
	}
	return m
}

// BenchmarkIdleConnRSS measures the server's memory per idle connection:
// it opens 10,000 connections to a server in a subprocess (so that the
// clients' memory does not count), makes one round trip on each so that
// the server is waiting to read from all of them, and compares the
// server's RSS before and after. Run it with -benchtime=1x:
//
//	go test -run '^$' -bench IdleConnRSS -benchtime 1x ./tcpserver/
func BenchmarkIdleConnRSS(b *testing.B) {
	if _, err := os.Stat("/proc/self/statm"); err != nil {
		b.Skip("needs /proc")
	}
	for _, mode := range []string{"loop", "netconn"} {
		b.Run(mode, func(b *testing.B) { idleConnRSS(b, "rss-"+mode, 10000) })
	}
}

func idleConnRSS(b *testing.B, mode string, n int) {
	h := startHelper(b, mode)
	addr := "127.0.0.1:" + strings.TrimPrefix(h.expect(b, "port ", 10*time.Second), "port ")
	before := h.stat(b)
	conns := make([]*net.TCPConn, 0, n)
	defer func() {
		for _, c := range conns {
			c.SetLinger(0) // no TIME_WAIT: the next run needs the ports
			c.Close()
		}
	}()
	buf := make([]byte, 2)
	for range n {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			b.Fatalf("dial %d: %v", len(conns), err)
		}
		tc := c.(*net.TCPConn)
		conns = append(conns, tc)
		if _, err := tc.Write([]byte("x\n")); err != nil {
			b.Fatal(err)
		}
		tc.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := tc.Read(buf); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			b.Fatal(err)
		}
	}
	after := h.stat(b)
	per := func(a, b int64) float64 { return float64(a-b) / float64(n) }
	b.ReportMetric(per(after.rss, before.rss), "rss-B/conn")
	b.ReportMetric(per(after.rssGC, before.rssGC), "rss-after-gc-B/conn")
	b.ReportMetric(per(after.heap, before.heap), "heap-B/conn")
	b.ReportMetric(per(after.stacks, before.stacks), "stack-B/conn")
	b.ReportMetric(0, "ns/op")
}
