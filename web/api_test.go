package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotornado/tornado/iostream"
)

// What a Tornado user reaches for first, under both servers.
func TestTornadoConveniences(t *testing.T) {
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t, "Uncaught exception GET /badheader")
		return NewApplication([]Rule{
			fn(`/fprintf`, func(h *funcHandler) error {
				fmt.Fprintf(h, "%d-%s", 42, "x")
				return h.Finish(";last")
			}),
			fn(`/finishjson`, func(h *funcHandler) error { return h.Finish(map[string]int{"a": 1}) }),
			fn(`/lookup`, func(h *funcHandler) error {
				v, ok, err := h.LookupArgument("e")
				_, okMissing, _ := h.LookupArgument("missing")
				raw, _ := h.GetRawArgument("s")
				stripped, _ := h.GetArgument("s")
				_, hasCookie := h.LookupCookie("c")
				_, noCookie := h.LookupCookie("nope")
				return h.Finish(fmt.Sprintf("%q %v %v %v|%q|%q|%v %v|%s|%s", v, ok, err, okMissing, raw, stripped,
					hasCookie, noCookie, strings.Join(h.ArgumentNames(), ","), strings.Join(h.CookieNames(), ",")))
			}),
			fn(`/groups/(?P<a>[a-z]+)(?:-(?P<b>[0-9]*))?`, func(h *funcHandler) error {
				var parts []string
				for _, g := range h.PathGroups() {
					parts = append(parts, fmt.Sprintf("%s=%q:%v", g.Name, g.Value, g.Matched))
				}
				_, okB := h.LookupPathArg("b")
				return h.Finish(strings.Join(parts, " ") + fmt.Sprintf(" b:%v", okB))
			}),
			fn(`/badheader`, func(h *funcHandler) error {
				err := h.SetHeader("X-Bad", "a\r\nb")
				if !errors.Is(err, ErrUnsafeHeader) {
					return fmt.Errorf("SetHeader = %v, want ErrUnsafeHeader", err)
				}
				return nil // the response still fails with a 500
			}),
		}, settings)
	}, func(t *testing.T, base string) {
		c := &http.Client{Transport: &http.Transport{}}
		defer c.CloseIdleConnections()
		for _, tc := range []struct {
			path, body string
			header     []string
			code       int
			want       string
		}{
			{"/fprintf", "", nil, 200, "42-x;last"},
			{"/finishjson", "", nil, 200, `{"a":1}`},
			{"/lookup?z=1&e=&s=%20%01a%20", "", []string{"Cookie", "c=1; b=2"}, 200, `"" true <nil> false|"  a "|"a"|true false|z,e,s|c,b`},
			{"/groups/ab-", "", nil, 200, `a="ab":true b="":true b:true`},
			{"/groups/ab", "", nil, 200, `a="ab":true b="":false b:false`},
			{"/badheader", "", nil, 500, ""},
		} {
			resp, body := fetch(t, c, "GET", base+tc.path, tc.body, tc.header...)
			if resp.StatusCode != tc.code || tc.want != "" && body != tc.want {
				t.Errorf("GET %s = %d %q, want %d %q", tc.path, resp.StatusCode, body, tc.code, tc.want)
			}
		}
	})
}

// davHandler accepts WebDAV's PROPFIND beside GET.
type davHandler struct{ RequestHandler }

func (h *davHandler) SupportedMethods() []string { return []string{"GET", "PROPFIND"} }
func (h *davHandler) Get() error                 { return h.Finish("get") }
func (h *davHandler) Post() error                { return h.Finish("not supported") }
func (h *davHandler) ServeMethod(m string) error { return h.Finish("served " + m) }

func TestSupportedMethods(t *testing.T) {
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{R[davHandler](`/dav`)}, settings)
	}, func(t *testing.T, base string) {
		for _, tc := range []struct {
			method string
			code   int
			body   string
		}{
			{"PROPFIND", 200, "served PROPFIND"},
			{"GET", 200, "get"},
			{"POST", 405, ""},
			{"MKCOL", 405, ""},
		} {
			resps, bodies := pipeline(t, base, tc.method+" /dav HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 1)
			if resps[0].StatusCode != tc.code || tc.body != "" && bodies[0] != tc.body {
				t.Errorf("%s = %d %q, want %d %q", tc.method, resps[0].StatusCode, bodies[0], tc.code, tc.body)
			}
			if tc.code == 405 && resps[0].Header.Get("Allow") != "GET, PROPFIND" {
				t.Errorf("%s: Allow %q", tc.method, resps[0].Header.Get("Allow"))
			}
		}
	})
}

// waiter answers after a delay scheduled with CallLater, holding no
// goroutine, and watches its request's context.
type waiter struct {
	RequestHandler
	ctxDone chan error
}

func (h *waiter) Get() error {
	h.Asynchronous()
	ctx := h.Context()
	h.CallLater(20*time.Millisecond, func() {
		if ctx.Err() != nil {
			h.Finish("cancelled early")
			return
		}
		h.Finish("later")
	})
	stop := h.CallLater(time.Hour, func() { h.WriteString("never") })
	if !stop() {
		return errors.New("stop() = false for a pending call")
	}
	go func() {
		<-ctx.Done()
		h.ctxDone <- ctx.Err()
	}()
	return nil
}

func TestCallLaterAndContext(t *testing.T) {
	done := make(chan error, 4)
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{RWith(`/`, func(h *waiter) { h.ctxDone = done })}, settings)
	}, func(t *testing.T, base string) {
		_, bodies := pipeline(t, base, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1)
		if bodies[0] != "later" {
			t.Errorf("body %q, want later", bodies[0])
		}
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("context ended with %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("the request's context was not cancelled when the response finished")
		}
	})
}

// echoDetacher takes the connection over after a 200 head and echoes one
// line on it.
type echoDetacher struct {
	RequestHandler
	wg *sync.WaitGroup
}

func (h *echoDetacher) Get() error {
	h.SetHeader("X-Detached", "1")
	h.WriteString("ready\n")
	t, err := h.Detach()
	if err != nil {
		return err
	}
	switch t := t.(type) {
	case *iostream.Stream:
		return t.ReadUntil([]byte("\n"), 1024, func(line []byte, err error) {
			if err != nil {
				t.Close()
				return
			}
			t.Write(append([]byte("echo "), line...), func(error) { t.Close() })
		})
	case *DetachedConn:
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			defer t.Close()
			line, err := t.Reader.ReadString('\n')
			if err == nil {
				io.WriteString(t, "echo "+line)
			}
		}()
		return nil
	}
	return fmt.Errorf("Detach returned %T", t)
}

func TestDetachTakesOverTheConnection(t *testing.T) {
	var wg sync.WaitGroup
	defer wg.Wait()
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{RWith(`/`, func(h *echoDetacher) { h.wg = &wg })}, settings)
	}, func(t *testing.T, base string) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		buf := make([]byte, 0, 4096)
		for !strings.Contains(string(buf), "ready\n") {
			n, err := conn.Read(buf[len(buf):cap(buf)])
			if err != nil {
				t.Fatalf("reading the head: %v (got %q)", err, buf)
			}
			buf = buf[:len(buf)+n]
		}
		if !strings.Contains(string(buf), "X-Detached: 1") {
			t.Errorf("head %q lacks the handler's header", buf)
		}
		io.WriteString(conn, "hello\n")
		rest, err := io.ReadAll(conn)
		if err != nil {
			t.Fatal(err)
		}
		if tail := string(rest); !strings.HasSuffix(tail, "echo hello\n") {
			t.Errorf("after Detach got %q, want the echo", tail)
		}
	})
}
