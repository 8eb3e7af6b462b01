//go:build unix

package tcpclient

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/iostream"
	"github.com/gotornado/tornado/netutil"
)

// connector is one Connect in progress; it lives on the loop.
type connector struct {
	loop     *ioloop.Loop
	network  string
	addr     string
	cb       func(*iostream.Stream, error)
	timeout  time.Duration
	timer    *ioloop.Timeout
	targets  []unix.Sockaddr
	fd       int           // the socket connecting now, or -1
	cur      unix.Sockaddr // the address fd connects to
	lastErr  error
	inCall   bool // inside Connect: results are delivered by callback
	finished bool
}

func connect(l *ioloop.Loop, network, addr string, timeout time.Duration, cb func(*iostream.Stream, error)) {
	c := &connector{loop: l, network: network, addr: addr, cb: cb, timeout: timeout, fd: -1, inCall: true}
	defer func() { c.inCall = false }()
	if timeout > 0 {
		c.timer = l.CallLater(timeout, c.expire)
	}
	if network == "unix" {
		c.targets = []unix.Sockaddr{&unix.SockaddrUnix{Name: addr}}
		c.next()
		return
	}
	if network != "tcp" && network != "tcp4" && network != "tcp6" {
		c.finish(nil, c.opErr(nil, net.UnknownNetworkError(network)))
		return
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		c.finish(nil, c.opErr(nil, err))
		return
	}
	if host == "" {
		host = "127.0.0.1"
	}
	port, perr := strconv.Atoi(portStr)
	ip, ierr := netip.ParseAddr(host)
	if perr == nil && ierr == nil {
		c.setTargets([]netip.Addr{ip}, port)
		c.next()
		return
	}
	c.resolve(host, portStr)
}

// resolve looks host (and a named port) up on the loop's executor.
func (c *connector) resolve(host, portStr string) {
	type result struct {
		ips  []netip.Addr
		port int
	}
	family := map[string]string{"tcp": "ip", "tcp4": "ip4", "tcp6": "ip6"}[c.network]
	timeout := c.timeout
	f := ioloop.RunInExecutor(c.loop, func() (result, error) {
		ctx := context.Background()
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		port, err := net.DefaultResolver.LookupPort(ctx, "tcp", portStr)
		if err != nil {
			return result{}, err
		}
		if ip, err := netip.ParseAddr(host); err == nil {
			return result{[]netip.Addr{ip}, port}, nil
		}
		ips, err := net.DefaultResolver.LookupNetIP(ctx, family, host)
		return result{ips, port}, err
	})
	f.AddDoneCallback(func(f *ioloop.Future[result]) {
		if c.finished {
			return
		}
		r, err := f.Result()
		if err != nil {
			c.finish(nil, c.opErr(nil, err))
			return
		}
		c.setTargets(r.ips, r.port)
		c.next()
	})
}

func (c *connector) setTargets(ips []netip.Addr, port int) {
	for _, ip := range ips {
		ip = ip.Unmap()
		if (c.network == "tcp4" && !ip.Is4()) || (c.network == "tcp6" && !ip.Is6()) {
			continue
		}
		if ip.Is4() {
			c.targets = append(c.targets, &unix.SockaddrInet4{Port: port, Addr: ip.As4()})
		} else {
			c.targets = append(c.targets, &unix.SockaddrInet6{Port: port, Addr: ip.As16(), ZoneId: zoneID(ip.Zone())})
		}
	}
	if len(c.targets) == 0 {
		c.lastErr = c.opErr(nil, &net.AddrError{Err: "no suitable address", Addr: c.addr})
	}
}

// next tries the next address, or reports the last error when none is
// left.
func (c *connector) next() {
	for len(c.targets) > 0 && !c.finished {
		sa := c.targets[0]
		c.targets = c.targets[1:]
		fd, err := netutil.Socket(family(sa))
		if err != nil {
			c.lastErr = c.opErr(sa, os.NewSyscallError("socket", err))
			continue
		}
		switch err := unix.Connect(fd, sa); err {
		case nil:
			c.connected(fd)
			return
		case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
			if err := c.loop.AddHandler(fd, ioloop.Write, c.ready); err != nil {
				unix.Close(fd)
				c.lastErr = c.opErr(sa, err)
				continue
			}
			c.fd, c.cur = fd, sa
			return
		default:
			unix.Close(fd)
			c.lastErr = c.opErr(sa, os.NewSyscallError("connect", err))
		}
	}
	if !c.finished {
		c.finish(nil, c.lastErr)
	}
}

// ready runs when the connecting socket turns writable (or fails).
func (c *connector) ready(fd int, _ ioloop.Events) {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil {
		switch e := unix.Errno(v); e {
		case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
			return // spurious: keep waiting
		case 0, unix.EISCONN:
			if _, perr := unix.Getpeername(fd); perr != nil && e == 0 {
				return // spurious: not connected yet
			}
			c.loop.RemoveHandler(fd)
			c.fd = -1
			c.connected(fd)
			return
		default:
			err = os.NewSyscallError("connect", e)
		}
	}
	c.drop()
	c.lastErr = c.opErr(c.cur, err)
	c.next()
}

// drop abandons the socket connecting now.
func (c *connector) drop() {
	if c.fd >= 0 {
		c.loop.RemoveHandler(c.fd)
		unix.Close(c.fd)
		c.fd = -1
	}
}

func (c *connector) connected(fd int) {
	st, err := iostream.New(c.loop, fd)
	if err != nil {
		unix.Close(fd)
		c.finish(nil, err)
		return
	}
	c.finish(st, nil)
}

func (c *connector) expire() {
	c.timer = nil
	if c.finished {
		return
	}
	c.drop()
	c.targets = nil
	c.finish(nil, c.opErr(nil, ErrTimeout))
}

func (c *connector) finish(st *iostream.Stream, err error) {
	c.finished = true
	c.loop.RemoveTimeout(c.timer)
	c.timer = nil
	if c.inCall {
		c.loop.AddCallback(func() { c.cb(st, err) })
		return
	}
	c.cb(st, err)
}

func (c *connector) opErr(sa unix.Sockaddr, err error) error {
	if _, ok := err.(*net.OpError); ok {
		return err
	}
	var addr net.Addr
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		addr = &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	case *unix.SockaddrInet6:
		addr = &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	case *unix.SockaddrUnix:
		addr = &net.UnixAddr{Name: a.Name, Net: "unix"}
	}
	return &net.OpError{Op: "dial", Net: c.network, Addr: addr, Err: err}
}

func family(sa unix.Sockaddr) int {
	switch sa.(type) {
	case *unix.SockaddrInet4:
		return unix.AF_INET
	case *unix.SockaddrInet6:
		return unix.AF_INET6
	}
	return unix.AF_UNIX
}

func zoneID(zone string) uint32 {
	if zone == "" {
		return 0
	}
	if n, err := strconv.ParseUint(zone, 10, 32); err == nil {
		return uint32(n)
	}
	if ifi, err := net.InterfaceByName(zone); err == nil {
		return uint32(ifi.Index)
	}
	return 0
}
