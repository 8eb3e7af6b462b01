package httpserver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// serve runs srv on 127.0.0.1:0 with one loop until the test ends, and
// returns its address. Without a Logger, srv gets one from newTestLogger
// that expects nothing: an error the test did not declare fails it.
func serve(t testing.TB, srv *Server) string {
	t.Helper()
	if srv.Loops == 0 {
		srv.Loops = 1
	}
	if srv.Logger == nil {
		srv.Logger = newTestLogger(t)
	}
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown() = %v", err)
		}
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve() = %v", err)
		}
	})
	return srv.Addr().String()
}

// testApp is a small delegate: the path picks the behaviour.
type testApp struct {
	mu     sync.Mutex
	closed []string // paths whose client left mid-request
}

func (a *testApp) StartRequest(c httputil.Connection) httputil.MessageDelegate {
	return &testReq{app: a, conn: c}
}

type testReq struct {
	app  *testApp
	conn httputil.Connection
	req  *httputil.ServerRequest
	body []byte
}

func (r *testReq) HeadersReceived(req *httputil.ServerRequest) error {
	r.req = req
	return nil
}

func (r *testReq) DataReceived(b []byte) error {
	r.body = append(r.body, b...)
	return nil
}

func (r *testReq) OnConnectionClose() {
	r.app.mu.Lock()
	r.app.closed = append(r.app.closed, r.req.Path)
	r.app.mu.Unlock()
}

func (r *testReq) respond(code int, body string) {
	var h httputil.Header
	h.Set("Content-Type", "text/plain")
	h.Set("Content-Length", itoa(len(body)))
	r.conn.WriteHeaders(code, "", &h, []byte(body), nil)
	r.conn.Finish()
}

func (r *testReq) Finish() {
	switch r.req.Path {
	case "/echo":
		r.respond(200, string(r.body))
	case "/chunked":
		var h httputil.Header
		r.conn.WriteHeaders(200, "", &h, []byte("one,"), nil)
		r.conn.Write([]byte("two,"), nil)
		r.conn.Write([]byte("three"), nil)
		r.conn.Finish()
	case "/nocontent":
		var h httputil.Header
		r.conn.WriteHeaders(204, "", &h, nil, nil)
		r.conn.Finish()
	case "/panic":
		panic("handler exploded")
	case "/detach":
		go func() {
			time.Sleep(20 * time.Millisecond)
			r.conn.AddCallback(func() { r.respond(200, "later") })
		}()
	case "/hang":
		// never answers; the client will leave
	case "/big":
		// A head and a first chunk too large to be built in the output
		// queue's free space, then a chunked body in three sizes.
		var h httputil.Header
		h.Set("X-Big", strings.Repeat("h", 20<<10))
		r.conn.WriteHeaders(200, "", &h, bytes.Repeat([]byte("a"), 100<<10), nil)
		r.conn.Write([]byte("b"), nil)
		r.conn.Write(bytes.Repeat([]byte("c"), 40<<10), nil)
		r.conn.Finish()
	case "/info":
		r.respond(200, r.req.RemoteIP+" "+r.req.Protocol+" "+r.req.Host+" "+r.req.HostName)
	default:
		r.respond(200, "Hello, World!")
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// rawExchange sends raw bytes and returns everything the server sends
// until it closes or goes quiet.
func rawExchange(t testing.TB, addr, raw string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte(raw))
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, _ := io.ReadAll(c)
	return string(b)
}

// readResponse reads one response from br.
func readResponse(t testing.TB, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp, string(b)
}

func statusOf(resp string) string {
	line, _, _ := strings.Cut(resp, "\r\n")
	return line
}

// newTestLogger returns a logger that keeps what it is given and, when the
// test ends, fails it on every record at Error level or mentioning a panic
// that does not contain one of expect, and on every expect no record
// contained. Its cleanup runs after that of a server served later (the
// server has stopped logging by then).
func newTestLogger(t testing.TB, expect ...string) *slog.Logger {
	tl := &testLog{expect: expect, seen: make([]bool, len(expect))}
	t.Cleanup(func() {
		tl.mu.Lock()
		defer tl.mu.Unlock()
		for _, line := range tl.unexpected {
			t.Errorf("unexpected log record: %s", line)
		}
		for i, e := range tl.expect {
			if !tl.seen[i] {
				t.Errorf("no log record contains %q; the log:\n%s", e, strings.Join(tl.all, ""))
			}
		}
	})
	return slog.New(&testLogHandler{tl, slog.NewTextHandler(&tl.buf, &slog.HandlerOptions{Level: slog.LevelDebug})})
}

type testLog struct {
	mu         sync.Mutex
	buf        bytes.Buffer // the record being formatted
	expect     []string
	seen       []bool
	all        []string // every record, formatted
	unexpected []string
	observe    func(line string) // sees every record, if set
}

type slogLogger = slog.Logger

// newTestLoggerWith is newTestLogger with observe called on every record.
func newTestLoggerWith(t testing.TB, observe func(line string), expect ...string) *slog.Logger {
	l := newTestLogger(t, expect...)
	l.Handler().(*testLogHandler).log.observe = observe
	return l
}

// testLogHandler formats records with a TextHandler and sorts them as
// expected or not. It never calls the test, so a record that comes late
// cannot break it.
type testLogHandler struct {
	log   *testLog
	inner slog.Handler
}

func (h *testLogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *testLogHandler) Handle(ctx context.Context, r slog.Record) error {
	tl := h.log
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.buf.Reset()
	if err := h.inner.Handle(ctx, r); err != nil {
		return err
	}
	line := tl.buf.String()
	tl.all = append(tl.all, line)
	if tl.observe != nil {
		tl.observe(line)
	}
	if r.Level < slog.LevelError && !strings.Contains(strings.ToLower(line), "panic") {
		return nil
	}
	for i, e := range tl.expect {
		if strings.Contains(line, e) {
			tl.seen[i] = true
			return nil
		}
	}
	tl.unexpected = append(tl.unexpected, line)
	return nil
}

func (h *testLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &testLogHandler{h.log, h.inner.WithAttrs(as)}
}

func (h *testLogHandler) WithGroup(name string) slog.Handler {
	return &testLogHandler{h.log, h.inner.WithGroup(name)}
}
