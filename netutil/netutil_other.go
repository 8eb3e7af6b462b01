//go:build !unix

package netutil

import (
	"net"
	"os"

	"github.com/gotornado/tornado/ioloop"
)

func bindSockets(port int, address string, backlog int, reusePort bool) ([]int, error) {
	return nil, ErrUnsupported
}

func bindUnixSocket(path string, mode os.FileMode, backlog int) (int, error) {
	return -1, ErrUnsupported
}

func addAcceptHandler(l *ioloop.Loop, fd int, cb func(int, net.Addr)) (func(), error) {
	return nil, ErrUnsupported
}

func localAddr(fd int) (net.Addr, error) { return nil, ErrUnsupported }

func peerAddr(fd int) (net.Addr, error) { return nil, ErrUnsupported }

func setNoDelay(fd int) error { return ErrUnsupported }

func defaultBacklog() int { return 1024 }

func socket(family int) (int, error) { return -1, ErrUnsupported }
