//go:build linux

package poll

import (
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Poller waits for readiness on a set of fds.
type Poller struct {
	epfd   int
	wakefd int // eventfd: written by Wake, read back by Wait
	raw    []unix.EpollEvent
	ready  []Event
	closed atomic.Bool
}

// New returns a Poller with room for maxEvents ready fds per Wait.
func New(maxEvents int) (*Poller, error) {
	if maxEvents <= 0 {
		maxEvents = 256
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wfd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wfd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(wfd)
		return nil, err
	}
	return &Poller{
		epfd:   epfd,
		wakefd: wfd,
		raw:    make([]unix.EpollEvent, maxEvents),
		ready:  make([]Event, 0, maxEvents),
	}, nil
}

func toEpoll(ev Events) uint32 {
	var e uint32 = unix.EPOLLRDHUP
	if ev&EvRead != 0 {
		e |= unix.EPOLLIN
	}
	if ev&EvWrite != 0 {
		e |= unix.EPOLLOUT
	}
	return e
}

// Add starts watching fd for ev.
func (p *Poller) Add(fd int, ev Events) error {
	e := unix.EpollEvent{Events: toEpoll(ev), Fd: int32(fd)}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &e)
}

// Modify changes the conditions watched on fd.
func (p *Poller) Modify(fd int, ev Events) error {
	e := unix.EpollEvent{Events: toEpoll(ev), Fd: int32(fd)}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &e)
}

// Delete stops watching fd.
func (p *Poller) Delete(fd int) error {
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

// Wait blocks until an fd is ready, Wake is called or timeout passes
// (negative: no limit), and returns the ready fds. The slice is reused by
// the next Wait. A wake-up alone returns an empty slice.
func (p *Poller) Wait(timeout time.Duration) ([]Event, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	n, err := unix.EpollWait(p.epfd, p.raw, durationToMillis(timeout))
	if err != nil {
		if err == unix.EINTR {
			return p.ready[:0], nil
		}
		return nil, err
	}
	out := p.ready[:0]
	for i := 0; i < n; i++ {
		r := &p.raw[i]
		if int(r.Fd) == p.wakefd {
			var buf [8]byte
			unix.Read(p.wakefd, buf[:])
			continue
		}
		var ev Events
		if r.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLPRI) != 0 {
			ev |= EvRead
		}
		if r.Events&unix.EPOLLOUT != 0 {
			ev |= EvWrite
		}
		if r.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
			ev |= EvError
		}
		out = append(out, Event{Fd: int(r.Fd), Events: ev})
	}
	p.ready = out
	return out, nil
}

// Wake makes a blocked or the next Wait return. Safe for concurrent use.
func (p *Poller) Wake() error {
	if p.closed.Load() {
		return ErrClosed
	}
	one := [8]byte{1}
	_, err := unix.Write(p.wakefd, one[:])
	if err == unix.EAGAIN { // the counter is saturated: a wake-up is pending anyway
		err = nil
	}
	return err
}

// Close releases the poller's fds.
func (p *Poller) Close() error {
	if p.closed.Swap(true) {
		return ErrClosed
	}
	unix.Close(p.wakefd)
	return unix.Close(p.epfd)
}
