//go:build linux || freebsd || dragonfly

package netutil

import "golang.org/x/sys/unix"

// sysSocket returns a non-blocking, close-on-exec socket.
func sysSocket(family, typ int) (int, error) {
	return unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
}
