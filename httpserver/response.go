package httpserver

import (
	"errors"

	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/internal/http1"
)

// Errors from the response side of a connection.
var (
	ErrHeadersWritten = errors.New("httpserver: headers already written")
	ErrFinished       = errors.New("httpserver: response already finished")
	ErrNotStarted     = errors.New("httpserver: response not started")
	ErrContentLength  = errors.New("httpserver: body does not match Content-Length")
	ErrConnClosed     = errors.New("httpserver: connection closed")
)

// WriteHeaders sends the status line, the headers and chunk. Without a
// Content-Length the body is chunked on HTTP/1.1 and delimited by closing
// the connection on HTTP/1.0. A Date header is added when missing.
func (c *conn) WriteHeaders(code int, reason string, h *httputil.Header, chunk []byte, cb func(error)) error {
	switch {
	case c.stream.Closed():
		return ErrConnClosed
	case c.started:
		return ErrHeadersWritten
	}
	c.started = true
	c.noBody = c.rs.req.Method == "HEAD" || code < 200 || code == 204 || code == 304
	if reason == "" {
		reason = http1.StatusText(code)
		if reason == "" {
			reason = "Unknown"
		}
	}
	// The head is built in the stream's output queue when it has room for
	// it, in scratch space otherwise. One pass writes the fields and notes
	// the ones that set the framing. Names are canonical (Header.Add makes
	// them so).
	b := c.stream.Buffer(headSize(reason, h, chunk))
	inScratch := b == nil
	if inScratch {
		b = c.ls.scratch[:0]
	}
	b = http1.AppendStatusLine(b, "HTTP/1.1", code, reason)
	var length, connection string
	hasDate := false
	for name, value := range h.All() {
		switch name {
		case "Content-Length":
			length = value
		case "Connection":
			connection = value
		case "Date":
			hasDate = true
		}
		b = append(b, name...)
		b = append(b, ": "...)
		b = append(b, value...)
		b = append(b, "\r\n"...)
	}
	c.outLen = -1
	if length != "" {
		n, ok := http1.ParseDecimal(length)
		if !ok {
			c.stream.Commit(nil, nil) // gives the buffer back
			return ErrContentLength
		}
		c.outLen = n
	}
	if connection == "close" {
		c.keepAlive = false
	}
	bodyAllowed := !(code < 200 || code == 204 || code == 304)
	if c.outLen < 0 && bodyAllowed && c.rs.req.Method != "HEAD" {
		if c.rs.req.Version == "HTTP/1.1" {
			c.chunkedOut = true
		} else {
			c.keepAlive = false // the body ends when the connection does
		}
	}
	if !hasDate {
		b = append(b, "Date: "...)
		b = append(b, c.ls.date()...)
		b = append(b, "\r\n"...)
	}
	if c.chunkedOut {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	switch {
	case connection != "":
	case !c.keepAlive:
		b = append(b, "Connection: close\r\n"...)
	case c.rs.req.Version == "HTTP/1.0":
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	b = append(b, "\r\n"...)
	b, err := c.appendBody(b, chunk)
	if inScratch {
		c.ls.scratch = b[:0] // keeps what it grew to
	}
	if err != nil {
		c.stream.Commit(nil, nil)
		return err
	}
	return c.stream.Commit(b, cb)
}

// headSize bounds the size of a response head with these fields, and of
// the first chunk of its body.
func headSize(reason string, h *httputil.Header, chunk []byte) int {
	n := len("HTTP/1.1 000 \r\n") + len(reason) + len("Unknown") +
		len("Date: Mon, 02 Jan 2006 15:04:05 GMT\r\n") + len("Transfer-Encoding: chunked\r\n") +
		len("Connection: keep-alive\r\n") + len("\r\n") +
		len(chunk) + 16 + len("\r\n\r\n") // a chunk's size line and end
	for name, value := range h.All() {
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
	case c.stream.Closed():
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
