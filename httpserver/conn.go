package httpserver

import (
	"errors"
	"net"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/internal/http1"
	"github.com/gotornado/tornado/internal/lograte"
	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/iostream"
)

type connState uint8

const (
	stateHead     connState = iota // waiting for (the rest of) a request head
	stateBody                      // reading a Content-Length body
	stateChunked                   // reading a chunked body
	stateHandler                   // the request is complete; the application is answering
	stateClosing                   // the last response is going out
	stateDetached                  // the application took the stream (Detach)
)

// conn serves HTTP/1.x requests on one stream, one at a time, in order
// (Tornado's HTTP1ServerConnection and HTTP1Connection). It is the
// httputil.Connection of the request it is serving, with the optional
// abilities OwnerChecker, Scheduler and Detacher. Everything runs on the
// stream's loop.
type conn struct {
	srv      *Server
	ls       *loopState
	stream   *iostream.Stream
	remoteIP string
	idx      int // position in ls.conns

	rs        *reqState     // the request in progress; nil while idle
	ps        *parseState   // while a request is read; nil otherwise
	deadline  int64         // UnixNano after which the connection times out; 0: none
	timeoutOf time.Duration // the timeout that set deadline

	// the client's progress (see sweep and the output bound)
	written  int64 // the stream's Written at stallAt
	stallAt  int64 // UnixNano since which the client took none of the output waiting; 0: not measured
	mark     int64 // the stream's Written at the output bound's last look
	bodyRead int64 // body bytes read of the current request
	rateMark int64 // bodyRead at rateAt
	rateAt   int64 // UnixNano when the current body-rate window began
	requests int64 // requests begun on the connection, to tell them apart in timers

	// the application's say over the body (httputil.BodyController)
	maxBody     int64         // this request's body limit; 0: the server's
	bodyTimeout time.Duration // this request's BodyTimeout; 0: the server's

	// response state
	outLen     int64 // declared Content-Length, or -1
	outWritten int64
	closeCB    func()

	// The flags, together: a waiting request holds a conn per client.
	state      connState
	keepAlive  bool
	headBegun  bool // bytes of the current head have arrived
	inData     bool // inside onData: a finished response continues the loop there
	waiting    bool // waiting for the loop's output to fall before reading a request
	bodyPaused bool // PauseBody: the body is not read until ResumeBody
	bodyDone   bool // the body ended while paused: Finish waits for ResumeBody
	started    bool // the response has begun
	finished   bool
	chunkedOut bool
	noBody     bool // HEAD, 1xx, 204 or 304: body bytes are dropped
	keepReq    bool // the application keeps the request: its state is not reused
}

// reqState is what a connection needs only while a request is in progress:
// the request and its delegate. An idle keep-alive connection gives it
// back to its loop's free list, so that it costs only its stream and a
// small conn.
type reqState struct {
	req      httputil.ServerRequest
	delegate httputil.MessageDelegate
}

// parseState is what a connection needs only while it reads a request
// head and body: the parser, with its string cache, and the chunked
// decoder. It goes back to the loop's free list once the request has been
// read, so that a request waiting for its answer (a long poll) does not
// keep one, and the string cache warms up per loop.
type parseState struct {
	c         *conn // the connection reading with it
	parser    http1.RequestParser
	chunked   http1.ChunkedDecoder
	remaining int64 // Content-Length body bytes still to read
	emitFn    func([]byte) error
}

// emit hands a piece of a chunked body to the request's delegate.
func (ps *parseState) emit(b []byte) error {
	c := ps.c
	return c.call(func() error { return c.rs.delegate.DataReceived(b) })
}

var _ httputil.Connection = (*conn)(nil)

func newConn(srv *Server, ls *loopState, s *iostream.Stream, addr net.Addr) *conn {
	c := &conn{srv: srv, ls: ls, stream: s, remoteIP: remoteIP(addr)}
	s.MaxBufferSize = srv.maxHeaderSize() + 64<<10
	s.SetCloseCallback(c.onStreamClose)
	s.SetPeerShutdownCallback(c.onPeerShutdown)
	s.SetOutputBudget(&ls.budget)
	ls.add(c)
	c.nextRequest()
	// The first request has HeaderTimeout from the accept: a connection
	// that never sends a byte is not kept for the whole IdleTimeout.
	c.setDeadline(srv.headerTimeout())
	if err := s.ReadFunc(c.onData); err != nil {
		s.Close()
	}
	return c
}

func remoteIP(addr net.Addr) string {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.IP.String()
	case *net.UnixAddr:
		return "0.0.0.0"
	}
	return ""
}

// Loop returns the loop that owns the connection.
func (c *conn) Loop() *ioloop.Loop { return c.stream.Loop() }

// nextRequest readies the connection for the next request head.
func (c *conn) nextRequest() {
	c.state = stateHead
	if c.rs != nil {
		if !c.keepReq {
			c.ls.putState(c.rs)
		}
		c.rs, c.keepReq = nil, false
	}
	c.started, c.finished, c.chunkedOut, c.noBody = false, false, false, false
	c.outLen, c.outWritten = -1, 0
	c.headBegun = false
	c.closeCB = nil
	c.setDeadline(c.srv.idleTimeout())
}

func (c *conn) setDeadline(d time.Duration) {
	c.timeoutOf = d
	if d <= 0 {
		c.deadline = 0
		return
	}
	c.deadline = c.stream.Loop().Now().UnixNano() + int64(d)
}

// onData is the stream's reader: it is handed every unconsumed byte and
// returns how many it used.
func (c *conn) onData(data []byte) int {
	c.inData = true
	defer func() { c.inData = false }()
	off := 0
	for off < len(data) && !c.gone() && !c.bodyPaused {
		if c.rs == nil && c.state == stateHead {
			if c.ls.budget.Over() {
				// The loop's output is over its bound: build no more
				// responses until it falls; the bytes stay buffered.
				c.ls.wait(c)
				return off
			}
			// A new request: its parse state lives until it has been read
			// (see requestDone).
			c.rs, c.ps = c.ls.getState(), c.ls.getParser(c)
		}
		var n int
		switch c.state {
		case stateHead:
			n = c.readHead(data[off:])
		case stateBody:
			n = c.readBody(data[off:])
		case stateChunked:
			n = c.readChunked(data[off:])
		default:
			// Wait for the response; the bytes stay buffered.
			c.stream.PauseReading()
			return off
		}
		if n == 0 {
			break
		}
		off += n
	}
	return off
}

func (c *conn) readHead(data []byte) int {
	n, err := c.ps.parser.Parse(data, &c.rs.req)
	if err != nil {
		c.reject(err)
		return len(data)
	}
	if n == 0 {
		if !c.headBegun {
			c.headBegun = true
			c.setDeadline(c.srv.headerTimeout()) // the slowloris clock starts
		}
		return 0
	}
	c.startRequest()
	return n
}

func (c *conn) startRequest() {
	rs := c.rs
	r := &rs.req
	r.Body = r.Body[:0]
	r.RemoteIP = c.remoteIP
	r.Protocol = "http"
	if c.srv.XHeaders {
		applyXHeaders(r)
	}
	if r.Host == "" { // the parser set Host and HostName from the Host field
		r.Host, r.HostName = "127.0.0.1", "127.0.0.1"
	}
	r.Connection = c
	r.StartTime = c.stream.Loop().Now()
	c.requests++
	c.bodyRead, c.rateMark, c.rateAt = 0, 0, r.StartTime.UnixNano()
	c.maxBody, c.bodyTimeout, c.bodyPaused, c.bodyDone = 0, 0, false, false
	ps := c.ps
	c.keepAlive = ps.parser.KeepAlive() && !c.srv.NoKeepAlive
	rs.delegate = c.srv.Handler.StartRequest(c)
	if err := c.call(func() error { return rs.delegate.HeadersReceived(r) }); err != nil {
		c.fail(err)
		return
	}
	switch ps.parser.BodyKind() {
	case http1.BodyLength:
		n := ps.parser.ContentLength()
		if n > c.maxBodySize() {
			c.rejectStatus(413, "body too large")
			return
		}
		c.continue100()
		c.state, ps.remaining = stateBody, n
		c.setDeadline(c.bodyTimeoutNow())
	case http1.BodyChunked:
		c.continue100()
		ps.chunked.Reset()
		ps.chunked.MaxBodySize = c.maxBodySize()
		c.state = stateChunked
		c.setDeadline(c.bodyTimeoutNow())
	default:
		c.requestDone()
	}
}

func (c *conn) continue100() {
	if c.ps.parser.ExpectContinue() && c.rs.req.Version == "HTTP/1.1" {
		c.stream.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n"), nil)
	}
}

func (c *conn) readBody(data []byte) int {
	rs, ps := c.rs, c.ps
	n := min(int64(len(data)), ps.remaining)
	ps.remaining -= n
	c.bodyRead += n
	if err := c.call(func() error { return rs.delegate.DataReceived(data[:n]) }); err != nil {
		c.fail(err)
		return len(data)
	}
	if ps.remaining == 0 && !c.stream.Closed() {
		c.bodyEnded()
	}
	return int(n)
}

func (c *conn) readChunked(data []byte) int {
	n, done, err := c.ps.chunked.Decode(data, c.ps.emitFn)
	c.bodyRead += int64(n)
	if err != nil {
		c.fail(err)
		return len(data)
	}
	if done && !c.stream.Closed() {
		c.bodyEnded()
	}
	return n
}

// releaseParser gives the parse state back to the loop once the request
// has been read.
func (c *conn) releaseParser() {
	if c.ps != nil {
		c.ls.putParser(c.ps)
		c.ps = nil
	}
}

// bodyEnded hands the request on once its body has been read, unless the
// application paused the body: then ResumeBody does.
func (c *conn) bodyEnded() {
	if c.bodyPaused {
		c.bodyDone = true
		return
	}
	c.requestDone()
}

func (c *conn) maxBodySize() int64 {
	if c.maxBody > 0 {
		return c.maxBody
	}
	return c.srv.maxBodySize()
}

func (c *conn) bodyTimeoutNow() time.Duration {
	if c.bodyTimeout != 0 {
		return c.bodyTimeout
	}
	return c.srv.bodyTimeout()
}

// requestDone hands the complete request to the application. If it
// answers at once the loop in onData goes on with the next request;
// otherwise reading pauses until Finish.
func (c *conn) requestDone() {
	c.releaseParser()
	c.state = stateHandler
	c.deadline = 0
	d := c.rs.delegate
	c.call(func() error { d.Finish(); return nil })
	if c.state == stateHandler && !c.stream.Closed() {
		c.stream.PauseReading()
	}
}

// call runs a delegate method, turning a panic into a 500 (or a closed
// connection if the response had begun) so the loop lives on.
func (c *conn) call(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if ok, dropped := panicLog.Allow(lograte.PanicSite()); ok {
				args := []any{"panic", r, "stack", string(debug.Stack())}
				if dropped > 0 {
					args = append(args, "suppressed_since", dropped)
				}
				c.srv.logger().Error("httpserver: panic in handler", args...)
			}
			switch {
			case c.state == stateDetached:
				// The stream is the application's now.
			case !c.started:
				c.rejectStatus(500, "internal server error")
			default:
				c.stream.Close()
			}
			err = errPanicked
		}
	}()
	return f()
}

var errPanicked = errors.New("httpserver: handler panicked")

// panicLog logs the first ten panics raised at one place each minute in
// full, and counts the others: a panic every request would otherwise
// write its stack thousands of times a second.
var panicLog lograte.Limiter

// fail answers a bad request with the status the error carries (400 if
// none) and closes.
func (c *conn) fail(err error) {
	if errors.Is(err, errPanicked) {
		return
	}
	c.reject(err)
}

// reject answers err: a protocol error with its status, an error that
// names its status (an httputil.StatusCoder such as web.HTTPError) with
// that one if it is a 4xx or 5xx, anything else with 400.
func (c *conn) reject(err error) {
	var he *http1.Error
	var sc httputil.StatusCoder
	switch {
	case errors.As(err, &he):
		c.rejectStatus(he.Status, he.Reason)
	case errors.As(err, &sc) && sc.HTTPStatus() >= 400 && sc.HTTPStatus() < 600:
		c.rejectStatus(sc.HTTPStatus(), httputil.Reason(sc.HTTPStatus(), ""))
	default:
		c.rejectStatus(400, "bad request")
	}
}

// rejectStatus sends a short error response, unless one has begun, and
// closes the connection once it is written.
func (c *conn) rejectStatus(code int, msg string) {
	if c.state == stateClosing || c.gone() {
		return
	}
	c.state = stateClosing
	c.keepAlive = false
	if !c.started {
		reason := httputil.Reason(code, "")
		body := strconv.Itoa(code) + " " + reason + ": " + msg + "\n"
		b := c.ls.scratch[:0]
		b = http1.AppendStatusLine(b, "HTTP/1.1", code, reason)
		b = append(b, "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n\r\n"...)
		b = append(b, body...)
		c.ls.scratch = b
		c.stream.Write(b, nil)
	}
	c.closeAfterWrite()
}

// closeAfterWrite closes the connection once its output has been sent:
// it half-closes first and drains what the client still sends for a
// moment, so that unread input does not turn the close into a reset that
// destroys the response in flight.
func (c *conn) closeAfterWrite() {
	c.state = stateClosing
	c.deadline = 0
	s := c.stream
	s.Write(nil, func(err error) {
		if err != nil || s.Closed() {
			return
		}
		if s.ShutdownWrite() != nil {
			s.Close()
			return
		}
		s.ReadFunc(nil)
		s.ReadFunc(func(d []byte) int { return len(d) })
		s.ResumeReading()
		c.setDeadline(lingerTimeout)
	})
}

const lingerTimeout = 2 * time.Second

func (c *conn) onStreamClose() {
	c.ls.remove(c)
	if c.ps != nil {
		c.ps.parser.Reset() // it may hold half a head
		c.releaseParser()
	}
	// A request cut short keeps its state out of the free list: a detached
	// handler may still look at the request.
	// A request the server answered itself (a 408, a 413) ends for the
	// application too.
	if rs := c.rs; rs != nil && rs.delegate != nil && !c.finished && (c.state != stateClosing || !c.started) {
		d := rs.delegate
		c.call(func() error { d.OnConnectionClose(); return nil })
		if f := c.closeCB; f != nil {
			c.closeCB = nil
			f()
		}
	}
	c.rs = nil
}

// checkWriting follows a connection with output waiting, at each sweep:
// a client that took none of it for WriteTimeout is closed (the sweep
// logs how many were); otherwise the connection's deadline is pushed
// back, so that the clock that set it starts again only once the output
// is written. It reports whether it closed the connection.
func (c *conn) checkWriting(now int64) bool {
	if w := c.stream.Written(); c.stallAt == 0 || w != c.written {
		c.written, c.stallAt = w, now
	} else if wt := c.srv.writeTimeout(); wt > 0 && now-c.stallAt > int64(wt) {
		c.stream.Close()
		return true
	}
	if c.deadline != 0 {
		c.deadline = max(c.deadline, now+int64(c.timeoutOf))
	}
	return false
}

// checkBodyRate answers 408 when the body of the request arrived slower
// than MinBodyRate over the last BodyRateWindow.
func (c *conn) checkBodyRate(now int64) {
	rate, window := c.srv.minBodyRate(), c.srv.bodyRateWindow()
	if rate <= 0 || now-c.rateAt < int64(window) {
		return
	}
	if c.bodyRead-c.rateMark < rate*int64(window)/int64(time.Second) {
		c.rejectStatus(408, "request body too slow")
		return
	}
	c.rateMark, c.rateAt = c.bodyRead, now
}

// onPeerShutdown runs when the client has shut down its sending side. A
// request whose answer has not begun is answered: HTTP lets a client
// half-close once it has sent its request (probeLater tells whether it
// closed its socket altogether). A client that stops sending while its
// answer streams in is taken to have left. Once every byte it sent has
// been read, the connection ends after the output in flight.
func (c *conn) onPeerShutdown() {
	if !c.stream.ReadEOF() {
		// Seen while not reading: bytes may still wait in the kernel.
		switch {
		case c.state != stateHandler:
		case c.started:
			// A client that stops sending while its answer streams in
			// has left, as a rule; the stream has no room for a probe.
			c.stream.Close()
		default:
			c.probeLater()
		}
		return
	}
	switch c.state {
	case stateHandler, stateDetached:
	case stateClosing:
		if !c.stream.Writing() {
			c.stream.Close()
		}
	default: // no request, or one cut short: nothing more will come
		c.keepAlive = false
		if c.state == stateHead && c.stream.Writing() {
			c.closeAfterWrite()
			return
		}
		c.stream.Close()
	}
}

// probeLater finds out, a moment after a client waiting for its answer
// half-closed, whether it is still there: an interim "100 Continue",
// which every HTTP/1.1 client must accept and skip (RFC 9110, 15.2),
// draws a reset from a client that closed its socket, and that closes the
// connection (running OnConnectionClose); a client that only shut down
// its sending side reads on. An answer that comes within the moment goes
// out without it.
func (c *conn) probeLater() {
	if c.rs == nil || c.rs.req.Version != "HTTP/1.1" {
		return
	}
	req := c.requests
	c.stream.Loop().CallLater(probeDelay, func() {
		if c.gone() || c.requests != req || c.state != stateHandler || c.started {
			return
		}
		c.stream.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n"), nil)
	})
}

// probeDelay is how long a client that half-closed waits for its answer
// before probeLater asks whether it is still there.
const probeDelay = 250 * time.Millisecond

// timeout is called by the loop's sweep once the deadline has passed.
func (c *conn) timeout() {
	c.deadline = 0
	switch {
	case c.state == stateHead && !c.headBegun:
		c.stream.Close() // idle keep-alive connection
	case c.state == stateHead, c.state == stateBody, c.state == stateChunked:
		c.rejectStatus(408, "request timeout")
	default:
		c.stream.Close()
	}
}
