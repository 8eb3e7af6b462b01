//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package httpserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/ioloop"
)

// The graceful stop on SIGTERM, in a child process (the test binary run
// again): requests in flight finish, long polls are answered by the
// shutdown hook, new connections are refused, and the process exits 0.

const shutdownChildEnv = "GOTORNADO_SHUTDOWN_CHILD"

// TestShutdownHelperProcess is the child: not a test of its own.
func TestShutdownHelperProcess(t *testing.T) {
	mode := os.Getenv(shutdownChildEnv)
	if mode == "" {
		t.Skip("run by TestGracefulShutdownOnSignal")
	}
	var mu sync.Mutex
	var polls []httputil.Connection
	app := &funcApp{finish: func(c httputil.Connection, req *httputil.ServerRequest) {
		switch req.Path {
		case "/slow":
			c.(interface{ Loop() *ioloop.Loop }).Loop().CallLater(500*time.Millisecond, func() { respond(c, 200, "slow done") })
		case "/poll":
			mu.Lock()
			polls = append(polls, c)
			mu.Unlock()
		default:
			respond(c, 200, "ok")
		}
	}}
	srv := &Server{Handler: app, Loops: 2, ShutdownTimeout: 5 * time.Second}
	srv.RegisterOnShutdown(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range polls {
			c.AddCallback(func() { respond(c, 200, "bye") })
		}
	})
	var err error
	if mode == "prefork" {
		if err = srv.Bind("127.0.0.1:0"); err == nil {
			fmt.Printf("addr %s\n", srv.Addr())
			err = srv.Start(2)
		}
	} else {
		if err = srv.Listen("127.0.0.1:0"); err == nil {
			fmt.Printf("addr %s\n", srv.Addr())
			err = srv.ServeUntilSignal()
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(3)
	}
	os.Exit(0) // before the test framework prints anything more
}

func TestGracefulShutdownOnSignal(t *testing.T) {
	for _, mode := range []string{"single", "prefork"} {
		t.Run(mode, func(t *testing.T) { testShutdown(t, mode) })
	}
}

func testShutdown(t *testing.T, mode string) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestShutdownHelperProcess$")
	cmd.Env = append(os.Environ(), shutdownChildEnv+"="+mode)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			<-exited
		}
	}()
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		t.Fatalf("the child printed no address; stderr: %s", stderr.String())
	}
	addr, ok := strings.CutPrefix(lines.Text(), "addr ")
	if !ok {
		t.Fatalf("the child printed %q", lines.Text())
	}
	go func() {
		io.Copy(io.Discard, out)
		exited <- cmd.Wait()
	}()

	// Serving: wait until a request goes through (pre-forked children
	// start a moment after the parent prints).
	cl := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := cl.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child does not serve: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cl.CloseIdleConnections()

	send := func(path string) net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"))
		return c
	}
	slow, poll := send("/slow"), send("/poll")
	defer slow.Close()
	defer poll.Close()
	time.Sleep(200 * time.Millisecond) // both requests are in
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c    net.Conn
		want string
	}{{slow, "slow done"}, {poll, "bye"}} {
		tc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(tc.c), nil)
		if err != nil {
			t.Fatalf("waiting for %q: %v", tc.want, err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(b) != tc.want {
			t.Fatalf("response = %d %q, want 200 %q", resp.StatusCode, b, tc.want)
		}
	}
	// Stopping: new connections are refused (or, in a race with the
	// listener's close, closed without an answer).
	if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
		c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, _ := io.ReadAll(c)
		c.Close()
		if len(b) > 0 {
			t.Fatalf("a connection made during the stop was served: %q", b)
		}
	}
	select {
	case err := <-exited:
		killed = true
		if err != nil {
			t.Fatalf("the child exited with %v, want 0; stderr: %s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the child did not exit after SIGTERM")
	}
}
