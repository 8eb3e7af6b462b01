//go:build !unix

package tcpserver

import "github.com/gotornado/tornado/netutil"

func bindShared(port int, host string, backlog int) ([]int, error) {
	return netutil.BindSockets(port, host, backlog, false)
}

func adoptSocket(fd int) error { return netutil.ErrUnsupported }

func (s *Server) runChildren(n int, fds, counts []int, f *forkState) error {
	return netutil.ErrUnsupported
}
