//go:build unix

package netutil

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

func bindSockets(port int, address string, backlog int, reusePort bool) ([]int, error) {
	if port < 0 || port > 65535 {
		return nil, fmt.Errorf("netutil: invalid port %d", port)
	}
	if backlog <= 0 {
		backlog = defaultBacklog()
	}
	addrs, lenient, err := bindAddrs(address)
	if err != nil {
		return nil, err
	}
	var fds []int
	for _, ip := range addrs {
		fd, p, err := bindTCP(ip, port, backlog, reusePort)
		if err != nil {
			// "" and "localhost" name IPv6 addresses the system may lack
			// (IPv6 disabled, or half-disabled as in default Docker).
			if lenient && ip.Is6() && (errors.Is(err, unix.EAFNOSUPPORT) || errors.Is(err, unix.EADDRNOTAVAIL)) {
				continue
			}
			closeAll(fds)
			return nil, err
		}
		fds = append(fds, fd)
		if port == 0 {
			port = p
		}
	}
	if len(fds) == 0 {
		return nil, ErrNoAddresses
	}
	return fds, nil
}

// bindAddrs returns the addresses to bind for address, and whether IPv6
// ones may be skipped when the system cannot bind them.
func bindAddrs(address string) ([]netip.Addr, bool, error) {
	switch address {
	case "", "*":
		return []netip.Addr{netip.IPv4Unspecified(), netip.IPv6Unspecified()}, true, nil
	case "localhost":
		return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}, true, nil
	}
	lit := strings.TrimSuffix(strings.TrimPrefix(address, "["), "]")
	if ip, err := netip.ParseAddr(lit); err == nil {
		return []netip.Addr{ip.Unmap()}, false, nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", address)
	if err != nil {
		return nil, false, err
	}
	var out []netip.Addr
	for _, ip := range ips {
		ip = ip.Unmap()
		// Skip link-local addresses (macOS lists fe80::1%lo0 for
		// localhost), and duplicates.
		if ip.IsLinkLocalUnicast() || contains(out, ip) {
			continue
		}
		out = append(out, ip)
	}
	if len(out) == 0 {
		return nil, false, ErrNoAddresses
	}
	return out, false, nil
}

func contains(s []netip.Addr, ip netip.Addr) bool {
	for _, x := range s {
		if x == ip {
			return true
		}
	}
	return false
}

// bindTCP returns a listening socket on ip:port and the port it got.
func bindTCP(ip netip.Addr, port, backlog int, reusePort bool) (int, int, error) {
	family := unix.AF_INET
	if ip.Is6() {
		family = unix.AF_INET6
	}
	opErr := func(call string, err error) error {
		return &net.OpError{Op: "listen", Net: "tcp", Addr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))),
			Err: os.NewSyscallError(call, err)}
	}
	fd, err := sysSocket(family, unix.SOCK_STREAM)
	if err != nil {
		return -1, 0, opErr("socket", err)
	}
	fail := func(call string, err error) (int, int, error) {
		unix.Close(fd)
		return -1, 0, opErr(call, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail("setsockopt", err)
	}
	if reusePort {
		if err := setReusePort(fd); err != nil {
			return fail("setsockopt", err)
		}
	}
	var sa unix.Sockaddr
	if ip.Is6() {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
			return fail("setsockopt", err)
		}
		sa6 := &unix.SockaddrInet6{Port: port, Addr: ip.As16()}
		if z := ip.Zone(); z != "" {
			sa6.ZoneId = zoneID(z)
		}
		sa = sa6
	} else {
		sa = &unix.SockaddrInet4{Port: port, Addr: ip.As4()}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	if err := unix.Listen(fd, backlog); err != nil {
		return fail("listen", err)
	}
	if port == 0 {
		got, err := unix.Getsockname(fd)
		if err != nil {
			return fail("getsockname", err)
		}
		switch a := got.(type) {
		case *unix.SockaddrInet4:
			port = a.Port
		case *unix.SockaddrInet6:
			port = a.Port
		}
	}
	return fd, port, nil
}

func zoneID(zone string) uint32 {
	if n, err := strconv.ParseUint(zone, 10, 32); err == nil {
		return uint32(n)
	}
	if ifi, err := net.InterfaceByName(zone); err == nil {
		return uint32(ifi.Index)
	}
	return 0
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

func bindUnixSocket(path string, mode os.FileMode, backlog int) (int, error) {
	if mode == 0 {
		mode = 0o600
	}
	if backlog <= 0 {
		backlog = defaultBacklog()
	}
	opErr := func(call string, err error) error {
		if call != "" {
			err = os.NewSyscallError(call, err)
		}
		return &net.OpError{Op: "listen", Net: "unix", Addr: &net.UnixAddr{Name: path, Net: "unix"}, Err: err}
	}
	abstract := runtime.GOOS == "linux" && strings.HasPrefix(path, "@")
	if !abstract {
		if err := removeStale(path); err != nil {
			return -1, opErr("", err)
		}
	}
	fd, err := sysSocket(unix.AF_UNIX, unix.SOCK_STREAM)
	if err != nil {
		return -1, opErr("socket", err)
	}
	fail := func(call string, err error) (int, error) {
		unix.Close(fd)
		return -1, opErr(call, err)
	}
	// Some systems reject SO_REUSEADDR on Unix sockets (ENOPROTOOPT); it
	// does not matter there.
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		return fail("bind", err)
	}
	if !abstract {
		if err := os.Chmod(path, mode); err != nil {
			os.Remove(path)
			return fail("", err)
		}
	}
	if err := unix.Listen(fd, backlog); err != nil {
		if !abstract {
			os.Remove(path)
		}
		return fail("listen", err)
	}
	return fd, nil
}

// removeStale removes a socket file at path that nobody listens on.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return ErrNotSocket
	}
	if socketLive(path) {
		return os.NewSyscallError("bind", unix.EADDRINUSE)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// socketLive reports whether something accepts connections at path.
func socketLive(path string) bool {
	fd, err := sysSocket(unix.AF_UNIX, unix.SOCK_STREAM)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	err = unix.Connect(fd, &unix.SockaddrUnix{Name: path})
	// A full backlog (EAGAIN) still means a listener.
	return err == nil || err == unix.EAGAIN || err == unix.EINPROGRESS
}

var somaxconn = sync.OnceValue(func() int {
	b, err := os.ReadFile("/proc/sys/net/core/somaxconn")
	if err != nil {
		return 1024
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n <= 0 {
		return 1024
	}
	return min(n, 1<<16-1)
})

func defaultBacklog() int { return somaxconn() }

func localAddr(fd int) (net.Addr, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil, os.NewSyscallError("getsockname", err)
	}
	return SockaddrToAddr(sa), nil
}

func peerAddr(fd int) (net.Addr, error) {
	sa, err := unix.Getpeername(fd)
	if err != nil {
		return nil, os.NewSyscallError("getpeername", err)
	}
	return SockaddrToAddr(sa), nil
}

func setNoDelay(fd int) error {
	return os.NewSyscallError("setsockopt", unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1))
}

// SockaddrToAddr converts a socket address to a *net.TCPAddr or a
// *net.UnixAddr; it returns nil for nil or any other kind. Only on Unix
// systems.
func SockaddrToAddr(sa unix.Sockaddr) net.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return tcp4Addr(a.Addr, a.Port)
	case *unix.SockaddrInet6:
		return tcp6Addr(a.Addr, a.Port, a.ZoneId)
	case *unix.SockaddrUnix:
		return &net.UnixAddr{Name: a.Name, Net: "unix"}
	}
	return nil
}

// tcp4Addr returns the *net.TCPAddr of an IPv4 address and port, made in
// one allocation with the 4 bytes of its IP.
func tcp4Addr(ip [4]byte, port int) *net.TCPAddr {
	a := &struct {
		net.TCPAddr
		ip [4]byte
	}{ip: ip}
	a.TCPAddr = net.TCPAddr{IP: a.ip[:], Port: port}
	return &a.TCPAddr
}

// tcp6Addr returns the *net.TCPAddr of an IPv6 address, port and zone.
func tcp6Addr(ip [16]byte, port int, zone uint32) *net.TCPAddr {
	return &net.TCPAddr{IP: append(net.IP(nil), ip[:]...), Port: port, Zone: zoneName(zone)}
}

func zoneName(id uint32) string {
	if id == 0 {
		return ""
	}
	if ifi, err := net.InterfaceByIndex(int(id)); err == nil {
		return ifi.Name
	}
	return strconv.FormatUint(uint64(id), 10)
}

func socket(family int) (int, error) { return sysSocket(family, unix.SOCK_STREAM) }
