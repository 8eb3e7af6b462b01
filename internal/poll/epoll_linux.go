//go:build linux

package poll

import (
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Poller waits for readiness on a set of fds.
//
// Wait never blocks the thread in epoll_wait: it polls without waiting, and
// when nothing is ready it parks the goroutine on the Go runtime's own
// poller, to which the epoll fd itself is registered (an epoll fd is
// readable while it has events). The scheduler then wakes the loop like any
// goroutine waiting on a socket, with no thread hand-off.
type Poller struct {
	epfd     int
	wakefd   int // eventfd: written by Wake, read back by Wait
	raw      []unix.EpollEvent
	ready    []Event
	closed   atomic.Bool
	file     *os.File        // epfd, registered with the runtime poller
	rc       syscall.RawConn // file's RawConn, to park on epfd's readiness
	deadline time.Time       // file's read deadline as last set
	waitFn   func(fd uintptr) bool
	n        int   // result of the last waitFn
	err      error // error of the last waitFn
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
	p := &Poller{
		epfd:   epfd,
		wakefd: wfd,
		raw:    make([]unix.EpollEvent, maxEvents),
		ready:  make([]Event, 0, maxEvents),
	}
	if err := unix.SetNonblock(epfd, true); err == nil {
		p.file = os.NewFile(uintptr(epfd), "epoll")
		if rc, err := p.file.SyscallConn(); err == nil {
			p.rc = rc
		}
	}
	p.waitFn = func(uintptr) bool {
		p.n, p.err = p.poll()
		return p.n > 0 || p.err != nil
	}
	return p, nil
}

// poll collects ready events without waiting. epoll_wait with a zero
// timeout cannot block, so it is a raw system call (no scheduler hand-off):
// epoll_pwait with no signal mask, which every architecture has (arm64
// and riscv64 have no epoll_wait).
func (p *Poller) poll() (int, error) {
	for {
		r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.epfd),
			uintptr(unsafe.Pointer(&p.raw[0])), uintptr(len(p.raw)), 0, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		return int(r), nil
	}
}

// wait returns the number of events in p.raw once some are ready or the
// timeout passes (negative: no limit).
func (p *Poller) wait(timeout time.Duration) (int, error) {
	n, err := p.poll()
	if n > 0 || err != nil || timeout == 0 {
		return n, err
	}
	if p.rc == nil { // not pollable by the runtime: block the thread instead
		n, err := unix.EpollWait(p.epfd, p.raw, durationToMillis(timeout))
		if err == unix.EINTR {
			err = nil
		}
		return max(n, 0), err
	}
	var dl time.Time
	if timeout > 0 {
		dl = time.Now().Add(timeout)
	}
	if !dl.Equal(p.deadline) {
		p.file.SetReadDeadline(dl)
		p.deadline = dl
	}
	p.n, p.err = 0, nil
	if err := p.rc.Read(p.waitFn); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, nil
		}
		if p.closed.Load() {
			return 0, ErrClosed
		}
		// The runtime could not poll the epoll fd after all: block the
		// thread in epoll_wait from now on.
		p.rc = nil
		return p.wait(timeout)
	}
	return p.n, p.err
}

func toEpoll(ev Events) uint32 {
	var e uint32
	if ev&EvIgnoreReadHangUp == 0 {
		e = unix.EPOLLRDHUP
	}
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
	n, err := p.wait(timeout)
	if err != nil {
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
		if r.Events&unix.EPOLLRDHUP != 0 {
			ev |= EvReadHangUp
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
	if p.file != nil {
		return p.file.Close()
	}
	return unix.Close(p.epfd)
}
