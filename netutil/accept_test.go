//go:build unix

package netutil

import (
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gotornado/tornado/ioloop"
)

// runLoop starts l on a goroutine of its own and stops and closes it when
// the test ends.
func runLoop(t *testing.T, l *ioloop.Loop) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- l.Start() }()
	t.Cleanup(func() {
		l.Stop()
		if err := <-done; err != nil {
			t.Errorf("Loop.Start: %v", err)
		}
		l.Close()
	})
}

// onLoop runs f on l and waits for it.
func onLoop(l *ioloop.Loop, f func()) {
	done := make(chan struct{})
	l.AddCallback(func() { f(); close(done) })
	<-done
}

func newLoop(t *testing.T) *ioloop.Loop {
	t.Helper()
	l, err := ioloop.New()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func listen(t *testing.T) (int, string) {
	t.Helper()
	fds, err := BindSockets(0, "127.0.0.1", 0, false)
	if err != nil {
		t.Fatal(err)
	}
	closeFds(t, fds)
	return fds[0], tcpAddr(t, fds[0]).String()
}

// TestAcceptHandlerPending queues many connections before the loop runs,
// then checks that all are accepted, in batches no larger than
// AcceptBatch per readiness event.
func TestAcceptHandlerPending(t *testing.T) {
	const n = 3*AcceptBatch + 17
	lfd, addr := listen(t)
	var clients []net.Conn
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for range n {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			t.Fatalf("dial %d: %v", len(clients), err)
		}
		clients = append(clients, c)
	}

	l := newLoop(t)
	var (
		mu       sync.Mutex
		accepted []int
		batches  []int // connections accepted between two loop callbacks
		inBatch  int
		badAddr  net.Addr
		badFlags bool
		done     = make(chan struct{})
	)
	var tick func()
	tick = func() { // runs once per loop iteration, after the fd handlers
		mu.Lock()
		if inBatch > 0 {
			batches = append(batches, inBatch)
			inBatch = 0
		}
		mu.Unlock()
		if len(accepted) < n {
			l.AddCallback(tick)
		}
	}
	remove, err := AddAcceptHandler(l, lfd, func(conn int, a net.Addr) {
		mu.Lock()
		defer mu.Unlock()
		accepted = append(accepted, conn)
		inBatch++
		if ta, ok := a.(*net.TCPAddr); !ok || !ta.IP.IsLoopback() || ta.Port == 0 {
			badAddr = a
		}
		fl, _ := unix.FcntlInt(uintptr(conn), unix.F_GETFL, 0)
		fdfl, _ := unix.FcntlInt(uintptr(conn), unix.F_GETFD, 0)
		if fl&unix.O_NONBLOCK == 0 || fdfl&unix.FD_CLOEXEC == 0 {
			badFlags = true
		}
		if len(accepted) == n {
			close(done)
		}
	})
	if err != nil {
		t.Fatalf("AddAcceptHandler: %v", err)
	}
	l.AddCallback(tick)
	runLoop(t, l)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		mu.Lock()
		t.Fatalf("accepted %d of %d connections", len(accepted), n)
	}
	onLoop(l, remove)
	mu.Lock()
	defer mu.Unlock()
	for _, fd := range accepted {
		unix.Close(fd)
	}
	if badAddr != nil {
		t.Errorf("peer address %v, want a loopback *net.TCPAddr", badAddr)
	}
	if badFlags {
		t.Errorf("an accepted fd lacks O_NONBLOCK or FD_CLOEXEC")
	}
	for _, b := range batches {
		if b > AcceptBatch {
			t.Errorf("batches %v: one exceeds AcceptBatch (%d)", batches, AcceptBatch)
			break
		}
	}
	if len(batches) < n/AcceptBatch {
		t.Errorf("batches %v: want at least %d", batches, n/AcceptBatch)
	}
}

func TestAcceptHandlerRemove(t *testing.T) {
	lfd, addr := listen(t)
	l := newLoop(t)
	runLoop(t, l)
	got := make(chan int, 10)
	var remove func()
	onLoop(l, func() {
		var err error
		remove, err = AddAcceptHandler(l, lfd, func(conn int, _ net.Addr) { got <- conn })
		if err != nil {
			t.Errorf("AddAcceptHandler: %v", err)
		}
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case fd := <-got:
		unix.Close(fd)
	case <-time.After(5 * time.Second):
		t.Fatal("connection not accepted")
	}
	onLoop(l, remove)
	onLoop(l, remove) // a second call does nothing
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	select {
	case fd := <-got:
		unix.Close(fd)
		t.Fatal("accepted after remove")
	case <-time.After(100 * time.Millisecond):
	}
	// The listener is still usable, and the connection still queued.
	onLoop(l, func() {
		if _, err := AddAcceptHandler(l, lfd, func(conn int, _ net.Addr) { got <- conn }); err != nil {
			t.Errorf("AddAcceptHandler again: %v", err)
		}
	})
	select {
	case fd := <-got:
		unix.Close(fd)
	case <-time.After(5 * time.Second):
		t.Fatal("queued connection not accepted after re-adding")
	}
	onLoop(l, func() { l.RemoveHandler(lfd) })
}

func TestAcceptHandlerUnix(t *testing.T) {
	path := t.TempDir() + "/a.sock"
	lfd, err := BindUnixSocket(path, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	closeFds(t, []int{lfd})
	l := newLoop(t)
	got := make(chan net.Addr, 1)
	remove, err := AddAcceptHandler(l, lfd, func(conn int, a net.Addr) {
		unix.Close(conn)
		got <- a
	})
	if err != nil {
		t.Fatal(err)
	}
	runLoop(t, l)
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case a := <-got:
		if _, ok := a.(*net.UnixAddr); !ok {
			t.Errorf("peer address %T, want *net.UnixAddr", a)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("connection not accepted")
	}
	onLoop(l, remove)
}

// TestAcceptPeerAddress: the address handed with each connection is its
// peer's, IP and port, over IPv4 and (where the machine has it) IPv6.
func TestAcceptPeerAddress(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			fds, err := BindSockets(0, host, 0, false)
			if err != nil {
				if host == "::1" {
					t.Skipf("no IPv6 loopback: %v", err)
				}
				t.Fatal(err)
			}
			closeFds(t, fds)
			l := newLoop(t)
			got := make(chan net.Addr, 1)
			remove, err := AddAcceptHandler(l, fds[0], func(conn int, a net.Addr) {
				unix.Close(conn)
				got <- a
			})
			if err != nil {
				t.Fatal(err)
			}
			runLoop(t, l)
			defer onLoop(l, remove)
			c, err := net.DialTimeout("tcp", tcpAddr(t, fds[0]).String(), 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			select {
			case a := <-got:
				want := c.LocalAddr().(*net.TCPAddr)
				ta, ok := a.(*net.TCPAddr)
				if !ok || !ta.IP.Equal(want.IP) || ta.Port != want.Port || ta.String() != want.String() {
					t.Errorf("peer address %#v (%v), want %v", a, a, want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("connection not accepted")
			}
		})
	}
}
