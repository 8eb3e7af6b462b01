//go:build darwin || freebsd || dragonfly

package poll

import (
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

const wakeIdent = 0 // EVFILT_USER ident used for Wake

// Poller waits for readiness on a set of fds.
type Poller struct {
	kq       int
	raw      []unix.Kevent_t
	ready    []Event
	watching map[int]Events
	closed   atomic.Bool
}

// New returns a Poller with room for maxEvents ready fds per Wait.
func New(maxEvents int) (*Poller, error) {
	if maxEvents <= 0 {
		maxEvents = 256
	}
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, err
	}
	unix.CloseOnExec(kq)
	ch := []unix.Kevent_t{{Ident: wakeIdent, Filter: unix.EVFILT_USER, Flags: unix.EV_ADD | unix.EV_CLEAR}}
	if _, err := unix.Kevent(kq, ch, nil, nil); err != nil {
		unix.Close(kq)
		return nil, err
	}
	return &Poller{
		kq:       kq,
		raw:      make([]unix.Kevent_t, maxEvents),
		ready:    make([]Event, 0, maxEvents),
		watching: make(map[int]Events),
	}, nil
}

func (p *Poller) apply(fd int, old, ev Events) error {
	var ch [2]unix.Kevent_t
	n := 0
	set := func(filter int16, want, had bool) {
		switch {
		case want && !had:
			unix.SetKevent(&ch[n], fd, int(filter), unix.EV_ADD)
			n++
		case !want && had:
			unix.SetKevent(&ch[n], fd, int(filter), unix.EV_DELETE)
			n++
		}
	}
	set(unix.EVFILT_READ, ev&EvRead != 0, old&EvRead != 0)
	set(unix.EVFILT_WRITE, ev&EvWrite != 0, old&EvWrite != 0)
	if n == 0 {
		return nil
	}
	_, err := unix.Kevent(p.kq, ch[:n], nil, nil)
	return err
}

// Add starts watching fd for ev.
func (p *Poller) Add(fd int, ev Events) error {
	if err := p.apply(fd, 0, ev); err != nil {
		return err
	}
	p.watching[fd] = ev
	return nil
}

// Modify changes the conditions watched on fd.
func (p *Poller) Modify(fd int, ev Events) error {
	old, ok := p.watching[fd]
	if !ok {
		return unix.ENOENT
	}
	if err := p.apply(fd, old, ev); err != nil {
		return err
	}
	p.watching[fd] = ev
	return nil
}

// Delete stops watching fd.
func (p *Poller) Delete(fd int) error {
	old, ok := p.watching[fd]
	if !ok {
		return unix.ENOENT
	}
	delete(p.watching, fd)
	return p.apply(fd, old, 0)
}

// Wait blocks until an fd is ready, Wake is called or timeout passes
// (negative: no limit), and returns the ready fds. The slice is reused by
// the next Wait. A wake-up alone returns an empty slice.
func (p *Poller) Wait(timeout time.Duration) ([]Event, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	var ts *unix.Timespec
	if timeout >= 0 {
		t := unix.NsecToTimespec(int64(timeout))
		ts = &t
	}
	n, err := unix.Kevent(p.kq, nil, p.raw, ts)
	if err != nil {
		if err == unix.EINTR {
			return p.ready[:0], nil
		}
		return nil, err
	}
	out := p.ready[:0]
	for i := 0; i < n; i++ {
		r := &p.raw[i]
		if r.Filter == unix.EVFILT_USER {
			continue
		}
		var ev Events
		switch r.Filter {
		case unix.EVFILT_READ:
			ev = EvRead
		case unix.EVFILT_WRITE:
			ev = EvWrite
		}
		if r.Flags&(unix.EV_EOF|unix.EV_ERROR) != 0 {
			ev |= EvError
		}
		out = append(out, Event{Fd: int(r.Ident), Events: ev})
	}
	p.ready = out
	return out, nil
}

// Wake makes a blocked or the next Wait return. Safe for concurrent use.
func (p *Poller) Wake() error {
	if p.closed.Load() {
		return ErrClosed
	}
	ch := []unix.Kevent_t{{Ident: wakeIdent, Filter: unix.EVFILT_USER, Fflags: unix.NOTE_TRIGGER}}
	_, err := unix.Kevent(p.kq, ch, nil, nil)
	return err
}

// Close releases the kqueue.
func (p *Poller) Close() error {
	if p.closed.Swap(true) {
		return ErrClosed
	}
	return unix.Close(p.kq)
}
