//go:build linux && !386 && !s390x

package netutil

import (
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// accept returns a non-blocking, close-on-exec connection from fd, and its
// peer's address. The kernel writes the address on this stack rather than
// in a buffer unix.Accept4 allocates, and an IPv4 peer's *net.TCPAddr is
// one allocation: one per connection, not four. (On 386 and s390x, where
// x/sys goes through socketcall for kernels older than 4.3, the x/sys
// call is used: accept_cloexec.go.)
func accept(fd int) (int, net.Addr, error) {
	var rsa unix.RawSockaddrAny
	n := uint32(unix.SizeofSockaddrAny)
	nfd, _, e := syscall.Syscall6(unix.SYS_ACCEPT4, uintptr(fd),
		uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&n)),
		unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	if e != 0 {
		return -1, nil, e
	}
	switch rsa.Addr.Family {
	case unix.AF_INET:
		p := (*unix.RawSockaddrInet4)(unsafe.Pointer(&rsa))
		return int(nfd), tcp4Addr(p.Addr, netPort(&p.Port)), nil
	case unix.AF_INET6:
		p := (*unix.RawSockaddrInet6)(unsafe.Pointer(&rsa))
		return int(nfd), tcp6Addr(p.Addr, netPort(&p.Port), p.Scope_id), nil
	case unix.AF_UNIX:
		return int(nfd), unixAddr((*unix.RawSockaddrUnix)(unsafe.Pointer(&rsa))), nil
	}
	return int(nfd), nil, nil
}

// unixAddr decodes a Unix socket's address as x/sys does: the path up to
// its first NUL, an abstract one's leading NUL written as '@'.
func unixAddr(p *unix.RawSockaddrUnix) *net.UnixAddr {
	path := (*[len(p.Path)]byte)(unsafe.Pointer(&p.Path))
	if path[0] == 0 {
		path[0] = '@'
	}
	n := 0
	for n < len(path) && path[n] != 0 {
		n++
	}
	return &net.UnixAddr{Name: string(path[:n]), Net: "unix"}
}

// netPort reads a port in network byte order.
func netPort(p *uint16) int {
	b := (*[2]byte)(unsafe.Pointer(p))
	return int(b[0])<<8 | int(b[1])
}
