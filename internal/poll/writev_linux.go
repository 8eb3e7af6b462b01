//go:build linux

package poll

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

const maxIOV = 1024 // IOV_MAX on Linux

// IOVecs is reusable scratch space for Writev, so that a gathered write
// allocates nothing. Owned by one goroutine.
type IOVecs struct{ v []unix.Iovec }

// Writev writes the buffers with one system call, retrying on EINTR.
// Empty buffers are skipped; at most 1024 buffers are written per call.
func (s *IOVecs) Writev(fd int, bufs [][]byte) (int, error) {
	v := s.v[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		if len(v) == maxIOV {
			break
		}
		iov := unix.Iovec{Base: &b[0]}
		iov.SetLen(len(b))
		v = append(v, iov)
	}
	s.v = v
	if len(v) == 0 {
		return 0, nil
	}
	for {
		n, _, e := unix.RawSyscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&v[0])), uintptr(len(v)))
		if e == unix.EINTR {
			continue
		}
		clear(s.v) // drop references to the caller's buffers
		if e != 0 {
			return 0, e
		}
		return int(n), nil
	}
}
