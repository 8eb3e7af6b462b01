package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotornado/tornado/httpserver"
)

// serveLoop runs app on GoTornado's own HTTP server (one loop) on
// 127.0.0.1 and returns its base URL.
func serveLoop(t testing.TB, app *Application, configure ...func(*httpserver.Server)) string {
	t.Helper()
	srv := &httpserver.Server{Handler: app, Loops: 1, Logger: quietLogger(t)}
	for _, f := range configure {
		f(srv)
	}
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := <-done; !errors.Is(err, httpserver.ErrServerClosed) {
			t.Errorf("Serve() = %v", err)
		}
	})
	return "http://" + srv.Addr().String()
}

// The same Application served by httpserver and by net/http answers the
// same requests the same way (Tornado's wsgi=True, in Go).
func TestSameAppUnderBothServers(t *testing.T) {
	var wg sync.WaitGroup
	defer wg.Wait()
	app := NewApplication([]Rule{
		R[verbHandler](`/verbs`),
		R[getOnly](`/get`),
		R[RedirectHandler](`/python/(?P<day>[a-z]+)`, Args{"url": "/index/{day}"}),
		fn(`/json`, func(h *funcHandler) error { return h.WriteJSON(map[string]any{"a": 1, "b": "two"}) }),
		fn(`/flush`, func(h *funcHandler) error {
			h.WriteString("one,")
			h.Flush(nil)
			h.WriteString("two")
			return nil
		}),
		fn(`/args`, func(h *funcHandler) error {
			v, err := h.GetArgument("name")
			if err != nil {
				return err
			}
			return h.Finish("hello " + v)
		}),
		fn(`/cookie`, func(h *funcHandler) error {
			h.SetCookie("k", "v")
			return h.Finish("got " + h.GetCookie("in", "none"))
		}),
		fn(`/panic`, func(h *funcHandler) error { panic("boom") }),
		fn(`/teapot`, func(h *funcHandler) error { return &HTTPError{Code: 418, Reason: "Teapot"} }),
		R[asyncHandler](`/async`, Args{"wg": &wg}),
	}, Settings{Logger: quietLogger(t, "Uncaught panic GET /panic")})

	netURL := httptest.NewServer(app)
	defer netURL.Close()
	loopURL := serveLoop(t, app)
	client := &http.Client{
		Transport:     &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()

	compared := []string{"Content-Type", "Content-Length", "Etag", "Location", "Allow", "Set-Cookie", "Server", "X-Before", "X-Run"}
	for _, tc := range []struct {
		method, path, body string
		header             []string
	}{
		{"GET", "/get", "", nil},
		{"HEAD", "/get", "", nil},
		{"POST", "/get", "", nil},
		{"GET", "/verbs", "", nil},
		{"POST", "/verbs", "payload", nil},
		{"PUT", "/verbs", "", nil},
		{"DELETE", "/verbs", "", nil},
		{"PATCH", "/verbs", "", nil},
		{"OPTIONS", "/verbs", "", nil},
		{"GET", "/nowhere", "", nil},
		{"GET", "/python/monday", "", nil},
		{"GET", "/json", "", nil},
		{"GET", "/flush", "", nil},
		{"GET", "/args?name=ada", "", nil},
		{"GET", "/args", "", nil},
		{"GET", "/cookie", "", []string{"Cookie", "in=yes"}},
		{"GET", "/panic", "", nil},
		{"GET", "/teapot", "", nil},
		{"GET", "/async", "", nil},
		{"GET", "/get", "", []string{"If-None-Match", `"4b5cbd4ba1dc2fcd8a5e1d5f6f2fd0d38a8e4bfb", *`}},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r1, b1 := fetch(t, client, tc.method, netURL.URL+tc.path, tc.body, tc.header...)
			r2, b2 := fetch(t, client, tc.method, loopURL+tc.path, tc.body, tc.header...)
			if r1.StatusCode != r2.StatusCode {
				t.Errorf("status: net/http %d, httpserver %d", r1.StatusCode, r2.StatusCode)
			}
			if b1 != b2 {
				t.Errorf("body: net/http %q, httpserver %q", b1, b2)
			}
			for _, name := range compared {
				v1, v2 := strings.Join(r1.Header.Values(name), "|"), strings.Join(r2.Header.Values(name), "|")
				if v1 != v2 {
					t.Errorf("%s: net/http %q, httpserver %q", name, v1, v2)
				}
			}
			if r2.Header.Get("Date") == "" {
				t.Error("httpserver sent no Date")
			}
		})
	}
}
