//go:build solaris || illumos

package netutil

func setReusePort(fd int) error { return ErrUnsupported }
