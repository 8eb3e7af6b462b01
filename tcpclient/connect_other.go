//go:build !unix

package tcpclient

import (
	"net"
	"time"

	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/iostream"
)

func connect(l *ioloop.Loop, network, addr string, timeout time.Duration, cb func(*iostream.Stream, error)) {
	l.AddCallback(func() { cb(nil, &net.OpError{Op: "dial", Net: network, Err: ErrUnsupported}) })
}
