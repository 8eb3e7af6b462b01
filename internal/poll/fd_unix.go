//go:build unix

package poll

import (
	"golang.org/x/sys/unix"
)

// Close closes fd.
func Close(fd int) error { return unix.Close(fd) }

// ShutdownWrite half-closes fd's sending side.
func ShutdownWrite(fd int) error { return unix.Shutdown(fd, unix.SHUT_WR) }

// SetNonblock puts fd in non-blocking mode.
func SetNonblock(fd int) error { return unix.SetNonblock(fd, true) }

// IsAgain reports whether err means the operation would block.
func IsAgain(err error) bool { return err == unix.EAGAIN || err == unix.EWOULDBLOCK }

// SocketError returns the pending error of a socket (SO_ERROR), or nil.
func SocketError(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if v != 0 {
		return unix.Errno(v)
	}
	return nil
}
