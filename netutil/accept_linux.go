//go:build linux && !386

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
// one allocation: one per connection, not four.
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
		ip := make(net.IP, net.IPv6len)
		copy(ip, p.Addr[:])
		return int(nfd), &net.TCPAddr{IP: ip, Port: netPort(&p.Port), Zone: zoneName(p.Scope_id)}, nil
	}
	// A Unix socket's peer (or another family): as getpeername says.
	addr, err := peerAddr(int(nfd))
	if err != nil {
		addr = nil
	}
	return int(nfd), addr, nil
}

// netPort reads a port in network byte order.
func netPort(p *uint16) int {
	b := (*[2]byte)(unsafe.Pointer(p))
	return int(b[0])<<8 | int(b[1])
}
