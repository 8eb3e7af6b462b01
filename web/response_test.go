package web

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// funcHandler runs the function in its "f" argument as its Get and Post.
type funcHandler struct {
	RequestHandler
	f func(h *funcHandler) error
}

func (h *funcHandler) Initialize(args Args) error {
	h.f = args["f"].(func(h *funcHandler) error)
	return nil
}

func (h *funcHandler) Get() error  { return h.f(h) }
func (h *funcHandler) Post() error { return h.f(h) }

// fn returns the rule serving pattern with f.
func fn(pattern string, f func(h *funcHandler) error) Rule {
	return R[funcHandler](pattern, Args{"f": f})
}

func TestHeaders(t *testing.T) {
	settings, rec := quietSettings(t, "Uncaught exception GET /", "500 GET /")
	app := NewApplication([]Rule{
		fn(`/ok`, func(h *funcHandler) error {
			h.SetHeader("X-One", "1")
			h.AddHeader("X-Multi", "a")
			h.AddHeader("X-Multi", "b")
			h.SetHeader("X-Gone", "x")
			h.ClearHeader("X-Gone")
			h.SetHeader("X-Tab", "a\tb")
			return nil
		}),
		fn(`/crlf`, func(h *funcHandler) error {
			h.SetHeader("X-Evil", "a\r\nSet-Cookie: pwned=1")
			return h.Finish("should not be sent")
		}),
		fn(`/lf`, func(h *funcHandler) error { h.AddHeader("X-Evil", "a\nb"); return nil }),
		fn(`/nul`, func(h *funcHandler) error { h.SetHeader("X-Evil", "a\x00b"); return nil }),
		fn(`/name`, func(h *funcHandler) error { h.SetHeader("X Evil", "a"); return nil }),
		fn(`/status`, func(h *funcHandler) error { h.SetStatus(299); return nil }),
		fn(`/reason`, func(h *funcHandler) error { h.SetStatus(299, "Custom"); return nil }),
		fn(`/badreason`, func(h *funcHandler) error { h.SetStatus(200, "a\r\nb"); return nil }),
		fn(`/nobody`, func(h *funcHandler) error { h.SetStatus(204); return h.Finish("x") }),
		fn(`/flushbad`, func(h *funcHandler) error {
			h.SetHeader("X-Evil", "\n")
			if err := h.Flush(nil); !errors.Is(err, ErrUnsafeHeader) {
				return fmt.Errorf("Flush = %v, want ErrUnsafeHeader", err)
			}
			return nil
		}),
	}, settings)
	base, c := serve(t, app)

	resp, _ := fetch(t, c, "GET", base+"/ok", "")
	if got := resp.Header.Values("X-Multi"); strings.Join(got, ",") != "a,b" || resp.Header.Get("X-One") != "1" ||
		resp.Header.Get("X-Tab") != "a\tb" || resp.Header.Get("X-Gone") != "" {
		t.Errorf("GET /ok headers = %v", resp.Header)
	}
	if resp.Header.Get("Server") != "GoTornado" || resp.Header.Get("Content-Type") != "text/html; charset=UTF-8" {
		t.Errorf("GET /ok default headers = %v", resp.Header)
	}
	for _, path := range []string{"/crlf", "/lf", "/nul", "/name", "/flushbad"} {
		t.Run(path, func(t *testing.T) {
			resp, body := fetch(t, c, "GET", base+path, "")
			if resp.StatusCode != 500 {
				t.Errorf("GET %s = %d, want 500", path, resp.StatusCode)
			}
			if resp.Header.Get("X-Evil") != "" || resp.Header.Get("Set-Cookie") != "" || strings.Contains(body, "should not") {
				t.Errorf("GET %s sent refused output: %v %q", path, resp.Header, body)
			}
		})
	}
	if _, ok := rec.find("Uncaught exception GET /crlf"); !ok {
		t.Errorf("refused header not logged: %q", rec.messages())
	}
	cf := serveFake(t, app, newRequest("GET", "/reason"), "")
	if cf.code != 299 || cf.reason != "Custom" {
		t.Errorf("SetStatus(299, Custom) sent %d %q", cf.code, cf.reason)
	}
	// Tornado sends an unknown code as "Unknown", and refuses a reason that
	// could split the response or carry markup by sending "Unknown". The
	// body of a 204 is dropped (Tornado 6.2 fails such a response with a
	// 500 instead).
	for _, tc := range []struct{ path, reason, body string }{
		{"/status", "Unknown", ""},
		{"/badreason", "Unknown", ""},
		{"/nobody", "No Content", ""},
	} {
		cf := serveFake(t, app, newRequest("GET", tc.path), "")
		if cf.reason != tc.reason || cf.body.String() != tc.body || cf.code == 500 {
			t.Errorf("GET %s sent %d %q %q, want reason %q body %q", tc.path, cf.code, cf.reason, cf.body.String(), tc.reason, tc.body)
		}
	}
}

func TestWrite(t *testing.T) {
	type point struct {
		X, Y int
	}
	settings, _ := quietSettings(t, "Uncaught exception GET /", "500 GET /")
	app := NewApplication([]Rule{
		fn(`/parts`, func(h *funcHandler) error {
			h.WriteString("a")
			h.Write([]byte("b"))
			return h.Finish("c")
		}),
		fn(`/map`, func(h *funcHandler) error { return h.WriteJSON(map[string]any{"a": 1, "b": "<x>"}) }),
		fn(`/struct`, func(h *funcHandler) error { return h.WriteJSON(point{1, 2}) }),
		fn(`/ptr`, func(h *funcHandler) error { return h.WriteJSON(&point{3, 4}) }),
		fn(`/json-then-type`, func(h *funcHandler) error {
			h.WriteJSON(map[string]int{"a": 1})
			h.SetHeader("Content-Type", "text/javascript")
			return nil
		}),
		fn(`/slice`, func(h *funcHandler) error {
			err := h.WriteJSON([]int{1, 2})
			if !errors.Is(err, ErrWriteType) {
				return fmt.Errorf("Write(slice) = %v", err)
			}
			return nil // ignored: the recorded error still fails the response
		}),
		fn(`/int`, func(h *funcHandler) error { return h.WriteJSON(42) }),
		fn(`/nil`, func(h *funcHandler) error { return h.WriteJSON(nil) }),
		fn(`/chan`, func(h *funcHandler) error { return h.WriteJSON(map[string]any{"c": make(chan int)}) }),
	}, settings)
	base, c := serve(t, app)
	tests := []struct {
		path  string
		code  int
		body  string
		ctype string
	}{
		{"/parts", 200, "abc", "text/html; charset=UTF-8"},
		{"/map", 200, `{"a":1,"b":"\u003cx\u003e"}`, "application/json; charset=UTF-8"},
		{"/struct", 200, `{"X":1,"Y":2}`, "application/json; charset=UTF-8"},
		{"/ptr", 200, `{"X":3,"Y":4}`, "application/json; charset=UTF-8"},
		{"/json-then-type", 200, `{"a":1}`, "text/javascript"},
		{"/slice", 500, "", ""},
		{"/int", 500, "", ""},
		{"/nil", 500, "", ""},
		{"/chan", 500, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := fetch(t, c, "GET", base+tt.path, "")
			if resp.StatusCode != tt.code {
				t.Fatalf("GET %s = %d %q, want %d", tt.path, resp.StatusCode, body, tt.code)
			}
			if tt.code != 200 {
				return
			}
			if body != tt.body || resp.Header.Get("Content-Type") != tt.ctype {
				t.Errorf("GET %s = %q (%s), want %q (%s)", tt.path, body, resp.Header.Get("Content-Type"), tt.body, tt.ctype)
			}
			if resp.ContentLength != int64(len(tt.body)) {
				t.Errorf("GET %s Content-Length = %d, want %d", tt.path, resp.ContentLength, len(tt.body))
			}
		})
	}
}

// dialSend connects to base, sends raw, and returns the connection, which
// times out after d.
func dialSend(t *testing.T, base, raw string, d time.Duration) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(d))
	if _, err := io.WriteString(conn, raw); err != nil {
		conn.Close()
		t.Fatal(err)
	}
	return conn
}

// rawRequest sends raw on a new TCP connection to base and returns the whole
// response (the server closes after it, as raw asks).
func rawRequest(t *testing.T, base, raw string) string {
	t.Helper()
	conn := dialSend(t, base, raw, 5*time.Second)
	defer conn.Close()
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	return string(b)
}

func TestFlush(t *testing.T) {
	settings, _ := quietSettings(t)
	release := make(chan struct{})
	var mu sync.Mutex
	var flushed []error
	app := NewApplication([]Rule{
		fn(`/stream`, func(h *funcHandler) error {
			for i := 0; i < 3; i++ {
				h.WriteString(fmt.Sprintf("part%d;", i))
				if err := h.Flush(func(err error) { mu.Lock(); flushed = append(flushed, err); mu.Unlock() }); err != nil {
					return err
				}
			}
			h.Flush(nil) // nothing buffered: no empty chunk
			return h.Finish("end")
		}),
		fn(`/slow`, func(h *funcHandler) error {
			h.WriteString("first")
			h.Flush(nil)
			<-release
			return h.Finish("second")
		}),
	}, settings)
	base, c := serve(t, app)

	raw := rawRequest(t, base, "GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.Contains(raw, "Transfer-Encoding: chunked") || strings.Contains(raw, "Content-Length") {
		t.Errorf("streamed response is not chunked:\n%s", raw)
	}
	if !strings.Contains(raw, "6\r\npart0;\r\n6\r\npart1;\r\n6\r\npart2;\r\n3\r\nend\r\n0\r\n\r\n") {
		t.Errorf("chunks not as flushed:\n%q", raw)
	}
	mu.Lock()
	if len(flushed) != 3 || flushed[0] != nil {
		t.Errorf("flush callbacks = %v, want 3 nil", flushed)
	}
	mu.Unlock()

	// The first part arrives before the handler finishes.
	resp, err := c.Get(base + "/slow")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first" {
		t.Fatalf("first flushed part = %q, %v", buf, err)
	}
	close(release)
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != "second" {
		t.Errorf("rest = %q, want %q", rest, "second")
	}
}

func TestFinishTwice(t *testing.T) {
	settings, _ := quietSettings(t)
	var second, flushAfter, redirectAfter error
	app := NewApplication([]Rule{fn(`/`, func(h *funcHandler) error {
		h.WriteString("once")
		if err := h.Finish(); err != nil {
			return err
		}
		second = h.Finish()
		flushAfter = h.Flush(nil)
		redirectAfter = h.Redirect("/x")
		return nil
	})}, settings)
	c := serveFake(t, app, newRequest("GET", "/"), "")
	if c.code != 200 || c.body.String() != "once" {
		t.Errorf("GET / = %d %q", c.code, c.body.String())
	}
	for name, err := range map[string]error{"Finish": second, "Flush": flushAfter, "Redirect": redirectAfter} {
		if !errors.Is(err, ErrFinished) {
			t.Errorf("%s after Finish = %v, want ErrFinished", name, err)
		}
	}
}

func TestEtag(t *testing.T) {
	settings, _ := quietSettings(t)
	app := NewApplication([]Rule{
		fn(`/`, func(h *funcHandler) error {
			h.SetHeader("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
			return h.Finish("Hello, world")
		}),
		fn(`/own`, func(h *funcHandler) error { h.SetHeader("Etag", `"mine"`); return h.Finish("x") }),
		fn(`/created`, func(h *funcHandler) error { h.SetStatus(201); return h.Finish("x") }),
	}, settings)
	const etag = `"e02aa1b106d5c7c6a98def2b13005d5b84fd8dc8"` // sha1("Hello, world")
	base, c := serve(t, app)
	tests := []struct {
		method, path, inm string
		code              int
		etag              string
	}{
		{"GET", "/", "", 200, etag},
		{"GET", "/", etag, 304, etag},
		{"GET", "/", "W/" + etag, 304, etag},
		{"GET", "/", `"other", ` + etag, 304, etag},
		{"GET", "/", `*`, 304, etag},
		{"GET", "/", `"other"`, 200, etag},
		{"GET", "/", `e02aa1b106d5c7c6a98def2b13005d5b84fd8dc8`, 200, etag},
		{"HEAD", "/", etag, 304, etag},
		{"POST", "/", etag, 200, ""},
		{"GET", "/own", `"mine"`, 200, `"mine"`},
		{"GET", "/created", "*", 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path+tt.inm, func(t *testing.T) {
			var hdr []string
			if tt.inm != "" {
				hdr = []string{"If-None-Match", tt.inm}
			}
			resp, body := fetch(t, c, tt.method, base+tt.path, "", hdr...)
			if resp.StatusCode != tt.code || resp.Header.Get("Etag") != tt.etag {
				t.Fatalf("%s %s If-None-Match %s = %d Etag %q, want %d %q", tt.method, tt.path, tt.inm, resp.StatusCode, resp.Header.Get("Etag"), tt.code, tt.etag)
			}
			if tt.code == 304 {
				// Tornado's _clear_representation_headers: Content-Type
				// goes; other headers, Last-Modified among them, stay.
				if body != "" || resp.Header.Get("Content-Type") != "" || resp.Header.Get("Last-Modified") == "" {
					t.Errorf("304 carries a body or representation headers, or lost others: %v %q", resp.Header, body)
				}
			}
		})
	}
}

// noEtag turns off the Etag.
type noEtag struct{ RequestHandler }

func (h *noEtag) ComputeEtag() string { return "" }
func (h *noEtag) Get() error          { return h.Finish("x") }

func TestComputeEtagOverride(t *testing.T) {
	app := NewApplication([]Rule{R[noEtag](`/`)}, Settings{Logger: quietLogger(t)})
	c := serveFake(t, app, newRequest("GET", "/", "If-None-Match", "*"), "")
	if c.code != 200 || c.header.Has("Etag") {
		t.Errorf("GET / with ComputeEtag \"\" = %d, Etag %q; want 200 without Etag", c.code, c.header.Get("Etag"))
	}
}

func TestEtagMatches(t *testing.T) {
	tests := []struct {
		inm, etag string
		want      bool
	}{
		{``, `"a"`, false},
		{`"a"`, `"a"`, true},
		{`W/"a"`, `"a"`, true},
		{`"a"`, `W/"a"`, true},
		{`"b", "a"`, `"a"`, true},
		{`"b",W/"a"`, `"a"`, true},
		{`"b"`, `"a"`, false},
		{`*`, `"a"`, true},
		{` * `, `"a"`, true},
		{`"zz", *`, `"a"`, false}, // Tornado's check_etag_header: "*" only first
		{`"a`, `"a"`, false},
		{`a`, `"a"`, false},
		{`""`, `"a"`, false},
	}
	for _, tt := range tests {
		if got := etagMatches(tt.inm, tt.etag); got != tt.want {
			t.Errorf("etagMatches(%q, %q) = %v, want %v", tt.inm, tt.etag, got, tt.want)
		}
	}
}

func TestRedirect(t *testing.T) {
	settings, _ := quietSettings(t, "Uncaught exception GET /", "500 GET /")
	app := NewApplication([]Rule{
		fn(`/temp`, func(h *funcHandler) error { return h.Redirect("/to") }),
		fn(`/perm`, func(h *funcHandler) error { return h.Redirect("/to", http.StatusMovedPermanently) }),
		fn(`/303`, func(h *funcHandler) error { return h.Redirect("http://example.com/to?a=1", 303) }),
		fn(`/bad`, func(h *funcHandler) error { return h.Redirect("/to", 200) }),
		fn(`/crlf`, func(h *funcHandler) error { return h.Redirect("/to\r\nX-Evil: 1") }),
		fn(`/late`, func(h *funcHandler) error {
			h.WriteString("x")
			h.Flush(nil)
			if err := h.Redirect("/to"); !errors.Is(err, ErrHeadersWritten) {
				return fmt.Errorf("Redirect after Flush = %v", err)
			}
			return nil
		}),
	}, settings)
	base, c := serve(t, app)
	tests := []struct {
		path, location string
		code           int
	}{
		{"/temp", "/to", 302},
		{"/perm", "/to", 301},
		{"/303", "http://example.com/to?a=1", 303},
		{"/bad", "", 500},
		{"/crlf", "", 500},
		{"/late", "", 200},
	}
	for _, tt := range tests {
		resp, _ := fetch(t, c, "GET", base+tt.path, "")
		if resp.StatusCode != tt.code || resp.Header.Get("Location") != tt.location {
			t.Errorf("GET %s = %d Location %q, want %d %q", tt.path, resp.StatusCode, resp.Header.Get("Location"), tt.code, tt.location)
		}
		if resp.Header.Get("X-Evil") != "" {
			t.Errorf("GET %s: header injected", tt.path)
		}
	}
}

func TestHEADRaw(t *testing.T) {
	settings, _ := quietSettings(t)
	app := NewApplication([]Rule{fn(`/`, func(h *funcHandler) error { return h.Finish("twelve bytes") })}, settings)
	base, _ := serve(t, app)
	raw := rawRequest(t, base, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), &http.Request{Method: "HEAD"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.ContentLength != 12 || strings.Contains(raw, "twelve") {
		t.Errorf("HEAD response:\n%s\nwant Content-Length 12 and no body", raw)
	}
}
