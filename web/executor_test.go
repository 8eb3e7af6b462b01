package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// execHandler runs the function its rule gives it as its Get.
type execHandler struct {
	RequestHandler
	get func(h *execHandler) error
}

func (h *execHandler) Get() error { return h.get(h) }

func execRule(pattern string, get func(h *execHandler) error) Rule {
	return RWith(pattern, func(h *execHandler) { h.get = get })
}

// where tells where it runs: "loop" on the handler's loop, "off-loop" on
// another goroutine under httpserver, "net/http" under net/http.
func where(h *RequestHandler) string {
	switch l := h.Loop(); {
	case l == nil:
		return "net/http"
	case l.OnLoop():
		return "loop"
	}
	return "off-loop"
}

// RunInExecutor runs its function off the handler's goroutine and hands
// the result back on it, under both servers; an error and a panic reach
// then, and then may run after the response finished.
func TestRunInExecutor(t *testing.T) {
	late := make(chan error, 2)
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{
			execRule(`/value`, func(h *execHandler) error {
				loop := h.Loop()
				var off bool
				RunInExecutor(h, func() (int, error) {
					off = loop == nil || !loop.OnLoop()
					return 42, nil
				}, func(v int, err error) {
					h.Finish(fmt.Sprintf("%d %v off=%v owner=%v", v, err, off, h.calledOnOwner()))
				})
				return nil
			}),
			execRule(`/error`, func(h *execHandler) error {
				RunInExecutor(h, func() (string, error) { return "", errors.New("no database") },
					func(_ string, err error) { h.SendError(503, err) })
				return nil
			}),
			execRule(`/panic`, func(h *execHandler) error {
				RunInExecutor(h, func() (int, error) { panic("boom") }, func(_ int, err error) {
					var pe *PanicError
					if errors.As(err, &pe) && len(pe.Stack) > 0 {
						h.Finish(fmt.Sprintf("recovered %v", pe.Value))
						return
					}
					h.Finish(fmt.Sprintf("got %v", err))
				})
				return nil
			}),
			execRule(`/late`, func(h *execHandler) error {
				RunInExecutor(h, func() (int, error) { return 0, nil }, func(int, error) {
					_, err := h.WriteString("late")
					late <- err
				})
				return h.Finish("early")
			}),
		}, settings)
	}, func(t *testing.T, base string) {
		c := &http.Client{Transport: &http.Transport{}}
		defer c.CloseIdleConnections()
		for _, tc := range []struct {
			path string
			code int
			body string
		}{
			{"/value", 200, "42 <nil> off=true owner=true"},
			{"/error", 503, "<html><title>503: Service Unavailable</title><body>503: Service Unavailable</body></html>"},
			{"/panic", 200, "recovered boom"},
			{"/late", 200, "early"},
		} {
			resp, body := fetch(t, c, "GET", base+tc.path, "")
			if resp.StatusCode != tc.code || body != tc.body {
				t.Errorf("GET %s = %d %q, want %d %q", tc.path, resp.StatusCode, body, tc.code, tc.body)
			}
		}
		select {
		case err := <-late:
			if !errors.Is(err, ErrFinished) {
				t.Errorf("Write after the response finished = %v, want ErrFinished", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("then did not run after the response finished")
		}
	})
}

// A Blocking rule's verb runs off the loop (under httpserver), its output
// reaching the client in order, its error and panic answered as a verb's;
// under net/http it runs as usual.
func TestBlockingVerbs(t *testing.T) {
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t, "Uncaught panic GET /panic")
		return NewApplication([]Rule{
			Blocking(execRule(`/write`, func(h *execHandler) error {
				h.SetHeader("X-Where", where(&h.RequestHandler))
				h.WriteString("a")
				h.Flush(nil)
				h.WriteString("b")
				return nil
			})),
			Blocking(execRule(`/json`, func(h *execHandler) error {
				return h.WriteJSON(map[string]string{"where": where(&h.RequestHandler)})
			})),
			Blocking(execRule(`/error`, func(h *execHandler) error {
				h.WriteString("discarded")
				return &HTTPError{Code: 409}
			})),
			Blocking(execRule(`/panic`, func(h *execHandler) error { panic("boom") })),
			Blocking(execRule(`/redirect`, func(h *execHandler) error { return h.Redirect("/elsewhere") })),
			Blocking(execRule(`/finish`, func(h *execHandler) error {
				h.Finish("done")
				_, err := h.WriteString("more")
				if !errors.Is(err, ErrFinished) {
					return fmt.Errorf("Write after Finish = %v", err)
				}
				return nil
			})),
			Blocking(execRule(`/flushwait`, func(h *execHandler) error {
				h.WriteString("x")
				err := h.FlushWait(context.Background())
				h.WriteString(fmt.Sprint(" ", err))
				return nil
			})),
			Blocking(execRule(`/args`, func(h *execHandler) error {
				v, err := h.GetArgument("name")
				if err != nil {
					return err
				}
				h.SetStatus(201)
				return h.Finish("hello " + v)
			})),
		}, settings)
	}, func(t *testing.T, base string) {
		loop := !strings.Contains(t.Name(), "net/http")
		want := map[bool]string{true: "off-loop", false: "net/http"}[loop]
		c := &http.Client{Transport: &http.Transport{}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		defer c.CloseIdleConnections()
		for _, tc := range []struct {
			path   string
			code   int
			body   string
			header string // "Name: value" expected, if not ""
		}{
			{"/write", 200, "ab", "X-Where: " + want},
			{"/json", 200, `{"where":"` + want + `"}`, "Content-Type: application/json; charset=UTF-8"},
			{"/error", 409, "<html><title>409: Conflict</title><body>409: Conflict</body></html>", ""},
			{"/panic", 500, "<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>", ""},
			{"/redirect", 302, "", "Location: /elsewhere"},
			{"/finish", 200, "done", ""},
			{"/flushwait", 200, "x <nil>", ""},
			{"/args?name=ada", 201, "hello ada", ""},
			{"/args", 400, "<html><title>400: Bad Request</title><body>400: Bad Request</body></html>", ""},
		} {
			resp, body := fetch(t, c, "GET", base+tc.path, "")
			if resp.StatusCode != tc.code || body != tc.body {
				t.Errorf("GET %s = %d %q, want %d %q", tc.path, resp.StatusCode, body, tc.code, tc.body)
			}
			if name, value, ok := strings.Cut(tc.header, ": "); ok && resp.Header.Get(name) != value {
				t.Errorf("GET %s: %s = %q, want %q", tc.path, name, resp.Header.Get(name), value)
			}
		}
	})
}

// While the verbs of a Blocking rule block the executor, other requests
// on the same loop are answered: a plain request sent while 20 blocking
// ones are in flight is answered before any of them.
func TestBlockingDoesNotStallLoop(t *testing.T) {
	const sleepers = 20
	release := make(chan struct{})
	var entered, answered atomic.Int32
	settings, _ := quietSettings(t)
	app := NewApplication([]Rule{
		Blocking(execRule(`/sleep`, func(h *execHandler) error {
			entered.Add(1)
			<-release // a blocking call: a database query, a file read
			h.WriteString("slept " + where(&h.RequestHandler))
			return nil
		})),
		execRule(`/plain`, func(h *execHandler) error {
			h.WriteString("plain " + where(&h.RequestHandler))
			return nil
		}),
	}, settings)
	base := serveLoop(t, app)
	c := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0}, Timeout: 20 * time.Second}
	defer c.CloseIdleConnections()
	var wg sync.WaitGroup
	bodies := make(chan string, sleepers)
	for range sleepers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Get(base + "/sleep")
			if err != nil {
				bodies <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answered.Add(1)
			bodies <- string(b)
		}()
	}
	released := false
	defer func() {
		if !released {
			close(release)
		}
		wg.Wait()
	}()
	// As many verbs as the loop's executor runs at once (ioloop's
	// default, min(32, NumCPU+4)) are blocked; the rest wait their turn.
	busy := int32(min(sleepers, 32, runtime.NumCPU()+4))
	for deadline := time.Now().Add(10 * time.Second); entered.Load() < busy; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d blocking verbs entered, want %d", entered.Load(), busy)
		}
	}
	resp, body := fetch(t, c, "GET", base+"/plain", "")
	if resp.StatusCode != 200 || body != "plain loop" {
		t.Errorf("GET /plain = %d %q, want 200 \"plain loop\"", resp.StatusCode, body)
	}
	if n := answered.Load(); n != 0 {
		t.Errorf("%d blocking requests answered before the plain one", n)
	}
	close(release)
	released = true
	wg.Wait()
	close(bodies)
	for b := range bodies {
		if b != "slept off-loop" {
			t.Errorf("GET /sleep = %q, want \"slept off-loop\"", b)
		}
	}
}

// FlushWait on the handler's goroutine refuses under httpserver, whose
// loop would have to run the write it waits for, and flushes under
// net/http; on another goroutine it waits for each write.
func TestFlushWait(t *testing.T) {
	var wg sync.WaitGroup
	defer wg.Wait()
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{
			execRule(`/owner`, func(h *execHandler) error {
				h.WriteString("x")
				err := h.FlushWait(context.Background())
				h.WriteString(fmt.Sprint(" ", err))
				return nil
			}),
			execRule(`/stream`, func(h *execHandler) error {
				h.Asynchronous()
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 3 {
						fmt.Fprintf(h, "%d;", i)
						if err := h.FlushWait(context.Background()); err != nil {
							h.WriteString(err.Error())
						}
					}
					h.Finish()
					if err := h.FlushWait(context.Background()); !errors.Is(err, ErrFinished) {
						t.Errorf("FlushWait after Finish = %v, want ErrFinished", err)
					}
				}()
				return nil
			}),
		}, settings)
	}, func(t *testing.T, base string) {
		c := &http.Client{Transport: &http.Transport{}}
		defer c.CloseIdleConnections()
		want := "x " + ErrWaitOnHandler.Error()
		if strings.Contains(t.Name(), "net/http") {
			want = "x <nil>"
		}
		if _, body := fetch(t, c, "GET", base+"/owner", ""); body != want {
			t.Errorf("GET /owner = %q, want %q", body, want)
		}
		if _, body := fetch(t, c, "GET", base+"/stream", ""); body != "0;1;2;" {
			t.Errorf("GET /stream = %q, want \"0;1;2;\"", body)
		}
	})
}

// A producer pacing itself with FlushWait to a client that stops reading
// waits (here until its context ends) instead of queueing more, and
// learns of the client leaving.
func TestFlushWaitSlowReader(t *testing.T) {
	const chunk = 64 << 10
	const limit = 256 << 20 // more than any socket buffer holds
	type result struct {
		sent      int
		waitErr   error // the FlushWait that timed out
		leaveErr  error // the first other error, after the client left
		finishErr error
	}
	results := make(chan result, 1)
	waiting := make(chan struct{})
	left := make(chan struct{})
	servers(t, func(t *testing.T) *Application {
		waiting, left = make(chan struct{}), make(chan struct{})
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{
			execRule(`/`, func(h *execHandler) error {
				h.Asynchronous()
				w, l := waiting, left
				go func() {
					var r result
					data := strings.Repeat("z", chunk)
					for r.sent < limit {
						h.WriteString(data)
						ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
						err := h.FlushWait(ctx)
						cancel()
						if err != nil {
							r.waitErr = err
							break
						}
						r.sent += chunk
					}
					close(w)
					<-l
					for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
						h.WriteString(data)
						ctx, cancel := context.WithTimeout(context.Background(), time.Second)
						err := h.FlushWait(ctx)
						cancel()
						if err != nil && !errors.Is(err, context.DeadlineExceeded) {
							r.leaveErr = err
							break
						}
					}
					r.finishErr = h.Finish()
					results <- r
				}()
				return nil
			}),
		}, settings)
	}, func(t *testing.T, base string) {
		conn := dialSend(t, base, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 30*time.Second)
		br := bufio.NewReaderSize(conn, 4096)
		if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
			t.Fatalf("status line %q, %v", line, err)
		}
		<-waiting // the client reads nothing more
		conn.Close()
		close(left)
		r := <-results
		if !errors.Is(r.waitErr, context.DeadlineExceeded) {
			t.Errorf("FlushWait to a client that does not read = %v after %d bytes, want context.DeadlineExceeded", r.waitErr, r.sent)
		}
		if r.leaveErr == nil {
			t.Error("FlushWait did not fail once the client left")
		}
		if r.finishErr != nil {
			t.Errorf("Finish after the client left = %v", r.finishErr)
		}
		t.Logf("%d bytes taken before the writer had to wait; then %v, and after the client left %v", r.sent, r.waitErr, r.leaveErr)
	})
}

// TestBlockingVerbAndRunReadTheRequest: a Blocking verb reads the query's
// arguments while a function it passed to Run reads the cookies on the
// loop. Both make the request's lazily made state; it is made before the
// verb leaves the loop, so they do not race (go test -race). (Under
// net/http the verb runs on the handler's own goroutine, so the function
// runs after it: the verb must not wait for it.)
func TestBlockingVerbAndRunReadTheRequest(t *testing.T) {
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{
			Blocking(execRule(`/r`, func(h *execHandler) error {
				h.Run(func() { h.Request().Cookies() })
				time.Sleep(20 * time.Millisecond)
				return h.Finish("a=" + h.Request().QueryArguments().Get("a"))
			})),
		}, settings)
	}, func(t *testing.T, base string) {
		c := &http.Client{Transport: &http.Transport{}}
		defer c.CloseIdleConnections()
		resp, body := fetch(t, c, "GET", base+"/r?a=1", "", "Cookie", "k=v")
		if resp.StatusCode != 200 || body != "a=1" {
			t.Errorf("got %d %q, want 200 \"a=1\"", resp.StatusCode, body)
		}
	})
}
