package httpserver

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/ioloop"
)

// The server under slow and odd clients: every timeout runs only while
// the server waits for the client, never while the client waits for us.

// bigApp answers every request with n bytes, queued at once (n must
// leave room in the stream's 64 MiB output bound), and finishes.
func bigApp(n int) *funcApp {
	body := bytes.Repeat([]byte("0123456789abcdef"), n/16)
	return &funcApp{finish: func(c httputil.Connection, _ *httputil.ServerRequest) {
		var h httputil.Header
		h.Set("Content-Length", itoa(len(body)))
		c.WriteHeaders(200, "", &h, body, nil)
		c.Finish()
	}}
}

// streamApp answers every request with n bytes in pieces, keeping two of
// them queued: each written piece queues the next one; the response is
// finished when the last is queued, with up to two pieces still waiting.
func streamApp(n, piece int) *funcApp {
	body := bytes.Repeat([]byte("0123456789abcdef"), n/16)
	return &funcApp{finish: func(c httputil.Connection, _ *httputil.ServerRequest) {
		off := 0
		var next func(error)
		queue := func() {
			end := min(off+piece, len(body))
			p := body[off:end]
			off = end
			if off == len(body) {
				c.Write(p, nil)
				c.Finish()
				return
			}
			c.Write(p, next)
		}
		next = func(err error) {
			if err == nil && off < len(body) {
				queue()
			}
		}
		var h httputil.Header
		h.Set("Content-Length", itoa(len(body)))
		off = piece
		c.WriteHeaders(200, "", &h, body[:piece], next)
		queue()
	}}
}

// TestLongDownloadOutlivesIdleTimeout is the regression test for the idle
// clock that started when a response was finished rather than written:
// the sweep closed the connection with most of a large download still
// queued, and the client saw it cut short.
func TestLongDownloadOutlivesIdleTimeout(t *testing.T) {
	const size = 64 << 20
	addr := serve(t, &Server{Handler: streamApp(size, 8<<20), IdleTimeout: time.Second, MaxOutputBuffer: -1})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(64 << 10)
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	// Read at a bounded rate, so that the download lasts well past the
	// IdleTimeout, and so do the two pieces still queued at its Finish:
	// about 8 MiB/s, eight seconds.
	br := bufio.NewReaderSize(c, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	buf := make([]byte, 64<<10)
	var got int64
	c.SetReadDeadline(time.Now().Add(60 * time.Second))
	for {
		n, err := resp.Body.Read(buf)
		got += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d of %d bytes: %v", got, size, err)
		}
		if got%(1<<20) < int64(n) {
			time.Sleep(120 * time.Millisecond)
		}
	}
	if got != size {
		t.Fatalf("read %d bytes, want %d", got, size)
	}
	if d := time.Since(start); d < 3*time.Second {
		t.Logf("the download took %v, not longer than the IdleTimeout: the test proves less", d)
	}
}

// TestWriteTimeoutClosesReaderThatStops: a client that takes none of its
// output for WriteTimeout is closed, with a log line.
func TestWriteTimeoutClosesReaderThatStops(t *testing.T) {
	srv := &Server{Handler: bigApp(16 << 20), WriteTimeout: time.Second, MaxOutputBuffer: -1}
	rec := &logCapture{}
	srv.Logger = rec.logger(t)
	addr := serve(t, srv)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(16 << 10)
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	if !rec.await("took no output", 10*time.Second) {
		t.Fatalf("no write timeout logged; the log: %q", rec.lines())
	}
	// The connection is closed: reading drains what the kernel held, then
	// ends.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("connection still open after the write timeout (read %d bytes)", n)
	}
	if n >= 16<<20 {
		t.Fatalf("read the whole response (%d bytes) although the client had stopped", n)
	}
}

// TestPipelineFloodWithSlowReaderGetsNo408 is the regression test for the
// server's own back-pressure earning a 408: with output past the mark the
// stream stopped reading, often in the middle of a head, while the header
// clock ran on that half head.
func TestPipelineFloodWithSlowReaderGetsNo408(t *testing.T) {
	n := 100000 // about 12 MiB of answers: more than the kernel holds for a client that reads nothing
	if raceEnabled {
		n = 50000
	}
	addr := serve(t, &Server{Handler: &testApp{}, HeaderTimeout: 500 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(32 << 10)
	req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	sent := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(c, 64<<10)
		for range n {
			if _, err := w.Write(req); err != nil {
				sent <- err
				return
			}
		}
		sent <- w.Flush()
	}()
	// Read nothing for longer than the HeaderTimeout, then slowly.
	time.Sleep(1500 * time.Millisecond)
	c.SetReadDeadline(time.Now().Add(60 * time.Second))
	br := bufio.NewReaderSize(c, 16<<10)
	for i := range n {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d of %d: %v", i, n, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("response %d of %d: status %d, want 200", i, n, resp.StatusCode)
		}
		if i%20000 == 19999 {
			time.Sleep(700 * time.Millisecond) // longer than the HeaderTimeout again
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}

// asyncApp answers every request after delay, from a timer on the loop.
func asyncApp(delay time.Duration, closed chan<- struct{}) *funcApp {
	return &funcApp{
		finish: func(c httputil.Connection, _ *httputil.ServerRequest) {
			c.(interface{ Loop() *ioloop.Loop }).Loop().CallLater(delay, func() { respond(c, 200, "late answer") })
		},
		onClose: func() {
			if closed != nil {
				closed <- struct{}{}
			}
		},
	}
}

// readFinal reads the response on br, skipping interim (1xx) responses
// as RFC 9110 asks of every client.
func readFinal(t *testing.T, br *bufio.Reader) (*http.Response, string) {
	t.Helper()
	for range 5 {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode >= 200 {
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			return resp, string(b)
		}
	}
	t.Fatal("five interim responses")
	return nil, ""
}

// TestHalfClosedClientGetsItsAnswer is the regression test for a client
// that shuts down its sending side after its request: the peer's
// shutdown was taken for its leaving, and the answer was never sent.
func TestHalfClosedClientGetsItsAnswer(t *testing.T) {
	for _, delay := range []time.Duration{50 * time.Millisecond, time.Second} {
		t.Run(delay.String(), func(t *testing.T) {
			addr := serve(t, &Server{Handler: asyncApp(delay, nil)})
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
			c.(*net.TCPConn).CloseWrite()
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(c)
			resp, body := readFinal(t, br)
			if resp.StatusCode != 200 || body != "late answer" {
				t.Fatalf("response = %d %q, want 200 %q", resp.StatusCode, body, "late answer")
			}
			// Nothing more can come: the connection ends.
			if _, err := br.ReadByte(); err != io.EOF {
				t.Fatalf("after the answer: %v, want EOF", err)
			}
		})
	}
}

// TestHalfClosedPipelineAnsweredWhole: requests pipelined before the
// client's shutdown are all answered, in order, before the close.
func TestHalfClosedPipelineAnsweredWhole(t *testing.T) {
	addr := serve(t, &Server{Handler: asyncApp(20*time.Millisecond, nil)})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte(strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 3)))
	c.(*net.TCPConn).CloseWrite()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	for i := range 3 {
		if resp, body := readFinal(t, br); resp.StatusCode != 200 || body != "late answer" {
			t.Fatalf("response %d = %d %q", i, resp.StatusCode, body)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the answers: %v, want EOF", err)
	}
}

// TestClientThatClosesIsSeenLeaving: a client waiting for a long poll that
// closes its socket is noticed, and OnConnectionClose runs, long before
// the answer would have come.
func TestClientThatClosesIsSeenLeaving(t *testing.T) {
	closed := make(chan struct{}, 1)
	addr := serve(t, &Server{Handler: asyncApp(time.Hour, closed)})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	time.Sleep(50 * time.Millisecond)
	c.Close()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("OnConnectionClose did not run after the client closed")
	}
}

// TestSlowBodyAnswered408: a body that trickles in slower than
// MinBodyRate is answered with a 408.
func TestSlowBodyAnswered408(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}, MinBodyRate: 100, rateWindow: time.Second})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"))
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(200 * time.Millisecond) // 5 bytes a second
		defer tick.Stop()
		for range 100 {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 408 {
		t.Fatalf("status = %d, want 408", resp.StatusCode)
	}
}

// TestSteadyBodyNotTimedOut: a body that arrives above MinBodyRate, over
// several windows, is read whole.
func TestSteadyBodyNotTimedOut(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}, MinBodyRate: 100, rateWindow: 500 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const size = 1000
	c.Write([]byte("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + itoa(size) + "\r\n\r\n"))
	for range 10 { // 100 bytes every 100 ms: 1000 bytes a second, over a second
		c.Write(bytes.Repeat([]byte("y"), size/10))
		time.Sleep(100 * time.Millisecond)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
}

// TestSilentConnectionClosedAfterHeaderTimeout: a connection that never
// sends a byte is closed after the HeaderTimeout, not the IdleTimeout.
func TestSilentConnectionClosedAfterHeaderTimeout(t *testing.T) {
	addr := serve(t, &Server{Handler: &testApp{}, HeaderTimeout: 300 * time.Millisecond, IdleTimeout: time.Hour})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("silent connection still open after ten seconds")
	}
	if len(b) != 0 {
		t.Fatalf("silent connection got %q, want a plain close", b)
	}
}

// TestOutputBoundPausesAndCloses: past the loop's share of
// MaxOutputBuffer, connections whose clients read nothing are closed with
// a log line, and a client that reads is served meanwhile.
func TestOutputBoundPausesAndCloses(t *testing.T) {
	// The kernel takes up to about 4 MiB of each connection's output
	// (tcp_wmem), so the answers are larger than that.
	const size = 8 << 20
	srv := &Server{Handler: bigApp(size), MaxOutputBuffer: 8 << 20}
	rec := &logCapture{}
	srv.Logger = rec.logger(t)
	addr := serve(t, srv)
	var slow []net.Conn
	defer func() {
		for _, c := range slow {
			c.Close()
		}
	}()
	for range 10 { // about 40 MiB of output nobody reads
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).SetReadBuffer(4 << 10)
		c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		slow = append(slow, c)
	}
	cl := &http.Client{Timeout: 20 * time.Second}
	defer cl.CloseIdleConnections()
	for i := range 5 {
		resp, err := cl.Get("http://" + addr + "/")
		if err != nil {
			t.Fatalf("normal request %d: %v", i, err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n != size {
			t.Fatalf("normal request %d: %d, %d bytes", i, resp.StatusCode, n)
		}
	}
	if !rec.await("output over its bound", 10*time.Second) {
		t.Fatalf("no connection closed for the output bound; the log: %q", rec.lines())
	}
}

// logCapture records the server's log lines, and fails the test on
// unexpected errors as newTestLogger does.
type logCapture struct {
	n    atomic.Int32
	recs atomic.Pointer[[]string]
}

func (l *logCapture) logger(t *testing.T) *slogLogger {
	return newTestLoggerWith(t, func(line string) {
		for {
			old := l.recs.Load()
			var next []string
			if old != nil {
				next = append(next, *old...)
			}
			next = append(next, line)
			if l.recs.CompareAndSwap(old, &next) {
				return
			}
		}
	})
}

func (l *logCapture) lines() []string {
	if p := l.recs.Load(); p != nil {
		return *p
	}
	return nil
}

// await waits up to d for a line containing s.
func (l *logCapture) await(s string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, line := range l.lines() {
			if strings.Contains(line, s) {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// TestPanicFloodLogsBounded: a handler that panics on every request gets
// each a 500, but the log holds the first few stacks, not one per panic.
func TestPanicFloodLogsBounded(t *testing.T) {
	var records atomic.Int32
	app := &funcApp{finish: func(httputil.Connection, *httputil.ServerRequest) { panic("every time") }}
	srv := &Server{Handler: app}
	srv.Logger = newTestLoggerWith(t, func(line string) {
		if strings.Contains(line, "panic in handler") {
			records.Add(1)
		}
	}, "panic in handler")
	addr := serve(t, srv)
	const n = 1000
	for i := range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		c.Close()
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if resp.StatusCode != 500 {
			t.Fatalf("request %d: status %d, want 500", i, resp.StatusCode)
		}
	}
	if got := records.Load(); got < 1 || got > 10 {
		t.Fatalf("%d panics logged %d records, want 1 to 10", n, got)
	}
}

// TestShutdownKeepsAnswerInFlight is the regression test for a stop that
// closed a connection whose finished answer was still queued, taking it
// for idle: the client saw the answer cut short.
func TestShutdownKeepsAnswerInFlight(t *testing.T) {
	const size = 16 << 20
	srv := &Server{Handler: bigApp(size), Loops: 1, Logger: newTestLogger(t), MaxOutputBuffer: -1}
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(16 << 10)
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(br, nil) // the answer is finished, most of it queued
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopped <- srv.Shutdown(ctx)
	}()
	time.Sleep(200 * time.Millisecond) // the stop has begun
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != size {
		t.Fatalf("read %d of %d bytes after the stop began: %v", n, size, err)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Shutdown() = %v", err)
	}
	if err := <-done; err != ErrServerClosed {
		t.Errorf("Serve() = %v", err)
	}
}
