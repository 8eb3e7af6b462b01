//go:build (linux && (386 || s390x)) || freebsd || dragonfly

package netutil

import (
	"net"

	"golang.org/x/sys/unix"
)

// accept returns a non-blocking, close-on-exec connection from fd, and its
// peer's address.
func accept(fd int) (int, net.Addr, error) {
	nfd, sa, err := unix.Accept4(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	if err != nil {
		return -1, nil, err
	}
	return nfd, SockaddrToAddr(sa), nil
}
