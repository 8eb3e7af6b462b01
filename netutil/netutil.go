// Package netutil creates listening sockets and accepts connections on an
// ioloop.Loop (Tornado's tornado.netutil). Sockets are raw, non-blocking,
// close-on-exec fds, ready to be wrapped in an iostream.Stream.
//
// On systems without the Unix socket API every function returns
// ErrUnsupported.
package netutil

import (
	"errors"
	"net"
	"os"

	"github.com/gotornado/tornado/ioloop"
)

// Errors returned by this package.
var (
	ErrUnsupported = errors.New("netutil: not supported on this system")
	ErrNotSocket   = errors.New("netutil: file exists and is not a socket")
	ErrNoAddresses = errors.New("netutil: no usable address to bind")
)

// BindSockets creates listening TCP sockets on port for every address that
// address names, like Tornado's bind_sockets: "" means all interfaces (an
// IPv4 socket and, where the system has IPv6, an IPv6 one with
// IPV6_V6ONLY), "localhost" both loopbacks, an IP literal itself, and a
// host name whatever it resolves to. With port 0 the first socket's port is
// reused for the others, so that they all listen on one port.
//
// Every socket has SO_REUSEADDR, and SO_REUSEPORT when reusePort is true
// (SO_REUSEPORT_LB on FreeBSD), so that several sockets, one per loop or
// process, can share the port with the kernel spreading connections among
// them. backlog <= 0 means DefaultBacklog(). The fds are non-blocking and
// close-on-exec; the caller owns them. On error none is left open.
// Safe for concurrent use.
func BindSockets(port int, address string, backlog int, reusePort bool) ([]int, error) {
	return bindSockets(port, address, backlog, reusePort)
}

// BindUnixSocket creates a listening Unix-domain stream socket at path with
// permissions mode (0 means 0600), like Tornado's bind_unix_socket. A stale
// socket file left at path (one nobody accepts on) is removed first; a live
// one makes it fail with EADDRINUSE, and any other kind of file with
// ErrNotSocket. On Linux a path starting with '@' names an abstract socket.
// backlog <= 0 means DefaultBacklog(). The fd is non-blocking and
// close-on-exec; the caller owns it (and the file). Safe for concurrent use.
func BindUnixSocket(path string, mode os.FileMode, backlog int) (int, error) {
	return bindUnixSocket(path, mode, backlog)
}

// AddAcceptHandler makes l accept connections on the listening socket fd,
// like Tornado's add_accept_handler: each time fd is readable, it accepts
// (non-blocking, close-on-exec) until the queue is empty or a batch of
// AcceptBatch connections is done, calling cb on the loop with each new fd
// (which cb then owns) and the peer's address.
//
// When the process or system runs out of fds (EMFILE, ENFILE) it does not
// spin: it logs once (to l.Logger, or slog.Default()), stops watching fd and
// tries again after a back-off that grows from 100ms to 1s, logging each
// retry that fails again at Debug level. Aborted connections are skipped.
//
// remove stops accepting; it does not close fd. AddAcceptHandler and
// remove must be called on l's goroutine (or before l starts).
func AddAcceptHandler(l *ioloop.Loop, fd int, cb func(conn int, addr net.Addr)) (remove func(), err error) {
	return addAcceptHandler(l, fd, cb)
}

// AcceptBatch is the most connections accepted per readiness event, so
// that one busy listener cannot starve the loop's other work.
const AcceptBatch = 128

// ListenerAddr returns the local address of a socket (getsockname): a
// *net.TCPAddr or a *net.UnixAddr. Safe for concurrent use.
func ListenerAddr(fd int) (net.Addr, error) { return localAddr(fd) }

// PeerAddr returns the remote address of a connected socket (getpeername).
// Safe for concurrent use.
func PeerAddr(fd int) (net.Addr, error) { return peerAddr(fd) }

// Socket returns a new non-blocking, close-on-exec stream socket of the
// given address family (unix.AF_INET, AF_INET6 or AF_UNIX), for a
// non-blocking connect.
func Socket(family int) (int, error) { return socket(family) }

// SetNoDelay turns off Nagle's algorithm on a TCP socket (TCP_NODELAY).
// Safe for concurrent use.
func SetNoDelay(fd int) error { return setNoDelay(fd) }

// DefaultBacklog returns the listen backlog used when none is given: the
// system's limit (net.core.somaxconn on Linux), or 1024 where it cannot be
// read.
func DefaultBacklog() int { return defaultBacklog() }
