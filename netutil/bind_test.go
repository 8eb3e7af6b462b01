//go:build unix

package netutil

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func closeFds(t *testing.T, fds []int) {
	t.Helper()
	t.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	})
}

// checkListener checks the flags every socket from this package carries.
func checkListener(t *testing.T, fd int) {
	t.Helper()
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil || fl&unix.O_NONBLOCK == 0 {
		t.Errorf("fd %d: O_NONBLOCK not set (flags %#x, %v)", fd, fl, err)
	}
	fdfl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil || fdfl&unix.FD_CLOEXEC == 0 {
		t.Errorf("fd %d: FD_CLOEXEC not set (%#x, %v)", fd, fdfl, err)
	}
	if v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR); err != nil || v == 0 {
		t.Errorf("fd %d: SO_REUSEADDR = %d, %v; want set", fd, v, err)
	}
}

func tcpAddr(t *testing.T, fd int) *net.TCPAddr {
	t.Helper()
	a, err := ListenerAddr(fd)
	if err != nil {
		t.Fatalf("ListenerAddr(%d): %v", fd, err)
	}
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		t.Fatalf("ListenerAddr(%d) = %T, want *net.TCPAddr", fd, a)
	}
	return ta
}

// dial checks that something listens at addr (the kernel completes the
// handshake even if nobody accepts).
func dial(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c.Close()
}

func hasIPv6(t *testing.T) bool {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	return unix.Bind(fd, &unix.SockaddrInet6{Addr: [16]byte{15: 1}}) == nil
}

func TestBindSocketsIPv4(t *testing.T) {
	fds, err := BindSockets(0, "127.0.0.1", 0, false)
	if err != nil {
		t.Fatalf("BindSockets: %v", err)
	}
	closeFds(t, fds)
	if len(fds) != 1 {
		t.Fatalf("BindSockets(0, 127.0.0.1) gave %d sockets, want 1", len(fds))
	}
	checkListener(t, fds[0])
	a := tcpAddr(t, fds[0])
	if !a.IP.Equal(net.IPv4(127, 0, 0, 1)) || a.Port == 0 {
		t.Fatalf("address = %v, want 127.0.0.1 with a port", a)
	}
	if v, _ := unix.GetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_REUSEPORT); v != 0 {
		t.Errorf("SO_REUSEPORT set without reusePort")
	}
	dial(t, a.String())
}

func TestBindSocketsIPv6(t *testing.T) {
	if !hasIPv6(t) {
		t.Skip("no IPv6 loopback")
	}
	for _, addr := range []string{"::1", "[::1]"} {
		fds, err := BindSockets(0, addr, 16, false)
		if err != nil {
			t.Fatalf("BindSockets(%q): %v", addr, err)
		}
		closeFds(t, fds)
		if len(fds) != 1 {
			t.Fatalf("BindSockets(%q) gave %d sockets, want 1", addr, len(fds))
		}
		checkListener(t, fds[0])
		if v, err := unix.GetsockoptInt(fds[0], unix.IPPROTO_IPV6, unix.IPV6_V6ONLY); err != nil || v != 1 {
			t.Errorf("IPV6_V6ONLY = %d, %v; want 1", v, err)
		}
		a := tcpAddr(t, fds[0])
		if !a.IP.Equal(net.IPv6loopback) {
			t.Fatalf("address = %v, want ::1", a)
		}
		dial(t, a.String())
	}
}

func TestBindSocketsAllInterfaces(t *testing.T) {
	fds, err := BindSockets(0, "", 0, false)
	if err != nil {
		t.Fatalf("BindSockets: %v", err)
	}
	closeFds(t, fds)
	want := 1
	if hasIPv6(t) {
		want = 2
	}
	if len(fds) != want {
		t.Fatalf("BindSockets(0, \"\") gave %d sockets, want %d", len(fds), want)
	}
	port := tcpAddr(t, fds[0]).Port
	for _, fd := range fds {
		checkListener(t, fd)
		a := tcpAddr(t, fd)
		if a.Port != port {
			t.Errorf("port %d, want the first socket's %d", a.Port, port)
		}
		if !a.IP.IsUnspecified() {
			t.Errorf("address %v, want unspecified", a)
		}
	}
	dial(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if want == 2 {
		dial(t, net.JoinHostPort("::1", strconv.Itoa(port)))
	}
}

func TestBindSocketsLocalhost(t *testing.T) {
	fds, err := BindSockets(0, "localhost", 0, false)
	if err != nil {
		t.Fatalf("BindSockets: %v", err)
	}
	closeFds(t, fds)
	port := tcpAddr(t, fds[0]).Port
	for _, fd := range fds {
		a := tcpAddr(t, fd)
		if !a.IP.IsLoopback() || a.Port != port {
			t.Errorf("address %v, want a loopback on port %d", a, port)
		}
	}
	if hasIPv6(t) && len(fds) != 2 {
		t.Errorf("BindSockets(0, localhost) gave %d sockets, want 2", len(fds))
	}
}

func TestBindSocketsReusePort(t *testing.T) {
	a, err := BindSockets(0, "127.0.0.1", 0, true)
	if err != nil {
		t.Fatalf("BindSockets: %v", err)
	}
	closeFds(t, a)
	port := tcpAddr(t, a[0]).Port
	b, err := BindSockets(port, "127.0.0.1", 0, true)
	if err != nil {
		t.Fatalf("second BindSockets with reusePort: %v", err)
	}
	closeFds(t, b)
	_, err = BindSockets(port, "127.0.0.1", 0, false)
	if !errors.Is(err, unix.EADDRINUSE) {
		t.Fatalf("BindSockets on a used port without reusePort: %v, want EADDRINUSE", err)
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "listen" {
		t.Errorf("error %v is not a listen *net.OpError", err)
	}
}

func TestBindSocketsErrors(t *testing.T) {
	for _, tc := range []struct {
		port int
		addr string
	}{
		{-1, "127.0.0.1"},
		{65536, "127.0.0.1"},
		{0, "192.0.2.1"},            // not an address of this host
		{0, "no-such-host.invalid"}, // does not resolve
	} {
		fds, err := BindSockets(tc.port, tc.addr, 0, false)
		if err == nil {
			closeFds(t, fds)
			t.Errorf("BindSockets(%d, %q) = %v, want an error", tc.port, tc.addr, fds)
		}
	}
}

func TestBindUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	fd, err := BindUnixSocket(path, 0, 0)
	if err != nil {
		t.Fatalf("BindUnixSocket: %v", err)
	}
	closeFds(t, []int{fd})
	checkListener(t, fd)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket file: %v, %v; want a socket with mode 0600", fi.Mode(), err)
	}
	if a, err := ListenerAddr(fd); err != nil || a.String() != path {
		t.Errorf("ListenerAddr = %v, %v; want %s", a, err, path)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.Close()

	// Someone accepts there: refuse to take the path.
	if fd2, err := BindUnixSocket(path, 0o644, 0); !errors.Is(err, unix.EADDRINUSE) {
		if err == nil {
			unix.Close(fd2)
		}
		t.Fatalf("BindUnixSocket on a live socket: %v, want EADDRINUSE", err)
	}

	// The listener is gone but its file stays: replace it.
	unix.Close(fd)
	fd, err = BindUnixSocket(path, 0o644, 0)
	if err != nil {
		t.Fatalf("BindUnixSocket over a stale socket: %v", err)
	}
	closeFds(t, []int{fd})
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}

	// Not a socket: leave it alone.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fd, err := BindUnixSocket(file, 0, 0); !errors.Is(err, ErrNotSocket) {
		if err == nil {
			unix.Close(fd)
		}
		t.Fatalf("BindUnixSocket over a regular file: %v, want ErrNotSocket", err)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "keep" {
		t.Errorf("regular file changed: %q, %v", b, err)
	}
}

func TestSockaddrToAddr(t *testing.T) {
	for _, tc := range []struct {
		sa   unix.Sockaddr
		want string
	}{
		{&unix.SockaddrInet4{Port: 80, Addr: [4]byte{10, 1, 2, 3}}, "10.1.2.3:80"},
		{&unix.SockaddrInet6{Port: 443, Addr: [16]byte{15: 1}}, "[::1]:443"},
		{&unix.SockaddrUnix{Name: "/tmp/x"}, "/tmp/x"},
	} {
		if got := SockaddrToAddr(tc.sa); got == nil || got.String() != tc.want {
			t.Errorf("SockaddrToAddr(%v) = %v, want %s", tc.sa, got, tc.want)
		}
	}
	if got := SockaddrToAddr(nil); got != nil {
		t.Errorf("SockaddrToAddr(nil) = %v, want nil", got)
	}
}

func TestSetNoDelay(t *testing.T) {
	fd, err := sysSocket(unix.AF_INET, unix.SOCK_STREAM)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := SetNoDelay(fd); err != nil {
		t.Fatalf("SetNoDelay: %v", err)
	}
	if v, _ := unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY); v == 0 {
		t.Errorf("TCP_NODELAY not set")
	}
}
