package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotornado/tornado/httpserver"
	"github.com/gotornado/tornado/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// serve runs the application on one loop on 127.0.0.1 and returns its
// address.
func serve(t *testing.T, waiting *atomic.Int64) string {
	t.Helper()
	srv := &httpserver.Server{Handler: newApplication(waiting, slog.New(slog.DiscardHandler)), Loops: 1, Logger: slog.New(slog.DiscardHandler)}
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := <-done; !errors.Is(err, httpserver.ErrServerClosed) {
			t.Errorf("Serve() = %v", err)
		}
	})
	return srv.Addr().String()
}

// 2,000 requests sleeping at once hold no goroutine: the count of the
// process's goroutines (the server is in it) stays where it was while
// they wait, and each is answered with the page after its sleep.
func TestSleepingRequestsHoldNoGoroutine(t *testing.T) {
	const n = 2000
	var waiting atomic.Int64
	addr := serve(t, &waiting)
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n { // connected first, so that the sleeps start together below
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", len(conns), err)
		}
		c.SetDeadline(time.Now().Add(60 * time.Second))
		conns = append(conns, c)
	}
	before := runtime.NumGoroutine()
	for i, c := range conns {
		if _, err := io.WriteString(c, "GET /sleep?seconds=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	peak := int64(0)
	for deadline := time.Now().Add(2 * time.Second); peak < n && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		peak = max(peak, waiting.Load())
	}
	during := runtime.NumGoroutine()
	if peak != n {
		t.Fatalf("at most %d of %d requests were sleeping at once", peak, n)
	}
	if during > before+10 {
		t.Errorf("%d goroutines while %d requests sleep, %d before: want no goroutine per request", during, n, before)
	}
	for i, c := range conns {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), "slept for 2 seconds") {
			t.Fatalf("response %d = %d %q, %v", i, resp.StatusCode, body, err)
		}
	}
	if w := waiting.Load(); w != 0 {
		t.Errorf("%d requests still counted as sleeping", w)
	}
	t.Logf("%d goroutines before, %d while %d requests slept", before, during, n)
}

// The sleep is bounded, and a bad one is refused.
func TestSleepArguments(t *testing.T) {
	var waiting atomic.Int64
	base := "http://" + serve(t, &waiting)
	c := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	for _, tc := range []struct {
		query string
		code  int
		body  string
	}{
		{"?seconds=0", 200, "slept for 0 seconds"},
		{"?seconds=0.01", 200, "slept for 0.01 seconds"},
		{"?seconds=11", 400, "seconds must be a number from 0 to 10"},
		{"?seconds=-1", 400, "seconds must be a number"},
		{"?seconds=NaN", 400, "seconds must be a number"},
		{"?seconds=soon", 400, "seconds must be a number"},
	} {
		resp, err := c.Get(base + "/sleep" + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(string(body), tc.body) {
			t.Errorf("GET /sleep%s = %d %q, want %d and %q", tc.query, resp.StatusCode, body, tc.code, tc.body)
		}
	}
}

// A client that leaves stops its timer: the request no longer counts as
// sleeping.
func TestLeavingClientStopsItsTimer(t *testing.T) {
	var waiting atomic.Int64
	addr := serve(t, &waiting)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /sleep?seconds=10 HTTP/1.1\r\nHost: x\r\n\r\n")
	for deadline := time.Now().Add(5 * time.Second); waiting.Load() != 1; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request did not start sleeping")
		}
	}
	c.Close()
	for deadline := time.Now().Add(5 * time.Second); waiting.Load() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request still sleeps after its client left")
		}
	}
}
