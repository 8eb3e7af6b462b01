//go:build unix

package netutil

import (
	"log/slog"
	"net"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gotornado/tornado/ioloop"
)

// Back-off bounds for accepting again after running out of fds.
const (
	minAcceptBackoff = 100 * time.Millisecond
	maxAcceptBackoff = time.Second
	// acceptReportEvery is how often an fd shortage is reported at Error
	// level; retries in between are reported at Debug level.
	acceptReportEvery = time.Minute
)

// acceptor is the state of one AddAcceptHandler; it lives on the loop.
type acceptor struct {
	loop     *ioloop.Loop
	fd       int
	cb       func(int, net.Addr)
	watching bool
	removed  bool
	backoff  time.Duration // 0 while accepting normally
	timer    *ioloop.Timeout
	reported time.Time // when a shortage was last reported at Error level
}

func addAcceptHandler(l *ioloop.Loop, fd int, cb func(int, net.Addr)) (func(), error) {
	a := &acceptor{loop: l, fd: fd, cb: cb}
	if err := l.AddHandler(fd, ioloop.Read, a.handle); err != nil {
		return nil, err
	}
	a.watching = true
	return a.remove, nil
}

func (a *acceptor) logger() *slog.Logger {
	if a.loop.Logger != nil {
		return a.loop.Logger
	}
	return slog.Default()
}

func (a *acceptor) remove() {
	if a.removed {
		return
	}
	a.removed = true
	if a.timer != nil {
		a.loop.RemoveTimeout(a.timer)
		a.timer = nil
	}
	if a.watching {
		a.watching = false
		a.loop.RemoveHandler(a.fd)
	}
}

func (a *acceptor) handle(int, ioloop.Events) {
	if a.drain() {
		a.watching = false
		a.loop.RemoveHandler(a.fd)
	}
}

// drain accepts up to AcceptBatch connections. It reports true when it
// has paused accepting and set a timer to try again.
func (a *acceptor) drain() (paused bool) {
	for i := 0; i < AcceptBatch && !a.removed; i++ {
		conn, addr, err := accept(a.fd)
		if err != nil {
			switch err {
			case unix.EAGAIN:
				return false
			case unix.EINTR, unix.ECONNABORTED, unix.EPROTO, unix.EPERM,
				unix.ENETDOWN, unix.ENETUNREACH, unix.EHOSTDOWN, unix.EHOSTUNREACH,
				unix.ENOPROTOOPT, unix.EOPNOTSUPP:
				// The connection went away, or a firewall refused it: the
				// next one may be fine.
				continue
			}
			a.pause(err)
			return true
		}
		if a.backoff != 0 {
			a.backoff = 0
			a.logger().Info("netutil: accepting again", "fd", a.fd)
		}
		a.cb(conn, addr)
	}
	return false
}

// pause stops accepting after err (EMFILE, ENFILE, ENOBUFS, or something
// unexpected) and sets a timer to try again; looping on a listener that
// stays readable would burn a core.
func (a *acceptor) pause(err error) {
	if a.backoff == 0 {
		a.backoff = minAcceptBackoff
	} else {
		a.backoff = min(2*a.backoff, maxAcceptBackoff)
	}
	now := time.Now()
	if a.reported.IsZero() || now.Sub(a.reported) >= acceptReportEvery {
		a.reported = now
		msg := "netutil: accept failed; pausing"
		if err == unix.EMFILE || err == unix.ENFILE {
			msg = "netutil: too many open files; pausing accept"
		}
		a.logger().Error(msg, "fd", a.fd, "err", err, "retry_in", a.backoff)
	} else {
		a.logger().Debug("netutil: accept still failing", "fd", a.fd, "err", err, "retry_in", a.backoff)
	}
	a.timer = a.loop.CallLater(a.backoff, a.retry)
}

func (a *acceptor) retry() {
	a.timer = nil
	if a.removed || a.drain() {
		return
	}
	if err := a.loop.AddHandler(a.fd, ioloop.Read, a.handle); err != nil {
		a.logger().Error("netutil: cannot watch listener", "fd", a.fd, "err", err)
		return
	}
	a.watching = true
}
