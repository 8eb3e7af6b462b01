// Package poll is the readiness notifier under the event loop: epoll on
// Linux, kqueue on macOS and the BSDs, and a stub that returns
// ErrUnsupported elsewhere. It also holds the few raw fd operations the
// layers above need, so that only this package touches the system calls.
//
// A Poller is level-triggered: an fd stays ready until it is drained. It is
// owned by one goroutine (the loop's), except Wake, which is safe for
// concurrent use.
package poll

import (
	"errors"
	"time"
)

// Events is a set of readiness conditions.
type Events uint32

// The readiness conditions. EvError is always reported when it happens,
// whether or not it was asked for; it covers hang-ups and socket errors.
const (
	EvRead Events = 1 << iota
	EvWrite
	EvError
	// EvReadHangUp is reported, with EvRead, when the peer has shut down
	// its sending side (EPOLLRDHUP; on kqueue, which does not tell it from
	// a full close, it is never reported). It is watched for unless
	// EvIgnoreReadHangUp is asked for: level-triggered, it stays ready.
	EvReadHangUp
	// EvIgnoreReadHangUp, in the conditions asked for, stops the watch for
	// EvReadHangUp, once the owner knows the peer has stopped sending.
	EvIgnoreReadHangUp
)

// Event is one ready fd.
type Event struct {
	Fd     int
	Events Events
}

// ErrUnsupported is returned on systems without epoll or kqueue.
var ErrUnsupported = errors.New("poll: not supported on this system")

// ErrClosed is returned by a Poller that has been closed.
var ErrClosed = errors.New("poll: poller closed")

// durationToMillis rounds a timeout up to whole milliseconds; a negative
// duration means wait forever.
func durationToMillis(d time.Duration) int {
	if d < 0 {
		return -1
	}
	ms := d / time.Millisecond
	if d%time.Millisecond != 0 {
		ms++
	}
	if ms > 1<<30 {
		ms = 1 << 30
	}
	return int(ms)
}
