package httpserver

import (
	"fmt"
	"strings"
	"time"

	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/internal/http1"
	"github.com/gotornado/tornado/ioloop"
)

// Errors from the response side of a connection. They are the sentinels
// every httputil.Connection shares, so errors.Is matches them whichever
// layer returned them.
var (
	ErrHeadersWritten = httputil.ErrHeadersWritten
	ErrFinished       = httputil.ErrFinished
	ErrNotStarted     = httputil.ErrNotStarted
	ErrContentLength  = httputil.ErrContentLength
	ErrConnClosed     = httputil.ErrConnClosed
)

// The optional abilities of a connection, and the loop it runs on.
var (
	_ httputil.OwnerChecker            = (*conn)(nil)
	_ httputil.Scheduler               = (*conn)(nil)
	_ httputil.Detacher                = (*conn)(nil)
	_ httputil.RequestKeeper           = (*conn)(nil)
	_ httputil.BodyController          = (*conn)(nil)
	_ interface{ Loop() *ioloop.Loop } = (*conn)(nil)
)

// gone reports whether the connection is no longer the server's to
// answer on: the client left, or the application detached it.
func (c *conn) gone() bool { return c.state == stateDetached || c.stream.Closed() }

// WriteHeaders sends the status line, the headers and chunk. Without a
// Content-Length the body is chunked on HTTP/1.1 and delimited by closing
// the connection on HTTP/1.0. A Date header is added when missing. A
// header name that is not a token, or a value with a control character,
// is refused with an error wrapping httputil.ErrUnsafeHeader, and nothing
// is sent.
func (c *conn) WriteHeaders(code int, reason string, h *httputil.Header, chunk []byte, cb func(error)) error {
	switch {
	case c.gone():
		return ErrConnClosed
	case c.started:
		return ErrHeadersWritten
	case c.rs == nil:
		return ErrFinished // no request in progress: the last response has ended
	}
	if h == nil {
		h = &httputil.Header{}
	}
	req := &c.rs.req
	// The head is built in the stream's output queue when it has room for
	// it, in scratch space otherwise. One pass checks and writes the fields
	// and notes the ones that set the framing. Names are canonical
	// (Header.Add makes them so).
	b := c.stream.Buffer(headSize(reason, h, chunk))
	inScratch := b == nil
	if inScratch {
		b = c.ls.scratch[:0]
	}
	b = http1.AppendStatusLine(b, "HTTP/1.1", code, reason) // sends httputil.Reason(code, reason)
	var length, connection string
	hasDate := false
	for i := range h.Len() { // an index loop: ranging over All costs more here
		name, value := h.At(i)
		checked := h.Checked(i) // the application added it with AddChecked
		switch name {
		case "Content-Length":
			length = value
		case "Connection":
			connection = value
		case "Date":
			hasDate = true
		}
		if !checked && (!httputil.ValidHeaderName(name) || !httputil.ValidHeaderValue(value)) {
			return c.refuse(b, inScratch, unsafeHeader(name, value))
		}
		b = append(b, name...)
		b = append(b, ": "...)
		b = append(b, value...)
		b = append(b, "\r\n"...)
	}
	noBody := req.Method == "HEAD" || code < 200 || code == 204 || code == 304
	outLen := int64(-1)
	if length != "" {
		n, ok := http1.ParseDecimal(length)
		if !ok || !noBody && int64(len(chunk)) > n {
			return c.refuse(b, inScratch, ErrContentLength)
		}
		outLen = n
	}
	// An answer that begins before the request's body was read ends the
	// connection (see Finish): it says so.
	keepAlive := c.keepAlive && !strings.EqualFold(connection, "close") && c.state == stateHandler
	chunked := false
	if outLen < 0 && !noBody {
		if req.Version == "HTTP/1.1" {
			chunked = true
		} else {
			keepAlive = false // the body ends when the connection does
		}
	}
	c.started, c.noBody, c.chunkedOut, c.keepAlive = true, noBody, chunked, keepAlive
	c.outLen, c.outWritten = outLen, 0
	if !hasDate {
		b = append(b, "Date: "...)
		b = append(b, c.ls.date()...)
		b = append(b, "\r\n"...)
	}
	if chunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	switch {
	case connection != "":
	case !keepAlive:
		b = append(b, "Connection: close\r\n"...)
	case req.Version == "HTTP/1.0":
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	b = append(b, "\r\n"...)
	b, _ = c.appendBody(b, chunk) // cannot fail: the length was checked above
	if inScratch {
		c.ls.scratch = b[:0] // keeps what it grew to
	}
	return c.stream.Commit(b, cb)
}

// refuse abandons the response head being built in b, giving back the
// space it was built in, and returns err: nothing is sent.
func (c *conn) refuse(b []byte, inScratch bool, err error) error {
	if inScratch {
		c.ls.scratch = b[:0]
	}
	c.stream.Commit(nil, nil)
	return err
}

// unsafeHeader describes a field WriteHeaders refuses. The value is not
// quoted: it may be long, or secret.
func unsafeHeader(name, value string) error {
	if !httputil.ValidHeaderName(name) {
		return fmt.Errorf("%w: field name %q", httputil.ErrUnsafeHeader, name)
	}
	return fmt.Errorf("%w: control character in the value of %s", httputil.ErrUnsafeHeader, name)
}

// maxPhrase bounds the reason phrases httputil.Reason puts in place of an
// empty or refused reason ("Network Authentication Required" is the
// longest).
const maxPhrase = 40

// headSize bounds the size of a response head with these fields, and of
// the first chunk of its body.
func headSize(reason string, h *httputil.Header, chunk []byte) int {
	n := len("HTTP/1.1 000 \r\n") + max(len(reason), maxPhrase) +
		len("Date: Mon, 02 Jan 2006 15:04:05 GMT\r\n") + len("Transfer-Encoding: chunked\r\n") +
		len("Connection: keep-alive\r\n") + len("\r\n") +
		len(chunk) + 16 + len("\r\n\r\n") // a chunk's size line and end
	for i := range h.Len() {
		name, value := h.At(i)
		n += len(name) + len(value) + len(": \r\n")
	}
	return n
}

// appendBody adds chunk to b in the response's framing.
func (c *conn) appendBody(b, chunk []byte) ([]byte, error) {
	if len(chunk) == 0 || c.noBody {
		return b, nil
	}
	if c.outLen >= 0 {
		if c.outWritten+int64(len(chunk)) > c.outLen {
			return b, ErrContentLength
		}
		c.outWritten += int64(len(chunk))
	}
	if c.chunkedOut {
		return http1.AppendChunk(b, chunk), nil
	}
	return append(b, chunk...), nil
}

// Write sends the next part of the body.
func (c *conn) Write(chunk []byte, cb func(error)) error {
	switch {
	case c.gone():
		return ErrConnClosed
	case !c.started:
		return ErrNotStarted
	case c.finished:
		return ErrFinished
	}
	if c.noBody || len(chunk) == 0 {
		return c.stream.Write(nil, cb)
	}
	if !c.chunkedOut {
		// Plain body bytes go straight to the stream, without a copy here.
		if c.outLen >= 0 {
			if c.outWritten+int64(len(chunk)) > c.outLen {
				return ErrContentLength
			}
			c.outWritten += int64(len(chunk))
		}
		return c.stream.Write(chunk, cb)
	}
	b, err := c.appendBody(c.ls.scratch[:0], chunk)
	c.ls.scratch = b[:0]
	if err != nil {
		return err
	}
	return c.stream.Write(b, cb)
}

// Finish ends the response. On a keep-alive connection the next request
// is read; otherwise the connection closes once the response is sent.
func (c *conn) Finish() error {
	switch {
	case c.gone():
		return ErrConnClosed // the request state may be gone with the client
	case c.finished:
		return ErrFinished
	case !c.started:
		return ErrNotStarted
	}
	c.finished = true
	var err error
	if c.chunkedOut {
		err = c.stream.Write([]byte(http1.LastChunk), nil)
	}
	if c.outLen >= 0 && c.outWritten != c.outLen && !c.noBody {
		c.srv.logger().Warn("httpserver: response shorter than its Content-Length",
			"declared", c.outLen, "written", c.outWritten, "uri", c.rs.req.URI)
		c.keepAlive = false
		err = ErrContentLength
	}
	c.rs.req.MarkFinished(c.stream.Loop().Now())
	c.closeCB = nil
	if c.stream.Closed() {
		return ErrConnClosed
	}
	if !c.keepAlive || c.state == stateClosing || c.state != stateHandler {
		// Not keep-alive, or the response came before the whole request
		// was read: the connection cannot be reused.
		c.closeAfterWrite()
		return err
	}
	c.nextRequest()
	if !c.inData {
		c.stream.ResumeReading()
	}
	return err
}

// SetCloseCallback sets f to run if the client leaves before Finish.
func (c *conn) SetCloseCallback(f func()) { c.closeCB = f }

// AddCallback runs f on the connection's loop. Safe for concurrent use.
func (c *conn) AddCallback(f func()) { c.stream.Loop().AddCallback(f) }

// OnOwner reports whether it is called on the connection's loop. Safe for
// concurrent use; it costs microseconds (see ioloop.Loop.OnLoop).
func (c *conn) OnOwner() bool { return c.stream.Loop().OnLoop() }

// CallLater runs f on the connection's loop after d; stop cancels it and
// reports whether it had not run yet. f runs even if the client leaves
// first. Must be called on the loop, and so must stop.
func (c *conn) CallLater(d time.Duration, f func()) (stop func() bool) {
	l := c.stream.Loop()
	pending := true
	t := l.CallLater(d, func() {
		pending = false
		f()
	})
	return func() bool {
		if !pending {
			return false
		}
		pending = false
		l.RemoveTimeout(t)
		return true
	}
}

// Detach hands the connection's *iostream.Stream to the caller, for a
// protocol that takes over from HTTP (a WebSocket after its 101 response).
// Call it on the loop, after WriteHeaders and instead of Finish, once the
// whole request has been read (from the delegate's Finish or later). What
// was written is still sent. From then on the server forgets the
// connection: no timeout, no closing of idle connections at Shutdown and
// no close callback touches it, and no further request is read from it.
// The stream is left with no reader and reading resumed, so bytes the
// client sends (pipelined after the request too) go to the first read the
// caller starts; its buffer limits stay as the server set them. The caller
// owns the stream and must close it; Shutdown waits for that like for any
// connection, and closes the stream when its context ends, as the loop
// stops then. The *httputil.ServerRequest stays valid.
func (c *conn) Detach() (any, error) {
	switch {
	case c.gone(), c.state == stateClosing:
		return nil, ErrConnClosed
	case !c.started:
		return nil, ErrNotStarted
	case c.finished:
		return nil, ErrFinished
	case c.state != stateHandler:
		return nil, errDetachEarly
	}
	s := c.stream
	c.state = stateDetached
	c.deadline = 0
	c.closeCB = nil
	c.ls.remove(c)
	s.SetCloseCallback(nil)
	s.SetPeerShutdownCallback(nil)
	s.SetOutputBudget(nil)
	s.ReadFunc(nil)
	// The request state is not put back in the loop's free list: the
	// application may still read the request it holds.
	c.rs = nil
	s.ResumeReading()
	return s, nil
}

var errDetachEarly = fmt.Errorf("%w: detach before the request has been read", httputil.ErrNotSupported)

// KeepRequest leaves the current request's state to the application once
// the response is finished, instead of reusing it for the next request.
func (c *conn) KeepRequest() { c.keepReq = true }

// SetMaxBodySize replaces the server's MaxBodySize for the current
// request (see httputil.BodyController). Must be called on the loop.
func (c *conn) SetMaxBodySize(n int64) {
	if c.rs == nil || n <= 0 {
		return
	}
	if c.ps == nil {
		// The body has been read, or the connection is closing (a close
		// hook may call this): no limit applies any more.
		return
	}
	c.maxBody = n
	switch c.state {
	case stateChunked:
		c.ps.chunked.MaxBodySize = n
	case stateBody:
		if c.bodyRead+c.ps.remaining > n {
			c.rejectStatus(413, "body too large")
		}
	}
}

// SetBodyTimeout replaces the server's BodyTimeout for the current
// request. Must be called on the loop.
func (c *conn) SetBodyTimeout(d time.Duration) {
	if c.rs == nil {
		return
	}
	c.bodyTimeout = d
	if c.state == stateBody || c.state == stateChunked {
		c.setDeadline(c.bodyTimeoutNow())
	}
}

// PauseBody stops reading the current request's body until ResumeBody;
// no clock runs against the client meanwhile. Must be called on the loop.
func (c *conn) PauseBody() {
	if c.rs == nil || c.bodyPaused || !(c.state == stateBody || c.state == stateChunked) {
		return
	}
	c.bodyPaused = true
	c.stream.PauseReading()
}

// ResumeBody reads the body on after PauseBody, or hands the request on
// if the whole body had arrived. Must be called on the loop.
func (c *conn) ResumeBody() {
	if !c.bodyPaused || c.gone() {
		return
	}
	c.bodyPaused = false
	c.rateMark, c.rateAt = c.bodyRead, c.stream.Loop().Now().UnixNano()
	if c.bodyDone {
		c.bodyDone = false
		c.requestDone()
		return
	}
	c.setDeadline(c.bodyTimeoutNow())
	c.stream.ResumeReading()
}
