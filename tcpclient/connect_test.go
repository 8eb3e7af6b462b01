//go:build unix

package tcpclient

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/iostream"
	"github.com/gotornado/tornado/netutil"
)

// runLoop starts a loop on a goroutine of its own and stops and closes it
// when the test ends.
func runLoop(t *testing.T) *ioloop.Loop {
	t.Helper()
	l, err := ioloop.New()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Start() }()
	t.Cleanup(func() {
		l.Stop()
		if err := <-done; err != nil {
			t.Errorf("Loop.Start: %v", err)
		}
		l.Close()
	})
	return l
}

type result struct {
	st       *iostream.Stream
	err      error
	onLoop   bool
	inCall   bool
	duration time.Duration
}

// dial runs Connect on l and waits for its callback.
func dial(t *testing.T, l *ioloop.Loop, network, addr string, timeout time.Duration) result {
	t.Helper()
	ch := make(chan result, 1)
	l.AddCallback(func() {
		start := time.Now()
		inCall := true
		Connect(l, network, addr, timeout, func(st *iostream.Stream, err error) {
			// The callback runs on the loop: it may use the stream.
			r := result{st: st, err: err, inCall: inCall, duration: time.Since(start)}
			if st != nil {
				r.onLoop = st.Loop() == l
			}
			ch <- r
		})
		inCall = false
	})
	select {
	case r := <-ch:
		if r.inCall {
			t.Errorf("callback ran inside Connect")
		}
		return r
	case <-time.After(20 * time.Second):
		t.Fatalf("Connect(%s, %s) never called back", network, addr)
		return result{}
	}
}

// closeOnLoop closes st on its loop.
func closeOnLoop(st *iostream.Stream) {
	done := make(chan struct{})
	st.Loop().AddCallback(func() { st.Close(); close(done) })
	<-done
}

func echoServer(t *testing.T, network, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 64)
			n, _ := c.Read(buf)
			c.Write(buf[:n])
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln
}

// exchange writes msg on st and reads the echo, on the loop.
func exchange(t *testing.T, st *iostream.Stream, msg string) string {
	t.Helper()
	ch := make(chan string, 1)
	st.Loop().AddCallback(func() {
		st.Write([]byte(msg), nil)
		st.ReadBytes(len(msg), false, func(b []byte, err error) { ch <- string(b) })
	})
	select {
	case got := <-ch:
		return got
	case <-time.After(5 * time.Second):
		t.Fatal("no echo")
		return ""
	}
}

func TestConnectTCP(t *testing.T) {
	l := runLoop(t)
	ln := echoServer(t, "tcp", "127.0.0.1:0")
	for _, network := range []string{"tcp", "tcp4"} {
		r := dial(t, l, network, ln.Addr().String(), 5*time.Second)
		if r.err != nil {
			t.Fatalf("Connect(%s): %v", network, r.err)
		}
		if !r.onLoop {
			t.Errorf("stream not on the loop")
		}
		if got := exchange(t, r.st, "hello"); got != "hello" {
			t.Errorf("echo = %q, want hello", got)
		}
		closeOnLoop(r.st)
	}
}

func TestConnectHostName(t *testing.T) {
	l := runLoop(t)
	ln := echoServer(t, "tcp", "127.0.0.1:0")
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	r := dial(t, l, "tcp4", net.JoinHostPort("localhost", port), 10*time.Second)
	if r.err != nil {
		t.Fatalf("Connect(localhost): %v", r.err)
	}
	if got := exchange(t, r.st, "resolved"); got != "resolved" {
		t.Errorf("echo = %q", got)
	}
	closeOnLoop(r.st)
}

func TestConnectIPv6(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback")
	}
	ln.Close()
	l := runLoop(t)
	srv := echoServer(t, "tcp6", "[::1]:0")
	r := dial(t, l, "tcp", srv.Addr().String(), 5*time.Second)
	if r.err != nil {
		t.Fatalf("Connect: %v", r.err)
	}
	if got := exchange(t, r.st, "six"); got != "six" {
		t.Errorf("echo = %q", got)
	}
	closeOnLoop(r.st)
}

func TestConnectUnix(t *testing.T) {
	l := runLoop(t)
	path := filepath.Join(t.TempDir(), "c.sock")
	echoServer(t, "unix", path)
	r := dial(t, l, "unix", path, 5*time.Second)
	if r.err != nil {
		t.Fatalf("Connect(unix): %v", r.err)
	}
	if got := exchange(t, r.st, "local"); got != "local" {
		t.Errorf("echo = %q", got)
	}
	closeOnLoop(r.st)

	r = dial(t, l, "unix", filepath.Join(t.TempDir(), "none.sock"), 5*time.Second)
	if !errors.Is(r.err, syscall.ENOENT) {
		t.Errorf("Connect to a missing socket: %v, want ENOENT", r.err)
	}
}

func TestConnectRefused(t *testing.T) {
	l := runLoop(t)
	// A port that was just free, with nothing listening.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := dial(t, l, "tcp", addr, 5*time.Second)
	if !errors.Is(r.err, syscall.ECONNREFUSED) {
		t.Fatalf("Connect to a closed port: %v, want ECONNREFUSED", r.err)
	}
	var op *net.OpError
	if !errors.As(r.err, &op) || op.Op != "dial" || op.Addr == nil || op.Addr.String() != addr {
		t.Errorf("error %#v: want a dial *net.OpError naming %s", r.err, addr)
	}
}

// TestConnectTimeout connects to a loopback listener whose accept queue
// is full and that never accepts: the kernel drops the SYN, so the connect
// can only end by the timeout.
func TestConnectTimeout(t *testing.T) {
	fds, err := netutil.BindSockets(0, "127.0.0.1", 1, false)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	a, _ := netutil.ListenerAddr(fds[0])
	addr := a.String()
	var fill []net.Conn
	defer func() {
		for _, c := range fill {
			c.Close()
		}
	}()
	full := false
	for range 16 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			full = true
			break
		}
		fill = append(fill, c)
	}
	if !full {
		t.Skip("could not fill the listener's accept queue")
	}

	l := runLoop(t)
	r := dial(t, l, "tcp", addr, 150*time.Millisecond)
	if r.st != nil {
		closeOnLoop(r.st)
	}
	if !errors.Is(r.err, ErrTimeout) || !errors.Is(r.err, os.ErrDeadlineExceeded) {
		t.Fatalf("Connect = %v, want ErrTimeout", r.err)
	}
	if r.duration < 150*time.Millisecond || r.duration > 2*time.Second {
		t.Errorf("timed out after %v, want about 150ms", r.duration)
	}
}

func TestConnectBadInput(t *testing.T) {
	l := runLoop(t)
	for _, tc := range []struct{ network, addr string }{
		{"udp", "127.0.0.1:1"},
		{"tcp", "no-port"},
		{"tcp6", "127.0.0.1:80"}, // no IPv6 address to try
	} {
		r := dial(t, l, tc.network, tc.addr, time.Second)
		if r.err == nil {
			closeOnLoop(r.st)
			t.Errorf("Connect(%s, %s) succeeded", tc.network, tc.addr)
		}
	}
}
