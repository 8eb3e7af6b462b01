package netutil

import "golang.org/x/sys/unix"

// setReusePort uses SO_REUSEPORT_LB, FreeBSD's load-balancing variant: a
// plain SO_REUSEPORT there gives every connection to one socket.
func setReusePort(fd int) error {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT_LB, 1)
}
