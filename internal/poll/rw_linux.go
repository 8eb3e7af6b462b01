//go:build linux

package poll

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Read reads from a non-blocking fd, retrying on EINTR. The fd never
// blocks, so this is a raw system call: it skips the scheduler's
// bookkeeping for calls that may block (entersyscall/exitsyscall), which
// is a measurable share of a small request's cost.
func Read(fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	for {
		n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(ptr), uintptr(len(p)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return -1, e
		}
		return int(n), nil
	}
}

// Write writes to a non-blocking fd, retrying on EINTR; a raw system call
// like Read.
func Write(fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	for {
		n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(ptr), uintptr(len(p)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return -1, e
		}
		return int(n), nil
	}
}
