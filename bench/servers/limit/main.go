//go:build linux

// Command limit is the ceiling of the benchmark: one epoll loop, written
// with golang.org/x/sys/unix directly, that accepts, reads, counts the
// requests in what it read (each "\r\n\r\n" ends one) and answers each with
// a canned plaintext response. It parses nothing, so it answers /json with
// the plaintext response too: its figures are what this machine's kernel
// and wrk allow, not an HTTP server.
//
// Linux only.
package main

import (
	"bytes"
	"errors"
	"flag"
	"log"
	"net/netip"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

var headEnd = []byte("\r\n\r\n")

// conn is the state of one connection, indexed by its fd.
type conn struct {
	open     bool
	matched  uint8  // bytes of "\r\n\r\n" seen at the end of the last read
	out      []byte // unwritten output; nil while the socket takes everything
	watchOut bool   // EPOLLOUT is in the connection's epoll events
}

type server struct {
	ep    int
	ln    int
	conns []conn
	buf   []byte // one read buffer for every connection
	wbuf  []byte // one output buffer for every connection
	resp  []byte // the canned response, its Date refreshed every second
	epoch int64  // the second resp's Date was formatted for
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "listen address `host:port`")
	flag.Parse()
	s := &server{buf: make([]byte, 64<<10)}
	if err := s.listen(*addr); err != nil {
		log.Fatal(err)
	}
	log.Fatal(s.serve())
}

func (s *server) listen(addr string) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return err
	}
	if !ap.Addr().Is4() {
		return errors.New("limit: -addr must be an IPv4 host:port")
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return err
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		return err
	}
	if err := unix.Listen(fd, 4096); err != nil {
		return err
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	s.ep, s.ln = ep, fd
	return unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)})
}

func (s *server) serve() error {
	events := make([]unix.EpollEvent, 512)
	w, err := newWaiter(s.ep, events)
	if err != nil {
		return err
	}
	for {
		n, err := w.wait()
		if err != nil {
			return err
		}
		s.refreshResponse()
		for _, ev := range events[:n] {
			fd := int(ev.Fd)
			switch {
			case fd == s.ln:
				s.accept()
			case ev.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0:
				s.close(fd)
			default:
				if ev.Events&unix.EPOLLOUT != 0 {
					s.flush(fd)
				}
				if ev.Events&unix.EPOLLIN != 0 {
					s.read(fd)
				}
			}
		}
	}
}

// refreshResponse formats the canned response when the second has changed.
func (s *server) refreshResponse() {
	now := time.Now()
	if now.Unix() == s.epoch && s.resp != nil {
		return
	}
	s.epoch = now.Unix()
	b := append(s.resp[:0], "HTTP/1.1 200 OK\r\nServer: limit\r\nDate: "...)
	b = now.UTC().AppendFormat(b, "Mon, 02 Jan 2006 15:04:05 GMT")
	b = append(b, "\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"...)
	s.resp = b
}

func (s *server) accept() {
	for {
		fd, _, err := unix.Accept4(s.ln, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			if err != unix.EAGAIN && err != unix.EINTR && err != unix.ECONNABORTED {
				log.Print("limit: accept: ", err)
			}
			if err == unix.EINTR || err == unix.ECONNABORTED {
				continue
			}
			return
		}
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		for fd >= len(s.conns) {
			s.conns = append(s.conns, make([]conn, len(s.conns)+1024)...)
		}
		s.conns[fd] = conn{open: true}
		if err := unix.EpollCtl(s.ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(fd)}); err != nil {
			unix.Close(fd)
			s.conns[fd] = conn{}
		}
	}
}

func (s *server) close(fd int) {
	if !s.conns[fd].open {
		return
	}
	s.conns[fd] = conn{}
	unix.Close(fd) // also removes fd from the epoll set
}

func (s *server) read(fd int) {
	c := &s.conns[fd]
	if !c.open {
		return
	}
	n, err := rawRead(fd, s.buf)
	if err == unix.EAGAIN || err == unix.EINTR {
		return
	}
	if n <= 0 {
		s.close(fd)
		return
	}
	reqs := countRequests(&c.matched, s.buf[:n])
	if reqs == 0 {
		return
	}
	out := s.wbuf[:0]
	if c.out != nil {
		out = append(out, c.out...)
	}
	for range reqs {
		out = append(out, s.resp...)
	}
	s.wbuf = out
	s.write(fd, out)
}

// write writes out, keeping what the socket did not take in the
// connection's own buffer and watching for EPOLLOUT until it drains.
func (s *server) write(fd int, out []byte) {
	c := &s.conns[fd]
	for len(out) > 0 {
		n, err := rawWrite(fd, out)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			break
		}
		if err != nil {
			s.close(fd)
			return
		}
		out = out[n:]
	}
	c.out = nil
	if len(out) > 0 {
		c.out = append([]byte(nil), out...)
	}
	if want := c.out != nil; want != c.watchOut {
		c.watchOut = want
		ev := uint32(unix.EPOLLIN | unix.EPOLLRDHUP)
		if want {
			ev |= unix.EPOLLOUT
		}
		unix.EpollCtl(s.ep, unix.EPOLL_CTL_MOD, fd, &unix.EpollEvent{Events: ev, Fd: int32(fd)})
	}
}

func (s *server) flush(fd int) {
	if c := &s.conns[fd]; c.open {
		s.write(fd, c.out)
	}
}

// countRequests counts the "\r\n\r\n" in b, carrying a partial match across
// reads in *matched.
func countRequests(matched *uint8, b []byte) int {
	n, i := 0, 0
	if m := *matched; m > 0 {
		for i < len(b) && m < 4 && b[i] == headEnd[m] {
			m++
			i++
		}
		switch {
		case m == 4:
			n++
		case i == len(b):
			*matched = m
			return 0
		default:
			i = 0
		}
	}
	rest := b[i:]
	n += bytes.Count(rest, headEnd)
	switch {
	case bytes.HasSuffix(rest, headEnd):
		*matched = 0
	case bytes.HasSuffix(rest, headEnd[:3]):
		*matched = 3
	case bytes.HasSuffix(rest, headEnd[:2]):
		*matched = 2
	case bytes.HasSuffix(rest, headEnd[:1]):
		*matched = 1
	default:
		*matched = 0
	}
	return n
}

// waiter waits for epoll events the way GoTornado's loop does, which is
// the fastest way found on this machine: poll with a zero timeout (a raw
// system call that cannot block) and, when nothing is ready, park the
// goroutine on the Go runtime's poller, to which the epoll fd itself is
// registered. A thread blocked in epoll_wait instead makes the scheduler
// hand its P to another thread on every sleep.
type waiter struct {
	ep     int
	events []unix.EpollEvent
	rc     syscall.RawConn
	n      int
	err    error
	fn     func(uintptr) bool
}

func newWaiter(ep int, events []unix.EpollEvent) (*waiter, error) {
	if err := unix.SetNonblock(ep, true); err != nil {
		return nil, err
	}
	rc, err := os.NewFile(uintptr(ep), "epoll").SyscallConn()
	if err != nil {
		return nil, err
	}
	w := &waiter{ep: ep, events: events, rc: rc}
	w.fn = func(uintptr) bool {
		w.n, w.err = w.poll()
		return w.n > 0 || w.err != nil
	}
	return w, nil
}

func (w *waiter) poll() (int, error) {
	for {
		r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_WAIT, uintptr(w.ep),
			uintptr(unsafe.Pointer(&w.events[0])), uintptr(len(w.events)), 0, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		return int(r), nil
	}
}

func (w *waiter) wait() (int, error) {
	if err := w.rc.Read(w.fn); err != nil {
		return 0, err
	}
	return w.n, w.err
}

// rawRead and rawWrite are read(2) and write(2) as raw system calls, as
// GoTornado's loop makes them: on a non-blocking socket they cannot block,
// so they skip the scheduler's entersyscall/exitsyscall.
func rawRead(fd int, p []byte) (int, error) {
	return rawRW(unix.SYS_READ, fd, p)
}

func rawWrite(fd int, p []byte) (int, error) {
	return rawRW(unix.SYS_WRITE, fd, p)
}

func rawRW(trap uintptr, fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	for {
		n, _, e := unix.RawSyscall(trap, uintptr(fd), uintptr(ptr), uintptr(len(p)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return -1, e
		}
		return int(n), nil
	}
}
