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
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotornado/tornado/httpserver"
)

// servers runs f against app served by httpserver and by net/http.
func servers(t *testing.T, app func(t *testing.T) *Application, f func(t *testing.T, base string)) {
	t.Run("httpserver", func(t *testing.T) { f(t, serveLoop(t, app(t))) })
	t.Run("net/http", func(t *testing.T) {
		base, _ := serve(t, app(t))
		f(t, base)
	})
}

// pipeline writes raw on one connection to base and reads n responses.
func pipeline(t *testing.T, base, raw string, n int) ([]*http.Response, []string) {
	t.Helper()
	conn := dialSend(t, base, raw, 10*time.Second)
	defer conn.Close()
	br := bufio.NewReader(conn)
	var resps []*http.Response
	var bodies []string
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("response %d body: %v", i, err)
		}
		resps, bodies = append(resps, resp), append(bodies, string(b))
	}
	return resps, bodies
}

// leakHandler serves /a, whose Flush callback writes after the response
// finished, and /b, which answers from another goroutine: one rule, so
// one pool.
type leakHandler struct {
	RequestHandler
	wg *sync.WaitGroup
}

func (h *leakHandler) Get() error {
	if h.PathArgs()[0] == "a" {
		h.WriteString("a;")
		return h.Flush(func(error) { h.WriteString("LEAK-from-a;") })
	}
	h.Asynchronous()
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		h.WriteString("b;")
		h.Finish()
	}()
	return nil
}

// A pooled handler is not reused while a callback it gave to Flush is
// pending: /b's body is its own.
func TestFlushCallbackDoesNotLeakIntoNextRequest(t *testing.T) {
	var wg sync.WaitGroup
	defer wg.Wait()
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{RWith(`/(a|b)`, func(h *leakHandler) { h.wg = &wg })}, settings)
	}, func(t *testing.T, base string) {
		for i := 0; i < 20; i++ {
			_, bodies := pipeline(t, base, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n", 2)
			if bodies[0] != "a;" || bodies[1] != "b;" {
				t.Fatalf("pipelined /a, /b = %q, %q; want \"a;\", \"b;\"", bodies[0], bodies[1])
			}
		}
	})
}

// leaver is an asynchronous handler whose client leaves; it finishes
// once told of it.
type leaver struct {
	RequestHandler
	started, closed, finished chan struct{}
	finishErr                 chan error
}

func (h *leaver) Get() error {
	h.Asynchronous()
	h.WriteString("waiting")
	h.Flush(nil)
	close(h.started)
	go func() {
		<-h.closed
		h.WriteString("too late")
		h.finishErr <- h.Finish()
	}()
	return nil
}

func (h *leaver) OnConnectionClose() { close(h.closed) }
func (h *leaver) OnFinish()          { close(h.finished) }

// Finish after the client left neither panics nor is dropped: OnFinish
// runs and the request is logged, under both servers.
func TestFinishAfterClientLeft(t *testing.T) {
	for _, server := range []string{"httpserver", "net/http"} {
		t.Run(server, func(t *testing.T) {
			settings, rec := quietSettings(t)
			h := &leaver{started: make(chan struct{}), closed: make(chan struct{}), finished: make(chan struct{}), finishErr: make(chan error, 1)}
			app := NewApplication([]Rule{{Pattern: `/`, New: func() Handler { return h }}}, settings)
			base := serveLoop(t, app)
			if server == "net/http" {
				base, _ = serve(t, app)
			}
			conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			<-h.started
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := conn.Read(make([]byte, 1)); err != nil {
				t.Fatal(err)
			}
			conn.Close()
			for name, ch := range map[string]chan struct{}{"OnConnectionClose": h.closed, "OnFinish": h.finished} {
				select {
				case <-ch:
				case <-time.After(5 * time.Second):
					t.Fatalf("%s not called", name)
				}
			}
			if err := <-h.finishErr; err != nil {
				t.Errorf("Finish() = %v", err)
			}
			if _, ok := rec.find("200 GET / (127.0.0.1)"); !ok {
				t.Errorf("request not logged: %q", rec.messages())
			}
		})
	}
}

// errorPager sends an error page from an asynchronous handler, on its
// own goroutine (/here) or another one (/there).
type errorPager struct {
	RequestHandler
	wg *sync.WaitGroup
}

func (h *errorPager) Get() error {
	h.Asynchronous()
	send := func() {
		h.WriteString("discarded")
		h.SendError(502, nil)
		h.Finish()
	}
	if h.PathArgs()[0] == "here" {
		send()
		return nil
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		send()
	}()
	return nil
}

// An asynchronous handler's error page is sent whole, wherever SendError
// is called from.
func TestAsynchronousErrorPage(t *testing.T) {
	var wg sync.WaitGroup
	defer wg.Wait()
	const page = "<html><title>502: Bad Gateway</title><body>502: Bad Gateway</body></html>"
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{RWith(`/(here|there)`, func(h *errorPager) { h.wg = &wg })}, settings)
	}, func(t *testing.T, base string) {
		c := &http.Client{Transport: &http.Transport{}}
		defer c.CloseIdleConnections()
		for _, path := range []string{"/here", "/there"} {
			resp, body := fetch(t, c, "GET", base+path, "")
			if resp.StatusCode != 502 || body != page || resp.ContentLength != int64(len(page)) {
				t.Errorf("GET %s = %d %q (Content-Length %d), want 502 and the page", path, resp.StatusCode, body, resp.ContentLength)
			}
		}
	})
}

// strayHandler: /first finishes at once and gives itself to a goroutine
// that calls Run later; /second, served next by the same rule, checks
// that the stray function does not reach it.
type strayHandler struct {
	RequestHandler
	queued chan struct{} // closed once the stray Run was called
	wg     *sync.WaitGroup
}

func (h *strayHandler) Get() error {
	h.Asynchronous()
	if h.PathArgs()[0] == "first" {
		h.Finish("first")
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			time.Sleep(50 * time.Millisecond) // the second request is being served
			h.Run(func() {
				h.SetHeader("X-Stray", "1")
				h.WriteString("STRAY;")
			})
			if _, err := h.WriteString("STRAY;"); !errors.Is(err, ErrFinished) {
				panic(fmt.Sprintf("Write on a finished handler = %v", err))
			}
			close(h.queued)
		}()
		return nil
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		<-h.queued
		// Queued after the stray function: on the same queue, if the
		// stray had reached this handler, it would have run first.
		h.Run(func() { h.Finish("second") })
	}()
	return nil
}

// Run on a finished asynchronous handler from a stray goroutine never
// reaches the request that is served next: an asynchronous handler is
// never reused. (The pool skipped such handlers before too; this keeps
// it so.)
func TestStrayRunOnAsynchronousHandler(t *testing.T) {
	var wg sync.WaitGroup
	defer wg.Wait()
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		queued := make(chan struct{})
		return NewApplication([]Rule{RWith(`/(first|second)`, func(h *strayHandler) { h.queued, h.wg = queued, &wg })}, settings)
	}, func(t *testing.T, base string) {
		resps, bodies := pipeline(t, base, "GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n", 2)
		if bodies[0] != "first" || bodies[1] != "second" || resps[1].Header.Get("X-Stray") != "" {
			t.Errorf("bodies %q, %q, X-Stray %q; want first, second and none", bodies[0], bodies[1], resps[1].Header.Get("X-Stray"))
		}
	})
}

type optionsHandler struct{ RequestHandler }

func (h *optionsHandler) Options() error {
	h.SetStatus(204)
	h.SetHeader("Allow", "GET, OPTIONS")
	h.SetHeader("Content-Language", "en")
	return h.Finish("dropped")
}

// Representation headers go from 1xx, 204 and 304 responses, and the body
// with them; other headers, such as an OPTIONS handler's Allow, stay.
func TestBodylessKeepsOtherHeaders(t *testing.T) {
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{R[optionsHandler](`/`)}, settings)
	}, func(t *testing.T, base string) {
		resps, bodies := pipeline(t, base, "OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n", 1)
		r := resps[0]
		if r.StatusCode != 204 || bodies[0] != "" || r.Header.Get("Allow") != "GET, OPTIONS" {
			t.Errorf("OPTIONS = %d %q Allow %q, want 204, no body, the Allow header", r.StatusCode, bodies[0], r.Header.Get("Allow"))
		}
		for _, name := range []string{"Content-Type", "Content-Language", "Content-Length", "Content-Encoding"} {
			if v := r.Header.Get(name); v != "" {
				t.Errorf("204 carries %s: %q", name, v)
			}
		}
	})
}

// Status lines come from one table with Tornado's phrases, for the
// application's responses and the server's own; unknown codes and unsafe
// reasons are sent as "Unknown".
func TestStatusLines(t *testing.T) {
	settings, _ := quietSettings(t)
	app := NewApplication([]Rule{
		fn(`/599`, func(h *funcHandler) error { return h.SetStatus(599) }),
		fn(`/413`, func(h *funcHandler) error { return &HTTPError{Code: 413} }),
		fn(`/418`, func(h *funcHandler) error { return &HTTPError{Code: 418} }),
		fn(`/markup`, func(h *funcHandler) error { return h.SetStatus(400, "<script>x</script>") }),
		fn(`/markuperr`, func(h *funcHandler) error { return &HTTPError{Code: 400, Reason: "<b>bad</b>"} }),
		fn(`/custom`, func(h *funcHandler) error { return h.SetStatus(299, "Fine Indeed") }),
	}, settings)
	base := serveLoop(t, app)
	for _, tc := range []struct{ path, line, title string }{
		{"/599", "HTTP/1.1 599 Unknown", ""},
		{"/413", "HTTP/1.1 413 Request Entity Too Large", "413: Request Entity Too Large"},
		{"/418", "HTTP/1.1 418 I'm a Teapot", "418: I&#39;m a Teapot"},
		{"/markup", "HTTP/1.1 400 Unknown", ""},
		{"/markuperr", "HTTP/1.1 400 Unknown", "400: Unknown"},
		{"/custom", "HTTP/1.1 299 Fine Indeed", ""},
	} {
		line, body := rawStatus(t, base, "GET "+tc.path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		if line != tc.line || !strings.Contains(body, tc.title) {
			t.Errorf("GET %s = %q %q, want %q with %q", tc.path, line, body, tc.line, tc.title)
		}
	}
	// The server's own 413 has the same phrase.
	line, _ := rawStatus(t, serveLoop(t, app, func(s *httpserver.Server) { s.MaxBodySize = 4 }), "POST /413 HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
	if line != "HTTP/1.1 413 Request Entity Too Large" {
		t.Errorf("server's own 413 = %q", line)
	}
}

// rawStatus sends raw to base and returns the status line and the body.
func rawStatus(t *testing.T, base, raw string) (string, string) {
	t.Helper()
	conn := dialSend(t, base, raw, 10*time.Second)
	defer conn.Close()
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(io.MultiReader(strings.NewReader(line), br)), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimRight(line, "\r\n"), string(b)
}

// Cookie values with separators are quoted as Tornado quotes them, and
// read back as they were.
func TestCookieQuoting(t *testing.T) {
	const value = `a,b"c;d\e`
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{
			fn(`/set`, func(h *funcHandler) error { return h.SetCookie("k", value) }),
			fn(`/get`, func(h *funcHandler) error { return h.Finish(h.GetCookie("k")) }),
		}, settings)
	}, func(t *testing.T, base string) {
		resps, _ := pipeline(t, base, "GET /set HTTP/1.1\r\nHost: x\r\n\r\n", 1)
		sc := resps[0].Header.Get("Set-Cookie")
		if want := `k="a\054b\"c\073d\\e"; Path=/`; resps[0].StatusCode != 200 || sc != want {
			t.Fatalf("Set-Cookie = %d %q, want 200 %q", resps[0].StatusCode, sc, want)
		}
		cookie, _, _ := strings.Cut(sc, "; ")
		_, bodies := pipeline(t, base, "GET /get HTTP/1.1\r\nHost: x\r\nCookie: "+cookie+"\r\n\r\n", 1)
		if bodies[0] != value {
			t.Errorf("cookie read back as %q, want %q", bodies[0], value)
		}
	})
}

// A malformed form body is answered with 400 before Prepare runs.
func TestMalformedBodyIs400(t *testing.T) {
	prepared := make(chan string, 10)
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{fn(`/`, func(h *funcHandler) error {
			prepared <- h.Request().Header.Get("Content-Type")
			return nil
		})}, settings)
	}, func(t *testing.T, base string) {
		for _, tc := range []struct{ name, head, body string }{
			{"multipart without final boundary", "Content-Type: multipart/form-data; boundary=xx\r\n",
				"--xx\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n"},
			{"form body with Content-Encoding", "Content-Type: application/x-www-form-urlencoded\r\nContent-Encoding: gzip\r\n", "a=1"},
		} {
			raw := fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\n%sContent-Length: %d\r\n\r\n%s", tc.head, len(tc.body), tc.body)
			resps, _ := pipeline(t, base, raw, 1)
			if resps[0].StatusCode != 400 {
				t.Errorf("%s: %d, want 400", tc.name, resps[0].StatusCode)
			}
		}
		select {
		case ct := <-prepared:
			t.Errorf("the handler ran for a malformed body (%s)", ct)
		default:
		}
	})
}

// The request a callback reads after the response is its own, not the one
// the connection parsed next.
func TestRequestOutlivesResponse(t *testing.T) {
	for _, mode := range []string{"Flush callback", "CallLater"} {
		t.Run(mode, func(t *testing.T) {
			got := make(chan string, 1)
			settings, _ := quietSettings(t)
			app := NewApplication([]Rule{
				fn(`/first`, func(h *funcHandler) error {
					h.WriteString("first")
					see := func() { got <- h.Request().Method + " " + h.Request().URI }
					if mode == "CallLater" {
						h.CallLater(30*time.Millisecond, see)
						return nil
					}
					return h.Flush(func(error) { see() })
				}),
				fn(`/second`, func(h *funcHandler) error {
					h.Asynchronous()
					h.CallLater(100*time.Millisecond, func() { h.Finish("second") })
					return nil
				}),
			}, settings)
			pipeline(t, serveLoop(t, app), "GET /first HTTP/1.1\r\nHost: x\r\n\r\nPOST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 2)
			if v := <-got; v != "GET /first" {
				t.Errorf("the callback of /first saw %q, want \"GET /first\"", v)
			}
		})
	}
}

// A body longer than the Content-Length the handler set is answered with
// a 500, under both servers, instead of leaving the client waiting.
func TestContentLengthRefused(t *testing.T) {
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t, "Uncaught exception GET /")
		return NewApplication([]Rule{fn(`/`, func(h *funcHandler) error {
			h.SetHeader("Content-Length", "1")
			return h.Finish("hello")
		})}, settings)
	}, func(t *testing.T, base string) {
		resps, _ := pipeline(t, base, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1)
		if resps[0].StatusCode != 500 {
			t.Errorf("GET / = %d, want 500", resps[0].StatusCode)
		}
	})
}

// racyPage's WriteError races a Finish from another goroutine.
type racyPage struct {
	RequestHandler
	foreign chan error
}

func (h *racyPage) Get() error {
	h.Asynchronous()
	h.SendError(502, nil)
	return nil
}

func (h *racyPage) WriteError(code int, err error) {
	done := make(chan error)
	go func() { done <- h.Finish("late") }()
	h.foreign <- <-done
	h.RequestHandler.WriteError(code, err)
}

// While SendError writes the page, a Finish from another goroutine is
// refused, and the page is sent.
func TestSendErrorClosesTheGate(t *testing.T) {
	foreign := make(chan error, 1)
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{RWith(`/`, func(h *racyPage) { h.foreign = foreign })}, settings)
	}, func(t *testing.T, base string) {
		resps, bodies := pipeline(t, base, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1)
		ferr := <-foreign
		if resps[0].StatusCode != 502 || !strings.Contains(bodies[0], "502: Bad Gateway") || !errors.Is(ferr, ErrFinished) {
			t.Errorf("got %d %q, the other Finish = %v; want 502 with the page and ErrFinished", resps[0].StatusCode, bodies[0], ferr)
		}
	})
}

// A finished response reaches the client at once, even while the
// handler's lifetime goes on (here a pending CallLater).
func TestFinishedResponseIsSent(t *testing.T) {
	var wg sync.WaitGroup
	defer wg.Wait()
	release := make(chan struct{})
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{fn(`/`, func(h *funcHandler) error {
			stop := h.CallLater(time.Hour, func() {})
			h.Asynchronous()
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-release
				h.Run(func() { stop() })
			}()
			return h.Finish("done")
		})}, settings)
	}, func(t *testing.T, base string) {
		_, bodies := pipeline(t, base, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1)
		if bodies[0] != "done" {
			t.Errorf("body %q", bodies[0])
		}
	})
	close(release)
}

// aborter panics with http.ErrAbortHandler in a function run after its
// client left.
type aborter struct {
	RequestHandler
	wg  *sync.WaitGroup
	ran chan struct{}
}

func (h *aborter) Get() error {
	h.Asynchronous()
	h.WriteString("x")
	return h.Flush(nil)
}

func (h *aborter) OnConnectionClose() {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		time.Sleep(50 * time.Millisecond) // ServeHTTP has returned
		h.Run(func() {
			defer close(h.ran)
			panic(http.ErrAbortHandler)
		})
	}()
}

// http.ErrAbortHandler from a function run after ServeHTTP returned has
// nothing to abort; it must not take the process down.
func TestAbortHandlerAfterServeHTTP(t *testing.T) {
	var wg sync.WaitGroup
	ran := make(chan struct{})
	app := NewApplication([]Rule{RWith(`/`, func(h *aborter) { h.wg, h.ran = &wg, ran })}, Settings{Logger: quietLogger(t)})
	base, _ := serve(t, app)
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	c.Read(make([]byte, 1))
	c.Close()
	<-ran // the process is still here
	wg.Wait()
}

// straySync hands itself to a goroutine without going asynchronous; the
// goroutine calls Run once the response is long finished.
type straySync struct {
	RequestHandler
	ran    *atomic.Bool
	queued chan struct{}
}

func (h *straySync) Get() error {
	ran, queued := h.ran, h.queued
	go func() {
		defer close(queued)
		time.Sleep(50 * time.Millisecond) // the handler is back in its pool
		h.Run(func() { ran.Store(true) })
	}()
	return h.Finish("first")
}

// Run from a goroutine that kept a handler which is not asynchronous past
// its verb is refused (and logged, on the default logger once the handler
// is back in its pool): the pooled handler may serve another request by
// then. (If that request is asynchronous the call cannot be
// told from its own goroutines' calls: the rule is not to keep such a
// handler.) The goroutine races with the handler's reuse by design, so
// this test runs without the race detector; .ci/run runs it so.
func TestStrayRunOnPooledHandler(t *testing.T) {
	if raceEnabled {
		t.Skip("the stray goroutine races with the handler's reuse by design")
	}
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t, "web: Run called from another goroutine")
		var ran atomic.Bool
		queued := make(chan struct{})
		app := NewApplication([]Rule{RWith(`/`, func(h *straySync) { h.ran, h.queued = &ran, queued })}, settings)
		t.Cleanup(func() {
			<-queued
			if ran.Load() {
				t.Error("the stray goroutine's function ran")
			}
		})
		return app
	}, func(t *testing.T, base string) {
		_, bodies := pipeline(t, base, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1)
		if bodies[0] != "first" {
			t.Errorf("body %q", bodies[0])
		}
	})
}

// An If-None-Match list sent as several header lines is one list.
func TestIfNoneMatchOnSeveralLines(t *testing.T) {
	const etag = `"e02aa1b106d5c7c6a98def2b13005d5b84fd8dc8"` // sha1("Hello, world")
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{fn(`/`, func(h *funcHandler) error { return h.Finish("Hello, world") })}, settings)
	}, func(t *testing.T, base string) {
		resps, bodies := pipeline(t, base, "GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"zz\"\r\nIf-None-Match: "+etag+"\r\n\r\n", 1)
		if resps[0].StatusCode != 304 || bodies[0] != "" {
			t.Errorf("GET with the Etag on a second If-None-Match line = %d %q, want 304", resps[0].StatusCode, bodies[0])
		}
	})
}
