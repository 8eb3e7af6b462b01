//go:build unix && !linux && !freebsd && !dragonfly

package tcpclient

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// sysSocket returns a non-blocking, close-on-exec stream socket, marked
// under syscall.ForkLock so that a concurrent exec cannot inherit it.
func sysSocket(family int) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(family, unix.SOCK_STREAM, 0)
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
