// Command idlemem measures what an idle keep-alive connection costs a
// server. It reads the server's resident set size (VmRSS in
// /proc/PID/status), opens -n connections to it on the loopback in batches,
// sends one request on each and reads the response, waits for the server to
// settle, reads VmRSS again and prints the growth per connection. The
// connections then get one more request each to check that the server kept
// them open.
//
//	idlemem -addr 127.0.0.1:8888 -pid 1234 -n 15000
//
// Linux only. It raises its own RLIMIT_NOFILE to the hard limit.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gotornado/tornado/bench/internal/proc"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "server `host:port` (loopback only)")
	pid := flag.Int("pid", 0, "server process id whose VmRSS is read (required)")
	n := flag.Int("n", 15000, "connections to open")
	batch := flag.Int("batch", 250, "connections opened and answered at a time")
	path := flag.String("path", "/plaintext", "request path")
	settle := flag.Duration("settle", 2*time.Second, "wait before each RSS reading")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("idlemem: ")
	if *pid <= 0 {
		log.Fatal("-pid is required")
	}
	if err := checkLoopback(*addr); err != nil {
		log.Fatal(err)
	}
	limit, err := proc.RaiseNoFile()
	if err != nil {
		log.Fatal(err)
	}
	if max := int(limit) - 64; *n > max {
		log.Printf("RLIMIT_NOFILE is %d: opening %d connections, not %d", limit, max, *n)
		*n = max
	}
	req := []byte("GET " + *path + " HTTP/1.1\r\nHost: " + *addr + "\r\n\r\n")

	// One connection first, so the baseline includes what serving the
	// first request allocates.
	warm, err := dial(*addr)
	if err == nil {
		err = roundTrip(warm, req)
		closeNow(warm)
	}
	if err != nil {
		log.Fatal("warm-up request: ", err)
	}
	time.Sleep(*settle)
	before, err := proc.VmRSS(*pid)
	if err != nil {
		log.Fatal(err)
	}

	start := time.Now()
	conns, err := openAll(*addr, req, *n, *batch)
	if err != nil {
		log.Fatal(err)
	}
	opened := time.Since(start)
	time.Sleep(*settle)
	after, err := proc.VmRSS(*pid)
	if err != nil {
		log.Fatal(err)
	}
	alive := checkAlive(conns, req, *batch)
	for _, c := range conns {
		closeNow(c)
	}

	per := float64(after-before) * 1024 / float64(len(conns))
	fmt.Printf("pid: %d\n", *pid)
	fmt.Printf("connections: %d\n", len(conns))
	fmt.Printf("open_seconds: %.2f\n", opened.Seconds())
	fmt.Printf("alive_after: %d\n", alive)
	fmt.Printf("rss_before_kb: %d\n", before)
	fmt.Printf("rss_after_kb: %d\n", after)
	fmt.Printf("bytes_per_conn: %.0f\n", per)
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %s: only loopback addresses are allowed", addr)
	}
	return nil
}

// openAll opens n connections, batch at a time, each answered once.
func openAll(addr string, req []byte, n, batch int) ([]net.Conn, error) {
	conns := make([]net.Conn, n)
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		err := parallel(lo, hi, func(i int) error {
			c, err := dial(addr)
			if err != nil {
				return err
			}
			conns[i] = c
			return roundTrip(c, req)
		})
		if err != nil {
			for _, c := range conns {
				if c != nil {
					closeNow(c)
				}
			}
			return nil, fmt.Errorf("after %d connections: %w", lo, err)
		}
	}
	return conns, nil
}

// checkAlive sends one more request on every connection and returns how
// many were answered.
func checkAlive(conns []net.Conn, req []byte, batch int) int {
	var mu sync.Mutex
	alive := 0
	for lo := 0; lo < len(conns); lo += batch {
		parallel(lo, min(lo+batch, len(conns)), func(i int) error {
			if roundTrip(conns[i], req) == nil {
				mu.Lock()
				alive++
				mu.Unlock()
			}
			return nil
		})
	}
	return alive
}

// parallel runs f(i) for i in [lo, hi) concurrently and returns the first error.
func parallel(lo, hi int, f func(i int) error) error {
	errs := make([]error, hi-lo)
	var wg sync.WaitGroup
	for i := lo; i < hi; i++ {
		wg.Go(func() { errs[i-lo] = f(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func dial(addr string) (net.Conn, error) {
	var err error
	for range 5 {
		var c net.Conn
		c, err = net.DialTimeout("tcp", addr, 10*time.Second)
		if err == nil {
			return c, nil
		}
		log.Print("dial: ", err)
		time.Sleep(200 * time.Millisecond)
	}
	return nil, err
}

var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}

// roundTrip writes req on c and reads one complete 200 response.
func roundTrip(c net.Conn, req []byte) error {
	c.SetDeadline(time.Now().Add(30 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(req); err != nil {
		return err
	}
	br := readers.Get().(*bufio.Reader)
	br.Reset(c)
	defer func() { br.Reset(nil); readers.Put(br) }()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unexpected response %s %q", resp.Status, body)
	}
	if br.Buffered() > 0 {
		return errors.New("unexpected bytes after the response")
	}
	return nil
}

// closeNow closes c with a reset, leaving no TIME_WAIT socket behind to
// hold the port for the next run.
func closeNow(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}
