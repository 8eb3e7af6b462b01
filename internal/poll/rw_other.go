//go:build unix && !linux

package poll

import "golang.org/x/sys/unix"

// Read reads from a non-blocking fd, retrying on EINTR.
func Read(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Read(fd, p)
		if err == unix.EINTR {
			continue
		}
		return n, err
	}
}

// Write writes to a non-blocking fd, retrying on EINTR.
func Write(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Write(fd, p)
		if err == unix.EINTR {
			continue
		}
		return n, err
	}
}
