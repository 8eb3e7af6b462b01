package httpserver

// The fault suite: real clients on 127.0.0.1 misbehaving in the ways a
// public server meets (slowloris heads, resets mid-request and
// mid-response, oversized and malformed framing, panicking handlers,
// clients that leave before a late answer, deep pipelines). Each test
// checks what holds today: the faulty clients get their answer or are
// cut off, a well-behaved client beside them is served, nothing is
// logged at Error level unless declared, and the goroutines and file
// descriptors come back to where they were.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotornado/tornado/httputil"
)

// Sizes and delays of faultApp's handlers.
const (
	streamPiece = 64 << 10 // bytes per Write of /stream
	streamTotal = 64 << 20 // the whole /stream body: far more than the socket buffers hold
	laterDelay  = 300 * time.Millisecond
)

var streamChunk = []byte(strings.Repeat("s", streamPiece))

// faultApp is the delegate of the fault suite; the path picks the
// behaviour. Its counters are safe for concurrent use.
type faultApp struct {
	heads       atomic.Int64 // request heads received
	closes      atomic.Int64 // OnConnectionClose calls
	streamsCut  atomic.Int64 // /stream responses ended by a write error
	lateRefused atomic.Int64 // /later answers refused because the client had left
	lateSent    atomic.Int64 // /later answers sent
}

func (a *faultApp) StartRequest(c httputil.Connection) httputil.MessageDelegate {
	return &faultReq{app: a, conn: c}
}

// faultReq serves one request of a faultApp, on the connection's loop.
type faultReq struct {
	app     *faultApp
	conn    httputil.Connection
	path    string
	written int
}

func (r *faultReq) HeadersReceived(req *httputil.ServerRequest) error {
	r.path = req.Path
	r.app.heads.Add(1)
	return nil
}

func (r *faultReq) DataReceived([]byte) error { return nil }

func (r *faultReq) OnConnectionClose() { r.app.closes.Add(1) }

func (r *faultReq) respond(body string) error {
	var h httputil.Header
	h.Set("Content-Type", "text/plain")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if err := r.conn.WriteHeaders(200, "", &h, []byte(body), nil); err != nil {
		return err
	}
	return r.conn.Finish()
}

func (r *faultReq) Finish() {
	switch p := r.path; {
	case strings.HasPrefix(p, "/seq/"):
		r.respond(strings.TrimPrefix(p, "/seq/"))
	case p == "/panic":
		panic("fault suite: handler exploded")
	case p == "/stream":
		var h httputil.Header
		h.Set("Content-Length", strconv.Itoa(streamTotal))
		r.written = streamPiece
		if err := r.conn.WriteHeaders(200, "", &h, streamChunk, r.streamNext); err != nil {
			r.app.streamsCut.Add(1)
		}
	case p == "/later":
		r.conn.(httputil.Scheduler).CallLater(laterDelay, func() {
			if err := r.respond("later"); errors.Is(err, ErrConnClosed) {
				r.app.lateRefused.Add(1)
			} else if err == nil {
				r.app.lateSent.Add(1)
			}
		})
	default:
		r.respond("Hello, World!")
	}
}

// streamNext writes the next piece of /stream once the last one is out.
func (r *faultReq) streamNext(err error) {
	if err != nil {
		r.app.streamsCut.Add(1)
		return
	}
	if r.written >= streamTotal {
		r.conn.Finish()
		return
	}
	r.written += streamPiece
	if err := r.conn.Write(streamChunk, r.streamNext); err != nil {
		r.app.streamsCut.Add(1)
	}
}

// allowingLogger is newTestLogger's strict logger, less the records
// whose message is allowed: those may come or not.
func allowingLogger(t *testing.T, allowed string) *slog.Logger {
	return slog.New(&allowingHandler{newTestLogger(t).Handler(), allowed})
}

type allowingHandler struct {
	slog.Handler
	allowed string
}

func (h *allowingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.allowed {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h *allowingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &allowingHandler{h.Handler.WithAttrs(as), h.allowed}
}

func (h *allowingHandler) WithGroup(name string) slog.Handler {
	return &allowingHandler{h.Handler.WithGroup(name), h.allowed}
}

// resources is what a server may leak: goroutines and open fds (-1 where
// /proc/self/fd cannot be read).
type resources struct{ goroutines, fds int }

func currentResources() resources {
	r := resources{goroutines: runtime.NumGoroutine(), fds: -1}
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		r.fds = len(ents) - 1 // less the ReadDir handle itself
	}
	return r
}

// baseline serves one request on addr, so that the server's per-loop
// state exists, waits for the counts to hold still, and returns them.
func baseline(t *testing.T, addr string) resources {
	t.Helper()
	got := exchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.HasSuffix(got, "Hello, World!") {
		t.Fatalf("warm-up request: %q", got)
	}
	prev, still := currentResources(), 0
	for i := 0; i < 100 && still < 3; i++ {
		time.Sleep(30 * time.Millisecond)
		cur := currentResources()
		if cur == prev {
			still++
		} else {
			prev, still = cur, 0
		}
	}
	return prev
}

// settle waits for the goroutines and fds to fall back to base.
func settle(t *testing.T, base resources) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		cur := currentResources()
		if cur.goroutines <= base.goroutines && cur.fds <= base.fds {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Errorf("resources = %+v after the faults, want at most %+v; goroutines:\n%s",
				cur, base, buf[:runtime.Stack(buf, true)])
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitCount waits for n to reach want.
func waitCount(t *testing.T, what string, n *atomic.Int64, want int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for n.Load() < want {
		if time.Now().After(deadline) {
			t.Fatalf("%s = %d, want %d", what, n.Load(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := n.Load(); got != want {
		t.Fatalf("%s = %d, want %d", what, got, want)
	}
}

// exchange sends raw (from a goroutine of its own, so that a server that
// answers before reading it all cannot block it) and returns what the
// server sends until it closes. A connection still open after a generous
// deadline fails the test.
func exchange(t *testing.T, addr, raw string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		io.WriteString(c, raw) // the server may close before taking it all
	}()
	b, err := io.ReadAll(c)
	<-sent
	if err != nil {
		t.Fatalf("reading the answer: %v (got %q)", err, b)
	}
	return string(b)
}

// resetClose closes c with SO_LINGER 0, so that the server sees an RST.
func resetClose(c net.Conn) {
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
}

// getOK fetches path with client and checks the answer.
func getOK(client *http.Client, addr, path, want string) error {
	resp, err := client.Get("http://" + addr + path)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || string(b) != want {
		return fmt.Errorf("GET %s = %d %q, want 200 %q", path, resp.StatusCode, b, want)
	}
	return nil
}

// slowloris sends a head that never ends, one byte per gap, and returns
// what the server answered once it closed.
func slowloris(addr string, gap time.Duration) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	type answer struct {
		b   []byte
		err error
	}
	got := make(chan answer, 1)
	go func() {
		b, err := io.ReadAll(c)
		got <- answer{b, err}
	}()
	head := "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "
	tick := time.NewTicker(gap)
	defer tick.Stop()
	for i := 0; ; i++ {
		b := byte('a')
		if i < len(head) {
			b = head[i]
		}
		if _, err := c.Write([]byte{b}); err != nil {
			break // closed: the answer, if any, is being read
		}
		select {
		case a := <-got:
			return string(a.b), a.err
		case <-tick.C:
		}
	}
	a := <-got
	return string(a.b), a.err
}

// TestFaultSlowloris opens 200 connections that send a head one byte at
// a time: each is answered 408 and closed once HeaderTimeout passes, and
// a normal client beside them is served throughout.
func TestFaultSlowloris(t *testing.T) {
	addr := serve(t, &Server{Handler: &faultApp{}, HeaderTimeout: time.Second})
	base := baseline(t, addr)
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := slowloris(addr, 100*time.Millisecond)
			if err != nil || !strings.HasPrefix(got, "HTTP/1.1 408 ") {
				errs <- fmt.Errorf("slow client %d: %q, %v; want a 408 and the close", i, got, err)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	served := 0
normal:
	for {
		select {
		case <-done:
			break normal
		default:
		}
		c := client
		if served%10 == 9 {
			c = fresh // a new connection now and then
		}
		if err := getOK(c, addr, "/seq/"+strconv.Itoa(served), strconv.Itoa(served)); err != nil {
			t.Errorf("normal request %d beside the slow clients: %v", served, err)
			<-done
			break
		}
		served++
		time.Sleep(10 * time.Millisecond)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d normal requests served beside %d slow clients", served, n)
	if served == 0 {
		t.Error("no normal request was made while the slow clients were connected")
	}
	tr.CloseIdleConnections()
	settle(t, base)
}

// TestFaultResetMidRequest resets connections (SO_LINGER 0) part-way
// through a head, a body and a chunked body: the server forgets them
// without an Error record, tells the delegate of each request whose head
// it had read, leaks nothing and keeps serving.
func TestFaultResetMidRequest(t *testing.T) {
	app := &faultApp{}
	addr := serve(t, &Server{Handler: app})
	base := baseline(t, addr)
	heads0 := app.heads.Load()
	const rounds = 30
	cases := []struct {
		raw      string
		headDone bool
	}{
		{"GET /seq/1 HTTP/1.1\r\nHo", false},
		{"POST /seq/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789", true},
		{"POST /seq/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n01234", true},
	}
	withHead := int64(0)
	for i := range rounds {
		for _, tc := range cases {
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(c, tc.raw)
			if tc.headDone {
				withHead++
				waitCount(t, "heads received", &app.heads, heads0+withHead)
			} else if i%10 == 0 {
				time.Sleep(5 * time.Millisecond) // now and then, let the server read the part
			}
			resetClose(c)
		}
	}
	waitCount(t, "OnConnectionClose calls", &app.closes, withHead)
	tr := &http.Transport{}
	if err := getOK(&http.Client{Transport: tr, Timeout: 5 * time.Second}, addr, "/seq/7", "7"); err != nil {
		t.Fatalf("after the resets: %v", err)
	}
	tr.CloseIdleConnections()
	settle(t, base)
}

// TestFaultResetMidResponse resets connections that are receiving a
// response far larger than the socket buffers, after a few bytes: each
// response ends with a write error reported to its handler, the delegate
// hears of the close, nothing leaks and the server keeps serving.
func TestFaultResetMidResponse(t *testing.T) {
	app := &faultApp{}
	addr := serve(t, &Server{Handler: app})
	base := baseline(t, addr)
	const n = 20
	for range n {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
		if _, err := io.ReadFull(c, make([]byte, 300)); err != nil {
			t.Fatalf("reading the start of /stream: %v", err)
		}
		resetClose(c)
	}
	waitCount(t, "streams cut by a write error", &app.streamsCut, n)
	waitCount(t, "OnConnectionClose calls", &app.closes, n)
	tr := &http.Transport{}
	if err := getOK(&http.Client{Transport: tr, Timeout: 5 * time.Second}, addr, "/seq/8", "8"); err != nil {
		t.Fatalf("after the resets: %v", err)
	}
	tr.CloseIdleConnections()
	settle(t, base)
}

// TestFaultOversizeAndMalformed sends heads, bodies and chunk framing past
// every limit, and malformed in every field that sets the framing: each is
// answered with its status and closed, before a generous deadline.
func TestFaultOversizeAndMalformed(t *testing.T) {
	addr := serve(t, &Server{Handler: &faultApp{}, MaxRequestLineSize: 1024, MaxHeaderSize: 4096, MaxBodySize: 1000})
	base := baseline(t, addr)
	post := "POST /seq/1 HTTP/1.1\r\nHost: x\r\n"
	chunked := post + "Transfer-Encoding: chunked\r\n\r\n"
	for _, tc := range []struct {
		name, raw, status string
	}{
		{"request line over the limit", "GET /" + strings.Repeat("a", 1100) + " HTTP/1.1\r\nHost: x\r\n\r\n", "414"},
		{"request line of 1 MiB", "GET /" + strings.Repeat("a", 1<<20) + " HTTP/1.1\r\nHost: x\r\n\r\n", "414"},
		{"method of 1 MiB", strings.Repeat("G", 1<<20) + " / HTTP/1.1\r\nHost: x\r\n\r\n", "414"},
		{"one huge header", "GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("v", 5000) + "\r\n\r\n", "431"},
		{"many small headers", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-N: v\r\n", 1000) + "\r\n", "431"},
		{"endless head", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-N: v\r\n", 1<<17), "431"},
		{"Content-Length over MaxBodySize", post + "Content-Length: 1001\r\n\r\n", "413"},
		{"body over MaxBodySize sent in full", post + "Content-Length: 1048576\r\n\r\n" + strings.Repeat("b", 1<<20), "413"},
		{"Content-Length of 10^18", post + "Content-Length: 1000000000000000000\r\n\r\n", "413"},
		{"Content-Length past int64", post + "Content-Length: 99999999999999999999999\r\n\r\n", "400"},
		{"Content-Length +5", post + "Content-Length: +5\r\n\r\n12345", "400"},
		{"Content-Length -5", post + "Content-Length: -5\r\n\r\n", "400"},
		{"Content-Length 0x5", post + "Content-Length: 0x5\r\n\r\n12345", "400"},
		{"Content-Length 1e3", post + "Content-Length: 1e3\r\n\r\n", "400"},
		{"Content-Length 5 5", post + "Content-Length: 5 5\r\n\r\n12345", "400"},
		{"Content-Length 5,6", post + "Content-Length: 5,6\r\n\r\n123456", "400"},
		{"Content-Length empty", post + "Content-Length: \r\n\r\n", "400"},
		{"Content-Length non-ASCII digit", post + "Content-Length: \u0665\r\n\r\n", "400"},
		{"two Content-Lengths", post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n123456", "400"},
		{"chunk over MaxBodySize", chunked + "3e9\r\n" + strings.Repeat("c", 1001) + "\r\n0\r\n\r\n", "413"},
		{"chunk size of 2^60", chunked + "1000000000000000\r\n", "413"},
		{"chunk size of 20 digits", chunked + strings.Repeat("f", 20) + "\r\n", "400"},
		{"chunk size of 5000 zeros", chunked + strings.Repeat("0", 5000) + "1\r\nx\r\n0\r\n\r\n", "400"},
		{"chunk extension of 5000 bytes", chunked + "1;e=" + strings.Repeat("x", 5000) + "\r\nx\r\n0\r\n\r\n", "400"},
		{"many tiny chunks past MaxBodySize", chunked + strings.Repeat("1\r\nx\r\n", 1001) + "0\r\n\r\n", "413"},
		{"100,000 empty extensions", chunked + "1" + strings.Repeat(";e", 100000) + "\r\n", "400"},
		{"trailer too large", chunked + "0\r\n" + strings.Repeat("T: v\r\n", 2000) + "\r\n", "431"},
		{"chunk size not hex", chunked + "1g\r\nx\r\n0\r\n\r\n", "400"},
		{"chunk data without CRLF", chunked + "1\r\nxy\r\n0\r\n\r\n", "400"},
		{"NUL in a header value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", "400"},
		{"DEL in a header value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x7fb\r\n\r\n", "400"},
		{"ESC in a header value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x1bb\r\n\r\n", "400"},
		{"byte 0xff in a header name", "GET / HTTP/1.1\r\nHost: x\r\nX\xff: v\r\n\r\n", "400"},
		{"byte 0x80 in a header name", "GET / HTTP/1.1\r\nHost: x\r\n\x80: v\r\n\r\n", "400"},
		{"NUL in a header name", "GET / HTTP/1.1\r\nHost: x\r\nX\x00Y: v\r\n\r\n", "400"},
		{"NUL in the target", "GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
		{"byte 0xff in the target", "GET /a\xffb HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
		{"byte 0x80 in the method", "G\x80T / HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
		{"NUL in the Host", "GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n", "400"},
		{"1 MiB of NULs", strings.Repeat("\x00", 1<<20), "400"},
		{"1 MiB of 0xff", strings.Repeat("\xff", 1<<20), "400"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := exchange(t, addr, tc.raw)
			if want := "HTTP/1.1 " + tc.status + " "; !strings.HasPrefix(got, want) {
				t.Fatalf("answer = %.200q, want status %s", got, tc.status)
			}
			if !strings.Contains(got, "\r\nConnection: close\r\n") {
				t.Errorf("answer does not announce the close: %.200q", got)
			}
		})
	}
	settle(t, base)
}

// TestFaultPanics sends 1,000 requests to a handler that panics: each is
// answered 500 and the server goes on serving.
func TestFaultPanics(t *testing.T) {
	// How many panics are logged is a matter of log volume, not of this
	// test: panic records are allowed, not required.
	addr := serve(t, &Server{Handler: &faultApp{}, Logger: allowingLogger(t, "httpserver: panic in handler")})
	base := baseline(t, addr)
	const n, workers = 1000, 4
	var got500 atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n / workers {
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					errs <- err
					return
				}
				c.SetDeadline(time.Now().Add(10 * time.Second))
				io.WriteString(c, "GET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
				b, err := io.ReadAll(c)
				c.Close()
				if err != nil || !strings.HasPrefix(string(b), "HTTP/1.1 500 ") {
					errs <- fmt.Errorf("panicking handler answered %.100q, %v; want a 500", b, err)
					return
				}
				got500.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got500.Load() != n {
		t.Fatalf("%d answers of 500, want %d", got500.Load(), n)
	}
	tr := &http.Transport{}
	if err := getOK(&http.Client{Transport: tr, Timeout: 5 * time.Second}, addr, "/seq/9", "9"); err != nil {
		t.Fatalf("after %d panics: %v", n, err)
	}
	tr.CloseIdleConnections()
	settle(t, base)
}

// TestFaultClientLeavesBeforeLateAnswer has 100 clients ask for an answer
// that a timer sends later and leave first, half with a FIN and half with
// an RST: each delegate hears of the close, each late answer is refused
// with ErrConnClosed, nothing is logged and nothing leaks; a client that
// waits gets its answer.
func TestFaultClientLeavesBeforeLateAnswer(t *testing.T) {
	app := &faultApp{}
	addr := serve(t, &Server{Handler: app})
	base := baseline(t, addr)
	heads0 := app.heads.Load()
	const n = 100
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
		io.WriteString(c, "GET /later HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	waitCount(t, "heads received", &app.heads, heads0+n)
	for i, c := range conns {
		if i%2 == 0 {
			c.Close()
		} else {
			resetClose(c)
		}
	}
	waitCount(t, "OnConnectionClose calls", &app.closes, n)
	waitCount(t, "late answers refused", &app.lateRefused, n)
	if app.lateSent.Load() != 0 {
		t.Errorf("%d late answers sent to clients that had left", app.lateSent.Load())
	}

	tr := &http.Transport{}
	if err := getOK(&http.Client{Transport: tr, Timeout: 5 * time.Second}, addr, "/later", "later"); err != nil {
		t.Fatalf("a client that waits: %v", err)
	}
	tr.CloseIdleConnections()
	settle(t, base)
}

// TestFaultPipelining10000 sends 10,000 pipelined requests on one
// connection while reading promptly: 10,000 answers come back in order.
func TestFaultPipelining10000(t *testing.T) {
	addr := serve(t, &Server{Handler: &faultApp{}})
	base := baseline(t, addr)
	const n = 10000
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	sent := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(c, 32<<10)
		for i := range n {
			fmt.Fprintf(w, "GET /seq/%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
		}
		sent <- w.Flush()
	}()
	br := bufio.NewReaderSize(c, 64<<10)
	for i := range n {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || string(b) != strconv.Itoa(i) {
			t.Fatalf("response %d = %d %q, %v; want 200 %q", i, resp.StatusCode, b, err, strconv.Itoa(i))
		}
	}
	if err := <-sent; err != nil {
		t.Fatalf("sending: %v", err)
	}
	c.Close()
	settle(t, base)
}
