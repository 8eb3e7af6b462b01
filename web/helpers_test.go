package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/internal/goid"
)

// serve starts app on 127.0.0.1 under net/http and returns its base URL and
// a client; both are closed when the test ends.
func serve(t testing.TB, app *Application) (string, *http.Client) {
	t.Helper()
	srv := httptest.NewServer(app)
	client := &http.Client{
		Transport:     &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		srv.Close()
	})
	return srv.URL, client
}

// fetch sends one request and returns the response with its body read.
func fetch(t testing.TB, c *http.Client, method, url string, body string, header ...string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return resp, string(b)
}

// logRecorder is a slog.Handler that keeps the records.
type logRecorder struct {
	mu       sync.Mutex
	records  []slog.Record
	expected []string // prefixes of errors the test expects
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.records = append(l.records, r.Clone())
	l.mu.Unlock()
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

// messages returns "LEVEL message" for each record.
func (l *logRecorder) messages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records {
		out = append(out, r.Level.String()+" "+r.Message)
	}
	return out
}

// await reports whether a message starting with "LEVEL message" is logged within five
// seconds.
func (l *logRecorder) await(msg string) bool {
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		for _, m := range l.messages() {
			if strings.HasPrefix(m, msg) {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// find returns the first record whose message starts with prefix.
func (l *logRecorder) find(prefix string) (slog.Record, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.records {
		if strings.HasPrefix(r.Message, prefix) {
			return r, true
		}
	}
	return slog.Record{}, false
}

// quietSettings returns Settings logging into a new recorder, which fails
// t when it ends if an error or a panic was logged that the test did not
// expect: the messages starting with one of the prefixes in expected, or
// declared later with rec.expect.
func quietSettings(t testing.TB, expected ...string) (Settings, *logRecorder) {
	rec := newRecorder(t, expected...)
	return Settings{Logger: slog.New(rec)}, rec
}

// quietLogger is quietSettings' logger.
func quietLogger(t testing.TB, expected ...string) *slog.Logger {
	return slog.New(newRecorder(t, expected...))
}

func newRecorder(t testing.TB, expected ...string) *logRecorder {
	rec := &logRecorder{expected: expected}
	t.Cleanup(func() {
		for _, m := range rec.unexpected() {
			t.Errorf("unexpected log record: %s", m)
		}
	})
	return rec
}

// accessLine matches the access log's lines, "500 GET /x (127.0.0.1) 0.10ms".
var accessLine = regexp.MustCompile(`^[1-5][0-9][0-9] [A-Z]+ \S* \(.*\) [0-9.]+ms$`)

// expect declares that messages starting with prefix may be logged.
func (l *logRecorder) expect(prefix ...string) {
	l.mu.Lock()
	l.expected = append(l.expected, prefix...)
	l.mu.Unlock()
}

// unexpected returns the errors and panics logged that were not expected.
func (l *logRecorder) unexpected() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records {
		text := r.Message
		r.Attrs(func(a slog.Attr) bool {
			text += " " + a.Key + "=" + a.Value.String()
			return true
		})
		if r.Level < slog.LevelError && !strings.Contains(strings.ToLower(text), "panic") || accessLine.MatchString(r.Message) {
			continue // not an error, or the access log line of an error response
		}
		ok := false
		for _, p := range l.expected {
			if strings.HasPrefix(r.Message, p) {
				ok = true
				break
			}
		}
		if !ok {
			if len(text) > 300 {
				text = text[:300] + "..."
			}
			out = append(out, r.Level.String()+" "+text)
		}
	}
	return out
}

// fakeConn is an in-memory httputil.Connection. Its owner is the goroutine
// that calls run; AddCallback is safe for concurrent use.
type fakeConn struct {
	owner atomic.Int64
	mu    sync.Mutex
	queue []func()
	wake  chan struct{}

	code     int
	reason   string
	header   *httputil.Header
	body     bytes.Buffer
	writes   int // WriteHeaders and Write calls
	finished bool
	onClose  func()
}

// newFakeConn returns a fakeConn owned by the calling goroutine, which
// must be the one that serves the request and calls run.
func newFakeConn() *fakeConn {
	c := &fakeConn{wake: make(chan struct{}, 1)}
	c.owner.Store(goid.Current())
	return c
}

func (c *fakeConn) WriteHeaders(code int, reason string, h *httputil.Header, chunk []byte, cb func(error)) error {
	if c.header != nil {
		panic("fakeConn: WriteHeaders twice")
	}
	c.code, c.reason, c.header = code, reason, h.Clone()
	c.body.Write(chunk)
	c.writes++
	c.callback(cb)
	return nil
}

func (c *fakeConn) Write(chunk []byte, cb func(error)) error {
	if c.header == nil {
		panic("fakeConn: Write before WriteHeaders")
	}
	c.body.Write(chunk)
	c.writes++
	c.callback(cb)
	return nil
}

func (c *fakeConn) callback(cb func(error)) {
	if cb != nil {
		c.AddCallback(func() { cb(nil) })
	}
}

func (c *fakeConn) Finish() error {
	if c.finished {
		panic("fakeConn: Finish twice")
	}
	c.finished = true
	return nil
}

func (c *fakeConn) SetCloseCallback(f func()) { c.onClose = f }

func (c *fakeConn) AddCallback(f func()) {
	c.mu.Lock()
	c.queue = append(c.queue, f)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// OnOwner implements httputil.OwnerChecker.
func (c *fakeConn) OnOwner() bool { return c.owner.Load() == goid.Current() }

// run runs callbacks until the response is finished (or five seconds pass).
func (c *fakeConn) run(t testing.TB) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		q := c.queue
		c.queue = nil
		c.mu.Unlock()
		for _, f := range q {
			f()
		}
		if c.finished && len(q) == 0 {
			return
		}
		if len(q) > 0 {
			continue
		}
		select {
		case <-c.wake:
		case <-timeout:
			t.Fatal("fakeConn: response not finished")
		}
	}
}

// newRequest returns a ServerRequest for method and uri.
func newRequest(method, uri string, header ...string) *httputil.ServerRequest {
	req := &httputil.ServerRequest{
		Method: method, URI: uri, Version: "HTTP/1.1",
		RemoteIP: "127.0.0.1", Protocol: "http", Host: "example.com", HostName: "example.com",
		StartTime: time.Now(),
	}
	req.Path, req.Query, _ = strings.Cut(uri, "?")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
		if header[i] == "Host" {
			req.Host, req.HostName = header[i+1], httputil.HostName(header[i+1])
		}
	}
	return req
}

// serveFake serves req through the MessageDelegate on a fakeConn, running
// its callbacks until the response finishes.
func serveFake(t testing.TB, app *Application, req *httputil.ServerRequest, body string) *fakeConn {
	t.Helper()
	c := newFakeConn()
	d := app.StartRequest(c)
	if err := d.HeadersReceived(req); err != nil {
		t.Fatalf("HeadersReceived: %v", err)
	}
	if body != "" {
		if err := d.DataReceived([]byte(body)); err != nil {
			t.Fatalf("DataReceived: %v", err)
		}
	}
	d.Finish()
	c.run(t)
	return c
}

type slogAttr = slog.Attr
