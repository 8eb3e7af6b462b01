// Package tcpclient opens outgoing connections on an ioloop.Loop and hands
// them over as iostream.Streams (Tornado's TCPClient): the connect is
// non-blocking, host names are resolved off the loop, and the result
// arrives in a callback on the loop.
package tcpclient

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/iostream"
)

// Errors reported by Connect, wrapped in a *net.OpError.
var (
	// ErrTimeout is reported when the timeout passes first; it matches
	// os.ErrDeadlineExceeded with errors.Is.
	ErrTimeout = fmt.Errorf("tcpclient: connect timed out: %w", os.ErrDeadlineExceeded)
	// ErrUnsupported is reported on systems without the Unix socket API.
	ErrUnsupported = errors.New("tcpclient: not supported on this system")
)

// Connect opens a connection to addr on l and calls cb on the loop with
// the stream, or with the error that stopped it. network is "tcp", "tcp4",
// "tcp6" (addr is "host:port"; an IP literal is dialled at once, a host
// name is resolved on the loop's executor and its addresses are tried in
// turn) or "unix" (addr is a socket path). timeout > 0 bounds the whole
// attempt, resolution included; then cb gets an error matching ErrTimeout.
// cb always runs after Connect has returned, exactly once. Connect must be
// called on l's goroutine (or before l starts).
func Connect(l *ioloop.Loop, network, addr string, timeout time.Duration, cb func(*iostream.Stream, error)) {
	connect(l, network, addr, timeout, cb)
}
