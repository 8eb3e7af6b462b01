//go:build linux

package iostream

import (
	"net"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gotornado/tornado/internal/leakcheck"
	"github.com/gotornado/tornado/ioloop"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// startLoop runs a new loop on its own goroutine until the test ends.
func startLoop(t testing.TB) *ioloop.Loop {
	t.Helper()
	l, err := ioloop.New()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Start() }()
	t.Cleanup(func() {
		l.Stop()
		<-done
		l.Close()
	})
	return l
}

// onLoop runs f on l and waits for it.
func onLoop(l *ioloop.Loop, f func()) {
	done := make(chan struct{})
	l.AddCallback(func() { f(); close(done) })
	<-done
}

// tcpPair returns a Stream on l for the server side of a loopback TCP
// connection, and the client side as a net.Conn.
func tcpPair(t testing.TB, l *ioloop.Loop) (*Stream, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sc.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	fd := -1
	raw.Control(func(f uintptr) { fd, err = unix.Dup(int(f)) })
	sc.Close()
	if err != nil {
		t.Fatal(err)
	}
	unix.SetNonblock(fd, true)
	var s *Stream
	onLoop(l, func() { s, err = New(l, fd) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		client.Close()
		onLoop(l, s.Close)
	})
	return s, client
}
