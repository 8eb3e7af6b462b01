package main

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// poll is one long poll: a raw connection that sent its request, and what
// its reader saw of the answer. The fields after conn are written by the
// reader and read once wg says it is done.
type poll struct {
	conn *net.TCPConn
	s    *stamped

	kernel int64  // UnixNano when the answer's first byte reached the socket (kernel timestamp; 0: none)
	user   int64  // UnixNano when this process read it
	status int    // the answer's status code
	body   []byte // the answer's body
	err    error
}

// pollSet is the long polls of one fan-out.
type pollSet struct {
	polls []*poll
	wg    sync.WaitGroup
}

// formRequest returns the bytes of a POST of form to path on addr.
func formRequest(addr, path string, form url.Values) []byte {
	body := form.Encode()
	return []byte("POST " + path + " HTTP/1.1\r\nHost: " + addr +
		"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}

// openPolls opens n connections to addr, batch at a time, writes req on
// each and starts its reader, which reads one answer before deadline.
func openPolls(addr string, req []byte, n, batch int, deadline time.Time) (*pollSet, error) {
	ps := &pollSet{polls: make([]*poll, n)}
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		errs := make([]error, hi-lo)
		var wg sync.WaitGroup
		for i := lo; i < hi; i++ {
			wg.Go(func() {
				p, err := openPoll(addr, req, deadline)
				if err != nil {
					errs[i-lo] = err
					return
				}
				ps.polls[i] = p
				ps.wg.Go(p.read)
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			ps.close()
			return nil, fmt.Errorf("after %d connections: %w", lo, err)
		}
	}
	return ps, nil
}

func openPoll(addr string, req []byte, deadline time.Time) (*poll, error) {
	c, err := dial(addr)
	if err != nil {
		return nil, err
	}
	s, err := newStamped(c)
	if err == nil {
		err = c.SetDeadline(deadline)
	}
	if err == nil {
		_, err = c.Write(req)
	}
	if err != nil {
		closeNow(c)
		return nil, err
	}
	return &poll{conn: c, s: s}, nil
}

// dial connects to addr, retrying a few times (a full accept queue).
func dial(addr string) (*net.TCPConn, error) {
	var err error
	for try := range 5 {
		var c net.Conn
		c, err = net.DialTimeout("tcp", addr, 10*time.Second)
		if err == nil {
			return c.(*net.TCPConn), nil
		}
		if try == 0 {
			log.Print("dial: ", err, " (retrying)")
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil, err
}

// maxAnswer bounds the answer a reader takes.
const maxAnswer = 64 << 10

// read reads one answer, with a Content-Length body, noting when its first
// byte arrived. It runs on its own goroutine.
func (p *poll) read() {
	var buf []byte
	chunk := make([]byte, 2048)
	for {
		n, at, err := p.s.read(chunk)
		if err != nil {
			p.err = err
			return
		}
		if len(buf) == 0 {
			p.user = time.Now().UnixNano()
			p.kernel = at
		}
		buf = append(buf, chunk[:n]...)
		done, err := p.parse(buf)
		if done || err != nil {
			p.err = err
			return
		}
		if len(buf) > maxAnswer {
			p.err = errors.New("answer too long")
			return
		}
	}
}

// parse reports whether buf holds a whole answer, and sets status and body
// once it does.
func (p *poll) parse(buf []byte) (bool, error) {
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		return false, nil
	}
	head := string(buf[:end])
	var length = -1
	status := -1
	for i, line := range bytes.Split([]byte(head), []byte("\r\n")) {
		if i == 0 {
			f := bytes.Fields(line)
			if len(f) < 2 || !bytes.HasPrefix(f[0], []byte("HTTP/1.")) {
				return false, fmt.Errorf("bad status line %q", line)
			}
			status, _ = strconv.Atoi(string(f[1]))
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(name), []byte("Content-Length")) {
			v, err := strconv.Atoi(string(bytes.TrimSpace(value)))
			if err != nil || v < 0 || v > maxAnswer || (length >= 0 && v != length) {
				return false, fmt.Errorf("bad Content-Length %q", value)
			}
			length = v
		}
		if ok && bytes.EqualFold(bytes.TrimSpace(name), []byte("Transfer-Encoding")) {
			return false, errors.New("chunked answer: a Content-Length was expected")
		}
	}
	if status == 100 { // an interim answer: skip it
		p.status = 0
		return p.parse(buf[end+4:])
	}
	if length < 0 {
		return false, fmt.Errorf("answer %d without a Content-Length", status)
	}
	body := buf[end+4:]
	if len(body) < length {
		return false, nil
	}
	if len(body) > length {
		return false, errors.New("bytes after the answer")
	}
	p.status, p.body = status, body
	return true, nil
}

// wait waits until every reader is done or deadline passes, and reports
// whether they all were.
func (ps *pollSet) wait(deadline time.Time) bool {
	done := make(chan struct{})
	go func() { ps.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(time.Until(deadline)):
		return false
	}
}

// close closes every connection with a reset, leaving no TIME_WAIT socket
// to hold a port, and waits for the readers.
func (ps *pollSet) close() {
	for _, p := range ps.polls {
		if p != nil {
			closeNow(p.conn)
		}
	}
	ps.wg.Wait()
}

func closeNow(c *net.TCPConn) {
	c.SetLinger(0)
	c.Close()
}
