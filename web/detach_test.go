package web

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// asyncHandler detaches and finishes from another goroutine.
type asyncHandler struct {
	RequestHandler
	wg *sync.WaitGroup
}

func (h *asyncHandler) Initialize(args Args) error {
	h.wg = args["wg"].(*sync.WaitGroup)
	return nil
}

func (h *asyncHandler) Get() error {
	h.Asynchronous()
	h.SetHeader("X-Before", "1")
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for i := 0; i < 3; i++ {
			h.WriteString(fmt.Sprintf("part%d;", i))
		}
		h.WriteJSON(map[string]int{"n": 3}) // sets Content-Type on the handler's goroutine
		h.Run(func() { h.SetHeader("X-Run", h.Request().Method) })
		if err := h.Finish(); err != nil {
			panic(err)
		}
		if err := h.Finish(); !errors.Is(err, ErrFinished) {
			panic(fmt.Sprintf("second Finish = %v", err))
		}
		if _, err := h.WriteString("late"); !errors.Is(err, ErrFinished) {
			panic(fmt.Sprintf("Write after Finish = %v", err))
		}
	}()
	return nil
}

func (h *asyncHandler) Post() error {
	h.Asynchronous()
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		switch h.Request().Query { // read before the handler's goroutine can change it: the request is not modified
		case "error":
			h.WriteString("discarded")
			h.SendError(502, &HTTPError{Code: 502, LogMessage: "upstream"})
		case "redirect":
			h.Redirect("/elsewhere", 307)
		case "stream":
			for i := 0; i < 3; i++ {
				h.WriteString("x")
				done := make(chan error, 1)
				h.Flush(func(err error) { done <- err })
				if err := <-done; err != nil {
					panic(err)
				}
			}
			h.Finish()
		}
	}()
	return nil
}

func TestDetach(t *testing.T) {
	var wg sync.WaitGroup
	defer wg.Wait()
	settings, _ := quietSettings(t)
	app := NewApplication([]Rule{R[asyncHandler](`/`, Args{"wg": &wg})}, settings)
	check := func(t *testing.T, code int, hdr func(string) string, body string) {
		if code != 200 || body != `part0;part1;part2;{"n":3}` {
			t.Errorf("detached GET = %d %q", code, body)
		}
		if hdr("X-Before") != "1" || hdr("X-Run") != "GET" || hdr("Content-Type") != "application/json; charset=UTF-8" {
			t.Errorf("detached GET headers: X-Before %q X-Run %q Content-Type %q", hdr("X-Before"), hdr("X-Run"), hdr("Content-Type"))
		}
	}
	t.Run("net/http", func(t *testing.T) {
		base, c := serve(t, app)
		for i := 0; i < 5; i++ {
			resp, body := fetch(t, c, "GET", base+"/", "")
			check(t, resp.StatusCode, resp.Header.Get, body)
		}
		tests := []struct {
			query, body, location string
			code                  int
		}{
			{"error", "<html><title>502: Bad Gateway</title><body>502: Bad Gateway</body></html>", "", 502},
			{"redirect", "", "/elsewhere", 307},
			{"stream", "xxx", "", 200},
		}
		for _, tt := range tests {
			resp, body := fetch(t, c, "POST", base+"/?"+tt.query, "")
			if resp.StatusCode != tt.code || body != tt.body || resp.Header.Get("Location") != tt.location {
				t.Errorf("detached POST ?%s = %d %q %q, want %d %q %q", tt.query, resp.StatusCode, body, resp.Header.Get("Location"), tt.code, tt.body, tt.location)
			}
		}
	})
	t.Run("loop", func(t *testing.T) {
		c := serveFake(t, app, newRequest("GET", "/"), "")
		check(t, c.code, c.header.Get, c.body.String())
		c = serveFake(t, app, newRequest("POST", "/?stream"), "")
		if c.writes != 3 || c.body.String() != "xxx" {
			t.Errorf("streamed detached POST: %d writes %q", c.writes, c.body.String())
		}
	})
}

// closeWatcher detaches and reports OnConnectionClose.
type closeWatcher struct {
	RequestHandler
	started, closed chan struct{}
}

func (h *closeWatcher) Initialize(args Args) error {
	h.started, h.closed = args["started"].(chan struct{}), args["closed"].(chan struct{})
	return nil
}

func (h *closeWatcher) Get() error {
	h.Asynchronous()
	h.WriteString("waiting")
	h.Flush(nil)
	close(h.started)
	return nil
}

func (h *closeWatcher) OnConnectionClose() {
	close(h.closed)
	h.Finish() // too late: dropped
}

func TestOnConnectionClose(t *testing.T) {
	started, closed := make(chan struct{}), make(chan struct{})
	settings, _ := quietSettings(t)
	app := NewApplication([]Rule{R[closeWatcher](`/`, Args{"started": started, "closed": closed})}, settings)
	t.Run("net/http", func(t *testing.T) {
		base, _ := serve(t, app)
		leaveMidResponse(t, base, started, closed)
	})
	t.Run("httpserver", func(t *testing.T) {
		started, closed := make(chan struct{}), make(chan struct{})
		app := NewApplication([]Rule{R[closeWatcher](`/`, Args{"started": started, "closed": closed})}, settings)
		leaveMidResponse(t, serveLoop(t, app), started, closed)
	})
	t.Run("loop", func(t *testing.T) {
		started, closed := make(chan struct{}), make(chan struct{})
		app := NewApplication([]Rule{R[closeWatcher](`/`, Args{"started": started, "closed": closed})}, settings)
		c := newFakeConn()
		d := app.StartRequest(c)
		d.HeadersReceived(newRequest("GET", "/"))
		d.Finish()
		<-started
		c.onClose() // the client goes away
		d.OnConnectionClose()
		<-closed // called once
		c.run(t)
	})
}

// leaveMidResponse requests / from base, waits for the first bytes of the
// response, hangs up, and expects the handler's OnConnectionClose.
func leaveMidResponse(t *testing.T, base string, started, closed chan struct{}) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	buf := make([]byte, 1)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(buf); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("OnConnectionClose not called")
	}
}
