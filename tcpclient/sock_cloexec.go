//go:build linux || freebsd || dragonfly

package tcpclient

import "golang.org/x/sys/unix"

// sysSocket returns a non-blocking, close-on-exec stream socket.
func sysSocket(family int) (int, error) {
	return unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
}
