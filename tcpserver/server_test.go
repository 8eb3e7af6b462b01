//go:build unix

package tcpserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/iostream"
	"github.com/gotornado/tornado/netutil"
)

// TestEchoManyClients has 1,000 clients connected to one loop at once,
// each sending a different line and getting it back.
func TestEchoManyClients(t *testing.T) {
	const n = 1000
	var open, peak atomic.Int64
	s := &Server{Loops: 1, Logger: quietLogger, HandleStream: func(st *iostream.Stream, a net.Addr) {
		if v := open.Add(1); v > peak.Load() {
			peak.Store(v) // one loop: no race between Load and Store
		}
		echoLines(st, a)
	}}
	addr, _ := serve(t, s)

	var connected, finished sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for i := range n {
		connected.Add(1)
		finished.Add(1)
		go func() {
			defer finished.Done()
			c, err := net.DialTimeout("tcp", addr, 10*time.Second)
			connected.Done()
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			<-start
			c.SetDeadline(time.Now().Add(30 * time.Second))
			msg := fmt.Sprintf("client %d %s\n", i, strings.Repeat("x", i%300))
			if _, err := io.WriteString(c, msg); err != nil {
				errs <- err
				return
			}
			got := make([]byte, len(msg))
			if _, err := io.ReadFull(c, got); err != nil {
				errs <- fmt.Errorf("client %d: %w", i, err)
				return
			}
			if string(got) != msg {
				errs <- fmt.Errorf("client %d got %q, want %q", i, got, msg)
			}
		}()
	}
	connected.Wait()
	close(start)
	finished.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if p := peak.Load(); p != n {
		t.Errorf("peak streams = %d, want %d", p, n)
	}
}

func TestStopGraceful(t *testing.T) {
	s := &Server{Loops: 1, Logger: quietLogger, HandleStream: echoLines}
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr().String()
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	roundTrip(t, c, r, "before\n")

	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		stopped <- s.Stop(ctx)
	}()
	// The listener closes...
	deadline := time.Now().Add(5 * time.Second)
	for {
		c2, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c2.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still accepting after Stop")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// ...but Stop waits for the open stream, which still works.
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned %v with a stream open", err)
	case <-time.After(100 * time.Millisecond):
	}
	roundTrip(t, c, r, "during\n")
	c.Close()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Stop = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not return after the last stream closed")
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve = %v, want ErrServerClosed", err)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Errorf("second Stop = %v, want nil", err)
	}
}

func TestStopForce(t *testing.T) {
	s := &Server{Loops: 2, Logger: quietLogger, HandleStream: echoLines}
	addr, served := serve(t, s)
	var conns []net.Conn
	for range 4 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		roundTrip(t, c, bufio.NewReader(c), "hi\n")
		conns = append(conns, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop = %v, want DeadlineExceeded", err)
	}
	for _, c := range conns {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if n, err := c.Read(make([]byte, 1)); err == nil {
			t.Errorf("read %d bytes from a force-closed stream", n)
		}
	}
	if err := served(); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve = %v, want ErrServerClosed", err)
	}
}

// TestOnStop closes idle streams from OnStop, as an HTTP server closes
// idle keep-alive connections, so that Stop returns at once.
func TestOnStop(t *testing.T) {
	var mu sync.Mutex
	idle := map[*ioloop.Loop][]*iostream.Stream{}
	var calls []*ioloop.Loop
	s := &Server{Loops: 2, Logger: quietLogger}
	s.HandleStream = func(st *iostream.Stream, a net.Addr) {
		mu.Lock()
		idle[st.Loop()] = append(idle[st.Loop()], st)
		mu.Unlock()
		echoLines(st, a)
	}
	s.OnStop = func(l *ioloop.Loop) {
		mu.Lock()
		calls = append(calls, l)
		sts := idle[l]
		mu.Unlock()
		for _, st := range sts {
			st.Close()
		}
	}
	addr, _ := serve(t, s)
	for range 8 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		roundTrip(t, c, bufio.NewReader(c), "hi\n")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("Stop = %v, want nil", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Stop took %v with every stream closed by OnStop", d)
	}
	if len(calls) != 2 || calls[0] == calls[1] {
		t.Errorf("OnStop called for %v, want once for each of 2 loops", calls)
	}
}

// TestLoopsShareThePort checks that each loop has its own listener on the
// one port, and that connections reach both.
func TestLoopsShareThePort(t *testing.T) {
	var mu sync.Mutex
	seen := map[*ioloop.Loop]int{}
	s := &Server{Loops: 2, Logger: quietLogger, HandleStream: func(st *iostream.Stream, a net.Addr) {
		mu.Lock()
		seen[st.Loop()]++
		mu.Unlock()
		echoLines(st, a)
	}}
	addr, _ := serve(t, s)
	if len(s.workers) != 2 || len(s.workers[0].listeners) != 1 || len(s.workers[1].listeners) != 1 {
		t.Fatalf("want one listener per loop")
	}
	for range 64 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, c, bufio.NewReader(c), "hi\n")
		c.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Errorf("connections per loop: %v, want both loops used", seen)
	}
}

func TestHandleStreamPanic(t *testing.T) {
	var calls atomic.Int32
	s := &Server{Loops: 1, Logger: quietLogger, HandleStream: func(st *iostream.Stream, a net.Addr) {
		if calls.Add(1) == 1 {
			panic("boom")
		}
		echoLines(st, a)
	}}
	addr, _ := serve(t, s)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("read after a panicking handler: %v, want EOF", err)
	}
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	roundTrip(t, c2, bufio.NewReader(c2), "still here\n")
}

func TestAddSocketsUnix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "echo.sock")
	fd, err := netutil.BindUnixSocket(path, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Loops: 1, Logger: quietLogger, HandleStream: echoLines}
	if err := s.AddSockets(fd); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, bufio.NewReader(c), "over unix\n")
	c.Close()
	if err := s.Stop(context.Background()); err != nil {
		t.Errorf("Stop = %v", err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve = %v, want ErrServerClosed", err)
	}
}

func TestServerStates(t *testing.T) {
	if err := (&Server{}).Listen("127.0.0.1:0"); !errors.Is(err, ErrNoHandler) {
		t.Errorf("Listen without HandleStream = %v, want ErrNoHandler", err)
	}
	if err := (&Server{HandleStream: echoLines}).Serve(); !errors.Is(err, ErrNotListening) {
		t.Errorf("Serve before Listen = %v, want ErrNotListening", err)
	}
	if err := (&Server{HandleStream: echoLines}).Listen("127.0.0.1:http-nope"); err == nil {
		t.Errorf("Listen with a bad port succeeded")
	}

	// Listen, then Stop without Serve: the sockets close.
	s := &Server{Loops: 2, HandleStream: echoLines}
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr().String()
	if err := s.Bind("127.0.0.1:0"); !errors.Is(err, ErrBadState) {
		t.Errorf("Bind after Listen = %v, want ErrBadState", err)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatalf("Stop = %v", err)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("listener still open after Stop")
	}
	if err := s.Serve(); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after Stop = %v, want ErrServerClosed", err)
	}
	if err := s.Listen("127.0.0.1:0"); !errors.Is(err, ErrBadState) {
		t.Errorf("Listen after Stop = %v, want ErrBadState", err)
	}

	// A failed first Listen leaves nothing open (leakcheck sees to it).
	var used Server
	used.HandleStream = echoLines
	if err := used.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer used.Stop(context.Background())
	s2 := &Server{HandleStream: echoLines}
	if err := s2.Listen("192.0.2.1:0"); err == nil {
		s2.Stop(context.Background())
		t.Errorf("Listen on a foreign address succeeded")
	}
	// Bind then Stop without Start closes the sockets.
	s3 := &Server{HandleStream: echoLines}
	if err := s3.Bind("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := s3.Stop(context.Background()); err != nil {
		t.Errorf("Stop after Bind = %v", err)
	}
	if err := s3.Start(2); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Start after Stop = %v, want ErrServerClosed", err)
	}
}

func TestTaskIDOutsideChild(t *testing.T) {
	if id, ok := TaskID(); ok {
		t.Errorf("TaskID() = %d, true outside a pre-fork child", id)
	}
}
