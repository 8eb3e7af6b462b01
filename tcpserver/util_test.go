package tcpserver

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/gotornado/tornado/iostream"
)

// echoLines sends every line back until the peer goes away.
func echoLines(st *iostream.Stream, _ net.Addr) {
	var next func()
	next = func() {
		err := st.ReadUntil([]byte("\n"), 1<<20, func(line []byte, err error) {
			if err != nil {
				return
			}
			if err := st.Write(line, nil); err != nil {
				st.Close()
				return
			}
			next()
		})
		if err != nil {
			st.Close()
		}
	}
	next()
}

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// serve listens on 127.0.0.1:0, serves on a goroutine, and stops the
// server when the test ends. It returns the address and a function that
// waits for Serve's result.
func serve(t testing.TB, s *Server) (string, func() error) {
	t.Helper()
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	done := make(chan struct{})
	var serveErr error
	go func() {
		serveErr = s.Serve()
		close(done)
	}()
	wait := func() error {
		select {
		case <-done:
			return serveErr
		case <-time.After(10 * time.Second):
			return errors.New("Serve did not return after Stop")
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Stop(ctx)
		if err := wait(); !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve = %v, want ErrServerClosed", err)
		}
	})
	return s.Addr().String(), wait
}

// roundTrip sends line on c and checks that it comes back.
func roundTrip(t testing.TB, c net.Conn, r *bufio.Reader, line string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, line); err != nil {
		t.Fatalf("write: %v", err)
	}
	got, err := r.ReadString('\n')
	if err != nil || got != line {
		t.Fatalf("echo = %q, %v; want %q", got, err, line)
	}
}
