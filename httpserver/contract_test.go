package httpserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/iostream"
)

// funcApp serves every request with its hooks: headers (may be nil) from
// the delegate's HeadersReceived, finish from its Finish, onClose (may be
// nil) from its OnConnectionClose.
type funcApp struct {
	headers func(c httputil.Connection, req *httputil.ServerRequest) error
	finish  func(c httputil.Connection, req *httputil.ServerRequest)
	onClose func()
}

func (a *funcApp) StartRequest(c httputil.Connection) httputil.MessageDelegate {
	return &funcReq{app: a, conn: c}
}

type funcReq struct {
	app  *funcApp
	conn httputil.Connection
	req  *httputil.ServerRequest
}

func (r *funcReq) HeadersReceived(req *httputil.ServerRequest) error {
	r.req = req
	if r.app.headers != nil {
		return r.app.headers(r.conn, req)
	}
	return nil
}

func (r *funcReq) DataReceived([]byte) error { return nil }
func (r *funcReq) Finish()                   { r.app.finish(r.conn, r.req) }

func (r *funcReq) OnConnectionClose() {
	if r.app.onClose != nil {
		r.app.onClose()
	}
}

// respond sends a complete response with a Content-Length.
func respond(c httputil.Connection, code int, body string) {
	var h httputil.Header
	h.Set("Content-Length", itoa(len(body)))
	c.WriteHeaders(code, "", &h, []byte(body), nil)
	c.Finish()
}

// readUntil reads from c until what it has read contains want, and
// returns it all; it fails the test on an error or after five seconds.
func readUntil(t *testing.T, c net.Conn, want string) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var got []byte
	buf := make([]byte, 4096)
	for i := 0; i < 10000 && !strings.Contains(string(got), want); i++ {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil && !strings.Contains(string(got), want) {
			t.Fatalf("read %q, then %v; want %q", got, err, want)
		}
	}
	return string(got)
}

// wait receives from ch, failing the test after five seconds.
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// TestCallsAfterClientLeft is the regression test for a response that is
// finished after its client went away: Finish used the request state the
// close had already dropped, and panicked on the loop.
func TestCallsAfterClientLeft(t *testing.T) {
	conns := make(chan httputil.Connection, 1)
	closed := make(chan struct{}, 1)
	app := &funcApp{
		finish: func(c httputil.Connection, _ *httputil.ServerRequest) {
			var h httputil.Header
			c.WriteHeaders(200, "", &h, []byte("first part"), nil) // chunked; not finished
			conns <- c
		},
		onClose: func() { closed <- struct{}{} },
	}
	addr := serve(t, &Server{Handler: app})
	cl, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	cl.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	readUntil(t, cl, "first part")
	cl.Close()
	wait(t, closed, "OnConnectionClose")
	c := wait(t, conns, "the connection")

	type result struct {
		name string
		err  error
	}
	results := make(chan []result, 1)
	c.AddCallback(func() {
		var h httputil.Header
		h.Set("Content-Length", "2")
		var rs []result
		rs = append(rs, result{"Finish", c.Finish()})
		rs = append(rs, result{"Write", c.Write([]byte("more"), func(error) { t.Error("Write's callback ran") })})
		rs = append(rs, result{"WriteHeaders", c.WriteHeaders(200, "", &h, []byte("ok"), nil)})
		rs = append(rs, result{"Finish again", c.Finish()})
		if d, ok := c.(httputil.Detacher); ok {
			_, err := d.Detach()
			rs = append(rs, result{"Detach", err})
		}
		results <- rs
	})
	for _, r := range wait(t, results, "the calls on the loop (did one panic?)") {
		if !errors.Is(r.err, httputil.ErrConnClosed) {
			t.Errorf("%s after the client left = %v, want %v", r.name, r.err, httputil.ErrConnClosed)
		}
	}
}

func TestSentinelsAreShared(t *testing.T) {
	for _, tc := range []struct{ ours, shared error }{
		{ErrHeadersWritten, httputil.ErrHeadersWritten},
		{ErrFinished, httputil.ErrFinished},
		{ErrNotStarted, httputil.ErrNotStarted},
		{ErrContentLength, httputil.ErrContentLength},
		{ErrConnClosed, httputil.ErrConnClosed},
	} {
		if !errors.Is(tc.ours, tc.shared) {
			t.Errorf("errors.Is(%v, %v) = false", tc.ours, tc.shared)
		}
	}
}

// TestWriteHeadersRefusesUnsafeHeader tries response heads that would
// split the response or carry a control character, then sends a good one:
// each bad one must be refused with nothing sent, so the client sees only
// the good response.
func TestWriteHeadersRefusesUnsafeHeader(t *testing.T) {
	bad := []struct {
		name, value string
		want        error
	}{
		{"Bad Name", "v", httputil.ErrUnsafeHeader},
		{"X-Injected\r\nSet-Cookie", "a=1", httputil.ErrUnsafeHeader},
		{"X-Split", "a\r\nSet-Cookie: a=1", httputil.ErrUnsafeHeader},
		{"X-Lf", "a\nb", httputil.ErrUnsafeHeader},
		{"X-Nul", "a\x00b", httputil.ErrUnsafeHeader},
		{"X-Del", "a\x7fb", httputil.ErrUnsafeHeader},
		{"Content-Length", "abc", httputil.ErrContentLength},
		{"Content-Length", "1", httputil.ErrContentLength}, // shorter than the first chunk
	}
	app := &funcApp{finish: func(c httputil.Connection, _ *httputil.ServerRequest) {
		var report strings.Builder
		for _, b := range bad {
			var h httputil.Header
			h.Set("X-Before", "fine")
			h.Add(b.name, b.value)
			err := c.WriteHeaders(200, "", &h, []byte("leaked body"), nil)
			if !errors.Is(err, b.want) {
				fmt.Fprintf(&report, "WriteHeaders with %q: %q = %v, want %v\n", b.name, b.value, err, b.want)
			}
		}
		if report.Len() == 0 {
			report.WriteString("all refused")
		}
		var h httputil.Header
		h.Set("X-Ok", "a\tb\xff") // a tab and obs-text are allowed
		h.Set("Content-Length", itoa(report.Len()))
		if err := c.WriteHeaders(200, "", &h, []byte(report.String()), nil); err != nil {
			t.Errorf("WriteHeaders after the refusals = %v", err)
		}
		c.Finish()
	}}
	addr := serve(t, &Server{Handler: app})
	got := rawExchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if n := strings.Count(got, "HTTP/1.1 "); n != 1 || strings.Contains(got, "leaked") || strings.Contains(got, "Set-Cookie") {
		t.Fatalf("response = %q, want one response with nothing of the refused ones", got)
	}
	if !strings.HasSuffix(got, "\r\n\r\nall refused") || !strings.Contains(got, "X-Ok: a\tb\xff\r\n") {
		t.Fatalf("response = %q", got)
	}
}

func TestServerReasonPhrases(t *testing.T) {
	app := &funcApp{finish: func(c httputil.Connection, req *httputil.ServerRequest) {
		var h httputil.Header
		h.Set("Content-Length", "0")
		switch req.Path {
		case "/teapot":
			c.WriteHeaders(418, "", &h, nil, nil)
		case "/unknown":
			c.WriteHeaders(299, "", &h, nil, nil)
		case "/markup":
			c.WriteHeaders(400, "<script>", &h, nil, nil)
		case "/own":
			c.WriteHeaders(200, "Fine Indeed", &h, nil, nil)
		}
		c.Finish()
	}}
	addr := serve(t, &Server{Handler: app})
	for path, want := range map[string]string{
		"/teapot":  "HTTP/1.1 418 " + httputil.StatusText(418),
		"/unknown": "HTTP/1.1 299 Unknown",
		"/markup":  "HTTP/1.1 400 Unknown",
		"/own":     "HTTP/1.1 200 Fine Indeed",
	} {
		got := rawExchange(t, addr, "GET "+path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if statusOf(got) != want {
			t.Errorf("GET %s: status line %q, want %q", path, statusOf(got), want)
		}
	}
}

// statusErr is an error that names its status, as web.HTTPError does.
type statusErr int

func (e statusErr) Error() string   { return "status " + itoa(int(e)) }
func (e statusErr) HTTPStatus() int { return int(e) }

var _ httputil.StatusCoder = statusErr(0)

func TestRejectWithStatusCoder(t *testing.T) {
	app := &funcApp{
		headers: func(_ httputil.Connection, req *httputil.ServerRequest) error {
			switch req.Path {
			case "/forbidden":
				return fmt.Errorf("checking: %w", statusErr(403))
			case "/unknown":
				return statusErr(499)
			case "/redirect":
				return statusErr(302) // not an error status
			}
			return errors.New("plain error")
		},
		finish: func(c httputil.Connection, _ *httputil.ServerRequest) { respond(c, 200, "unexpected") },
	}
	addr := serve(t, &Server{Handler: app})
	for path, want := range map[string]string{
		"/forbidden": "HTTP/1.1 403 Forbidden",
		"/unknown":   "HTTP/1.1 499 Unknown",
		"/redirect":  "HTTP/1.1 400 Bad Request",
		"/plain":     "HTTP/1.1 400 Bad Request",
	} {
		got := rawExchange(t, addr, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		if statusOf(got) != want {
			t.Errorf("GET %s: status line %q, want %q", path, statusOf(got), want)
		}
	}
}

func TestOwnerAndScheduler(t *testing.T) {
	type report struct {
		onOwner, stopCancelled, stopAgain, stopAfterRun bool
		conn                                            httputil.Connection
	}
	reports := make(chan report, 1)
	app := &funcApp{finish: func(c httputil.Connection, _ *httputil.ServerRequest) {
		var r report
		r.conn = c
		r.onOwner = c.(httputil.OwnerChecker).OnOwner()
		s := c.(httputil.Scheduler)
		stopNever := s.CallLater(time.Hour, func() { t.Error("a cancelled call ran") })
		r.stopCancelled = stopNever()
		r.stopAgain = stopNever()
		var stop func() bool
		stop = s.CallLater(10*time.Millisecond, func() {
			r.stopAfterRun = stop()
			respond(c, 200, "later")
			reports <- r
		})
	}}
	addr := serve(t, &Server{Handler: app})
	got := rawExchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.HasSuffix(got, "\r\n\r\nlater") {
		t.Fatalf("response = %q", got)
	}
	r := wait(t, reports, "the report")
	if !r.onOwner {
		t.Error("OnOwner() on the loop = false")
	}
	if r.conn.(httputil.OwnerChecker).OnOwner() {
		t.Error("OnOwner() on the test goroutine = true")
	}
	if !r.stopCancelled || r.stopAgain || r.stopAfterRun {
		t.Errorf("stop() = %v, then %v; after the run %v; want true, false, false",
			r.stopCancelled, r.stopAgain, r.stopAfterRun)
	}
}

// TestDetach upgrades a connection: the delegate answers 101 and detaches
// the stream, from its Finish or later from a callback, and the stream
// then echoes what the client sends, raw, including an HTTP request the
// server must not answer.
func TestDetach(t *testing.T) {
	for _, later := range []bool{false, true} {
		name := "in Finish"
		if later {
			name = "later"
		}
		t.Run(name, func(t *testing.T) { testDetach(t, later) })
	}
}

func testDetach(t *testing.T, later bool) {
	var closedCalls atomic.Int32
	errs := make(chan []string, 1)
	conns := make(chan httputil.Connection, 1)
	upgrade := func(c httputil.Connection) {
		var problems []string
		check := func(what string, err, want error) {
			if !errors.Is(err, want) {
				problems = append(problems, fmt.Sprintf("%s = %v, want %v", what, err, want))
			}
		}
		d := c.(httputil.Detacher)
		_, err := d.Detach()
		check("Detach before WriteHeaders", err, httputil.ErrNotStarted)
		var h httputil.Header
		h.Set("Upgrade", "echo")
		h.Set("Connection", "Upgrade")
		if err := c.WriteHeaders(101, "", &h, nil, nil); err != nil {
			problems = append(problems, fmt.Sprintf("WriteHeaders = %v", err))
		}
		tr, err := d.Detach()
		check("Detach", err, nil)
		st, ok := tr.(*iostream.Stream)
		if !ok {
			problems = append(problems, fmt.Sprintf("Detach gave a %T", tr))
			errs <- problems
			return
		}
		_, err = d.Detach()
		check("Detach again", err, httputil.ErrConnClosed)
		check("Write after Detach", c.Write([]byte("x"), nil), httputil.ErrConnClosed)
		check("Finish after Detach", c.Finish(), httputil.ErrConnClosed)
		check("WriteHeaders after Detach", c.WriteHeaders(200, "", &h, nil, nil), httputil.ErrConnClosed)
		errs <- problems
		conns <- c
		echo(st, 2)
	}
	app := &funcApp{
		onClose: func() { closedCalls.Add(1) },
		finish: func(c httputil.Connection, _ *httputil.ServerRequest) {
			if later {
				// Reading is paused by then, with the client's first
				// message buffered.
				c.AddCallback(func() { upgrade(c) })
				return
			}
			upgrade(c)
		},
	}
	// Short timeouts that would close the connection, were it still the
	// server's.
	addr := serve(t, &Server{Handler: app, IdleTimeout: 50 * time.Millisecond, HeaderTimeout: 50 * time.Millisecond})
	cl, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	// The first message comes in the same write as the request.
	cl.Write([]byte("GET /up HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\none\r\n\r\n"))
	for _, p := range wait(t, errs, "the delegate") {
		t.Error(p)
	}
	c := wait(t, conns, "the connection")
	got := readUntil(t, cl, "raw:one\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 101 Switching Protocols\r\n") || !strings.Contains(got, "\r\n\r\nraw:one\r\n\r\n") {
		t.Fatalf("response = %q", got)
	}
	// Then an HTTP request, now mere bytes for the stream's owner.
	cl.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	cl.SetReadDeadline(time.Now().Add(5 * time.Second))
	rest, err := io.ReadAll(bufio.NewReader(cl))
	if err != nil {
		t.Fatalf("reading until the owner closes: %v", err)
	}
	if want := "raw:GET / HTTP/1.1\r\nHost: x\r\n\r\n"; string(rest) != want {
		t.Fatalf("after the upgrade = %q, want %q", rest, want)
	}
	// The owner closed the stream; a callback queued now runs after the
	// close callback would have.
	synced := make(chan struct{})
	c.AddCallback(func() { close(synced) })
	wait(t, synced, "the loop")
	if n := closedCalls.Load(); n != 0 {
		t.Errorf("OnConnectionClose called %d times after Detach", n)
	}
}

// echo reads n messages ending in a blank line from st and writes each
// back after "raw:", then closes st. Runs on st's loop.
func echo(st *iostream.Stream, n int) {
	st.ReadUntil([]byte("\r\n\r\n"), 4096, func(data []byte, err error) {
		if err != nil {
			st.Close()
			return
		}
		st.Write(append([]byte("raw:"), data...), nil)
		if n == 1 {
			st.Write(nil, func(error) { st.Close() })
			return
		}
		echo(st, n-1)
	})
}

func TestDetachBeforeRequestReadIsRefused(t *testing.T) {
	results := make(chan error, 1)
	app := &funcApp{
		headers: func(c httputil.Connection, _ *httputil.ServerRequest) error {
			var h httputil.Header
			h.Set("Content-Length", "2")
			c.WriteHeaders(200, "", &h, []byte("no"), nil)
			_, err := c.(httputil.Detacher).Detach()
			results <- err
			return nil
		},
		finish: func(c httputil.Connection, _ *httputil.ServerRequest) { c.Finish() },
	}
	addr := serve(t, &Server{Handler: app})
	got := rawExchange(t, addr, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
	if err := wait(t, results, "Detach"); !errors.Is(err, httputil.ErrNotSupported) {
		t.Errorf("Detach in HeadersReceived = %v, want %v", err, httputil.ErrNotSupported)
	}
	if !strings.HasSuffix(got, "\r\n\r\nno") {
		t.Errorf("response = %q", got)
	}
}

func TestZeroAndNegativeLimits(t *testing.T) {
	var zero Server
	neg := Server{HeaderTimeout: -1, IdleTimeout: -1, BodyTimeout: -1, MaxBodySize: -1, MaxHeaderSize: -1}
	set := Server{HeaderTimeout: time.Second, IdleTimeout: 2 * time.Second, BodyTimeout: 3 * time.Second, MaxBodySize: 10, MaxHeaderSize: 20}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"zero headerTimeout", zero.headerTimeout(), DefaultHeaderTimeout},
		{"zero idleTimeout", zero.idleTimeout(), DefaultIdleTimeout},
		{"zero bodyTimeout", zero.bodyTimeout(), DefaultBodyTimeout},
		{"zero maxBodySize", zero.maxBodySize(), int64(httputil.DefaultMaxBodySize)},
		{"zero maxHeaderSize", zero.maxHeaderSize(), DefaultMaxHeaderSize},
		{"negative headerTimeout", neg.headerTimeout() < 0, true},
		{"negative idleTimeout", neg.idleTimeout() < 0, true},
		{"negative bodyTimeout", neg.bodyTimeout() < 0, true},
		{"negative maxBodySize", neg.maxBodySize(), int64(httputil.DefaultMaxBodySize)},
		{"negative maxHeaderSize", neg.maxHeaderSize(), DefaultMaxHeaderSize},
		{"set headerTimeout", set.headerTimeout(), time.Second},
		{"set idleTimeout", set.idleTimeout(), 2 * time.Second},
		{"set bodyTimeout", set.bodyTimeout(), 3 * time.Second},
		{"set maxBodySize", set.maxBodySize(), int64(10)},
		{"set maxHeaderSize", set.maxHeaderSize(), 20},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

// TestBodyTimeout sends half a body on one connection and half a head on
// another, whose header timeout is short: once the second is answered 408
// the sweep has passed the first's body deadline too, if it has one.
func TestBodyTimeout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		want    string // the slow body's answer
	}{
		{"short", 200 * time.Millisecond, "HTTP/1.1 408 Request Timeout"},
		{"negative is none", -1, "HTTP/1.1 200 OK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := serve(t, &Server{Handler: &testApp{}, BodyTimeout: tc.timeout, HeaderTimeout: 200 * time.Millisecond})
			body, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer body.Close()
			body.Write([]byte("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\nhello"))
			// A request on the same server shows the body has been seen
			// (and its deadline set) before the marker's head begins.
			if got := rawExchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); statusOf(got) != "HTTP/1.1 200 OK" {
				t.Fatalf("plain request = %q", got)
			}
			if got := rawExchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n"); statusOf(got) != "HTTP/1.1 408 Request Timeout" {
				t.Fatalf("half a head = %q, want 408", got)
			}
			body.Write([]byte("world"))
			body.SetReadDeadline(time.Now().Add(5 * time.Second))
			got, err := io.ReadAll(body)
			if err != nil {
				t.Fatalf("reading the answer: %v", err)
			}
			if statusOf(string(got)) != tc.want {
				t.Fatalf("slow body answered %q, want %s", got, tc.want)
			}
			if tc.timeout < 0 && !strings.HasSuffix(string(got), "helloworld") {
				t.Fatalf("slow body echoed %q", got)
			}
		})
	}
}

// TestMaxPhraseBoundsStatusText keeps headSize's bound true: a longer
// phrase would make the head outgrow the space it is built in.
func TestMaxPhraseBoundsStatusText(t *testing.T) {
	for code := 100; code < 600; code++ {
		if n := len(httputil.Reason(code, "")); n > maxPhrase {
			t.Errorf("len(Reason(%d, \"\")) = %d, more than maxPhrase (%d)", code, n, maxPhrase)
		}
	}
}

// closeLimitApp's requests set a body limit from their close hook, as a
// streaming handler's OnConnectionClose may.
type closeLimitApp struct{ got chan any }

func (a *closeLimitApp) StartRequest(c httputil.Connection) httputil.MessageDelegate {
	return &closeLimitReq{a: a, c: c}
}

type closeLimitReq struct {
	a *closeLimitApp
	c httputil.Connection
}

func (r *closeLimitReq) HeadersReceived(*httputil.ServerRequest) error { return nil }
func (r *closeLimitReq) DataReceived([]byte) error                     { return nil }
func (r *closeLimitReq) Finish()                                       {}
func (r *closeLimitReq) OnConnectionClose() {
	defer func() { r.a.got <- recover() }()
	r.c.(httputil.BodyController).SetMaxBodySize(1)
}

// TestSetMaxBodySizeFromCloseHook: the client leaves in the middle of a
// body, of either framing, and the close hook sets a body limit: nothing
// applies any more, and nothing panics.
func TestSetMaxBodySizeFromCloseHook(t *testing.T) {
	for name, head := range map[string]string{
		"content-length": "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc",
		"chunked":        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			a := &closeLimitApp{got: make(chan any, 1)}
			addr := serve(t, &Server{Handler: a})
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(c, head); err != nil {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
			c.Close()
			select {
			case p := <-a.got:
				if p != nil {
					t.Fatalf("SetMaxBodySize in OnConnectionClose panicked: %v", p)
				}
			case <-time.After(3 * time.Second):
				t.Fatal("no OnConnectionClose")
			}
		})
	}
}
