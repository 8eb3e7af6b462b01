//go:build unix && !linux && !freebsd && !dragonfly

package netutil

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// sysSocket returns a non-blocking, close-on-exec socket. Without
// SOCK_CLOEXEC the fd is marked under syscall.ForkLock, so that a
// concurrent exec cannot inherit it.
func sysSocket(family, typ int) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(family, typ, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// accept returns a non-blocking, close-on-exec connection from fd.
func accept(fd int) (int, net.Addr, error) {
	syscall.ForkLock.RLock()
	nfd, sa, err := unix.Accept(fd)
	if err == nil {
		unix.CloseOnExec(nfd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, nil, err
	}
	if err := unix.SetNonblock(nfd, true); err != nil {
		unix.Close(nfd)
		return -1, nil, err
	}
	return nfd, SockaddrToAddr(sa), nil
}
