package web

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gotornado/tornado/httputil"
)

var (
	// ErrFinished is returned by the output methods once Finish was called.
	ErrFinished = errors.New("web: response already finished")

	// ErrHeadersWritten is returned by Redirect after the headers were flushed.
	ErrHeadersWritten = errors.New("web: cannot redirect after headers have been written")

	// ErrUnsafeHeader is wrapped by the error recorded for a header name that
	// is not a token, or a value with CR, LF or another control character.
	ErrUnsafeHeader = errors.New("web: unsafe header")

	// ErrWriteType is returned by Write for a value that is not a string, a
	// []byte, or a value whose JSON encoding is an object. Like Tornado,
	// Write refuses top-level JSON arrays: an array response can be read by
	// another site through a <script> tag (JSON hijacking). Wrap a slice in a
	// struct or a map.
	ErrWriteType = errors.New("web: Write accepts a string, a []byte, or a value that encodes as a JSON object (top-level JSON arrays are refused: wrap a slice in a struct or map)")
)

// pendingCookie is a Set-Cookie value waiting for the headers.
type pendingCookie struct{ name, line string }

// fail records err, the first refused status, header or cookie: the
// response then finishes with a 500 and err is logged, as an uncaught
// exception is in Tornado.
func (h *RequestHandler) fail(err error) {
	if h.err == nil {
		h.err = err
	}
}

// SetStatus sets the response status. Without reason the standard reason
// phrase is used; an unknown code without reason, or a reason with control
// characters, is refused and fails the response with a 500.
func (h *RequestHandler) SetStatus(code int, reason ...string) {
	if code < 100 || code > 999 {
		h.fail(fmt.Errorf("web: invalid status code %d", code))
		return
	}
	r := ""
	if len(reason) > 0 {
		r = reason[0]
		if !httputil.ValidHeaderValue(r) {
			h.fail(fmt.Errorf("%w: reason %q", ErrUnsafeHeader, r))
			return
		}
	} else if r = http.StatusText(code); r == "" {
		h.fail(fmt.Errorf("web: unknown status code %d", code))
		return
	}
	h.status, h.reason = code, r
}

// Status returns the response status (Tornado's get_status).
func (h *RequestHandler) Status() int { return h.status }

// SetHeader sets the response header name to value, replacing its values. A
// name that is not a token, or a value with CR, LF or another control
// character, is refused: nothing is stored and the response fails with a
// 500 (see ErrUnsafeHeader).
func (h *RequestHandler) SetHeader(name, value string) {
	if h.checkHeader(name, value) {
		h.header.Set(name, value)
	}
}

// AddHeader adds a value to the response header name, which may then have
// several; it refuses bad names and values like SetHeader.
func (h *RequestHandler) AddHeader(name, value string) {
	if h.checkHeader(name, value) {
		h.header.Add(name, value)
	}
}

// ClearHeader removes the response header name.
func (h *RequestHandler) ClearHeader(name string) { h.header.Del(name) }

// ResponseHeader returns the response headers, for reading. Change them
// with SetHeader, AddHeader and ClearHeader, which check them.
func (h *RequestHandler) ResponseHeader() *httputil.Header { return &h.header }

func (h *RequestHandler) checkHeader(name, value string) bool {
	if !httputil.ValidHeaderName(name) || !httputil.ValidHeaderValue(value) {
		h.fail(fmt.Errorf("%w: %q: %q", ErrUnsafeHeader, name, value))
		return false
	}
	return true
}

// Write adds v to the output buffer; Flush sends it (Tornado's write). v is a
// string, a []byte, or a value encoded as JSON — a map, a struct, or
// anything whose encoding is a JSON object — which also sets Content-Type to
// application/json (set it after Write to send another). Any other value is
// refused with ErrWriteType, and fails the response with a 500 as well.
// Write returns ErrFinished after Finish. On a detached handler Write may be
// called from any goroutine (see Detach); a []byte is copied.
func (h *RequestHandler) Write(v any) error {
	if h.finishCalled.Load() {
		return ErrFinished
	}
	if h.detached.Load() {
		return h.writeDetached(v)
	}
	switch v := v.(type) {
	case string:
		h.buf = append(h.buf, v...)
	case []byte:
		h.buf = append(h.buf, v...)
	default:
		b, err := h.encodeJSON(v)
		if err != nil {
			h.fail(err)
			return err
		}
		h.writeNow(b, true)
	}
	return nil
}

// writeDetached is Write from any goroutine: the bytes are copied and
// appended on the handler's goroutine. It is a function of its own so that
// the closure's captures do not move Write's variables to the heap.
func (h *RequestHandler) writeDetached(v any) error {
	var b []byte
	isJSON := false
	switch v := v.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = bytes.Clone(v)
	default:
		var err error
		if b, err = encodeJSON(v); err != nil {
			return err
		}
		isJSON = true
	}
	h.Run(func() { h.writeNow(b, isJSON) })
	return nil
}

func (h *RequestHandler) writeNow(b []byte, isJSON bool) {
	if h.finished {
		return
	}
	h.buf = append(h.buf, b...)
	if isJSON {
		h.header.Set("Content-Type", "application/json; charset=UTF-8")
	}
}

// encodeJSON encodes v into the handler's reusable JSON buffer; the result
// is valid until the next call.
func (h *RequestHandler) encodeJSON(v any) ([]byte, error) {
	if v == nil {
		return nil, fmt.Errorf("%w; got nil", ErrWriteType)
	}
	h.jsonBuf.Reset()
	if h.jsonEnc == nil {
		h.jsonEnc = json.NewEncoder(&h.jsonBuf)
	}
	if err := h.jsonEnc.Encode(v); err != nil {
		return nil, fmt.Errorf("web: Write: %w", err)
	}
	b := bytes.TrimSuffix(h.jsonBuf.Bytes(), []byte("\n"))
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("%w; got %T", ErrWriteType, v)
	}
	return b, nil
}

func encodeJSON(v any) ([]byte, error) {
	if v == nil {
		return nil, fmt.Errorf("%w; got nil", ErrWriteType)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("web: Write: %w", err)
	}
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("%w; got %T", ErrWriteType, v)
	}
	return b, nil
}

// Flush sends the buffered output to the network (Tornado's flush). The
// first Flush sends the status and headers, without Content-Length, so the
// Connection frames the body itself (chunked on HTTP/1.1). cb, if not nil,
// runs on the handler's goroutine once the data is handed to the kernel, or
// with the error. Flush may be called any number of times before Finish; on
// a detached handler, from any goroutine (see Detach).
func (h *RequestHandler) Flush(cb func(error)) error {
	if h.finishCalled.Load() {
		return ErrFinished
	}
	if h.detached.Load() {
		h.Run(func() {
			if h.finished {
				h.callback(cb, ErrFinished)
				return
			}
			if err := h.flushNow(cb); err != nil {
				h.callback(cb, err)
			}
		})
		return nil
	}
	return h.flushNow(cb)
}

// callback runs cb(err) later on the handler's goroutine.
func (h *RequestHandler) callback(cb func(error), err error) {
	if cb != nil {
		h.conn.AddCallback(func() { cb(err) })
	}
}

func (h *RequestHandler) flushNow(cb func(error)) error {
	if !h.headersWritten {
		if h.err != nil {
			return h.err // Finish will send the 500
		}
		chunk := h.buf
		h.buf = h.buf[:0] // the Connection copies chunk; the storage is reused
		h.headersWritten = true
		for _, c := range h.cookies {
			h.header.Add("Set-Cookie", c.line)
		}
		if h.req.Method == "HEAD" {
			chunk = nil
		}
		return h.conn.WriteHeaders(h.status, h.reason, &h.header, chunk, cb)
	}
	chunk := h.buf
	h.buf = h.buf[:0]
	if h.req.Method == "HEAD" || len(chunk) == 0 {
		h.callback(cb, nil)
		return nil
	}
	return h.conn.Write(chunk, cb)
}

// Finish ends the response (Tornado's finish). Unless the output was
// flushed already, it adds Content-Length and, for a 200 response to GET or
// HEAD, an Etag (see EtagComputer), answering 304 Not Modified without a
// body when the request's If-None-Match matches. A second Finish returns
// ErrFinished. On a detached handler Finish may be called from any
// goroutine (see Detach).
func (h *RequestHandler) Finish() error {
	if !h.finishCalled.CompareAndSwap(false, true) {
		return ErrFinished
	}
	if h.detached.Load() {
		h.Run(h.finishNow)
		return nil
	}
	h.finishNow()
	return nil
}

// finishNow finishes the response on the handler's goroutine. A recorded
// error, or a body with a status that forbids one, becomes an error page.
func (h *RequestHandler) finishNow() {
	if h.finished {
		return
	}
	if !h.headersWritten {
		if h.err == nil && bodyless(h.status) && len(h.buf) > 0 {
			h.err = fmt.Errorf("web: cannot send a body with status %d", h.status)
		}
		if h.err != nil && !h.inError {
			err := h.err
			h.err = nil
			h.handleError(err) // sends the error page, which finishes
			return
		}
		h.err = nil
		h.prepareLastFlush()
	} else if h.err != nil {
		h.app.logger().Error("Error after headers were written "+h.summary(), "err", h.err)
		h.err = nil
	}
	h.conn.SetCloseCallback(nil)
	if err := h.flushNow(nil); err != nil {
		h.app.logger().Debug("Cannot flush response "+h.summary(), "err", err)
	}
	h.complete()
}

// complete marks the response finished, logs it, runs OnFinish and tells
// the Connection, which may then reuse the request for the next one.
func (h *RequestHandler) complete() {
	if !h.finishCalled.Load() { // usually set already, by the caller's CompareAndSwap
		h.finishCalled.Store(true)
	}
	h.finished = true
	defer h.finishConn() // even if a LogFunction panics
	// No MarkFinished here: RequestTime measures up to now when the log
	// asks for it, which spares a clock read when nothing logs.
	h.app.logRequest(h)
	if f := h.hk.finish; f != nil {
		h.guard(f.OnFinish)
	}
}

func (h *RequestHandler) finishConn() {
	if err := h.conn.Finish(); err != nil {
		h.app.logger().Debug("Cannot finish response "+h.summary(), "err", err)
	}
}

// prepareLastFlush adds the Etag (or turns the response into a 304) and the
// Content-Length of a response that was not flushed.
func (h *RequestHandler) prepareLastFlush() {
	if h.status == 200 && (h.req.Method == "GET" || h.req.Method == "HEAD") && !h.header.Has("Etag") {
		if etag := h.hk.etag.ComputeEtag(); etag != "" && httputil.ValidHeaderValue(etag) {
			h.header.Add("Etag", etag) // there is none
			if etagMatches(h.req.Header.Get("If-None-Match"), etag) {
				h.buf = h.buf[:0]
				h.status, h.reason = 304, "Not Modified"
			}
		}
	}
	if bodyless(h.status) {
		h.buf = h.buf[:0]
		for _, name := range entityHeaders {
			h.header.Del(name)
		}
	} else if !h.header.Has("Content-Length") {
		h.header.Add("Content-Length", strconv.Itoa(len(h.buf)))
	}
}

// entityHeaders are removed from 1xx, 204 and 304 responses (Tornado's
// _clear_headers_for_304).
var entityHeaders = [...]string{
	"Allow", "Content-Encoding", "Content-Language", "Content-Length",
	"Content-MD5", "Content-Range", "Content-Type", "Last-Modified",
}

func bodyless(code int) bool {
	return code == 204 || code == 304 || code >= 100 && code < 200
}

// ComputeEtag returns the default Etag: the hex SHA-1 of the unflushed
// body, in double quotes. It implements EtagComputer.
func (h *RequestHandler) ComputeEtag() string {
	e := h.app.lastEtag.Load()
	if e != nil && e.body != nil && bytes.Equal(e.body, h.buf) {
		return e.tag // a small body served again: no need to hash it
	}
	sum := sha1.Sum(h.buf)
	if e != nil && e.sum == sum {
		return e.tag
	}
	var b [2 + 2*sha1.Size]byte
	b[0], b[len(b)-1] = '"', '"'
	hex.Encode(b[1:], sum[:])
	e = &etagEntry{sum: sum, tag: string(b[:])}
	if len(h.buf) <= maxEtagBody {
		e.body = bytes.Clone(h.buf)
	}
	h.app.lastEtag.Store(e)
	return e.tag
}

// etagMatches reports whether the If-None-Match value inm matches etag:
// "*", or any listed entity-tag under the weak comparison (Tornado's
// check_etag_header).
func etagMatches(inm, etag string) bool {
	if inm == "" {
		return false
	}
	want := trimWeak(etag)
	for i := 0; i < len(inm); {
		switch {
		case inm[i] == '*':
			return true
		case inm[i] == '"' || inm[i] == 'W' && i+2 < len(inm) && inm[i+1] == '/' && inm[i+2] == '"':
			start := i
			if inm[i] == 'W' {
				i += 2
			}
			end := strings.IndexByte(inm[i+1:], '"')
			if end < 0 {
				return false
			}
			end += i + 1
			if trimWeak(inm[start:end+1]) == want {
				return true
			}
			i = end + 1
		default:
			i++
		}
	}
	return false
}

func trimWeak(tag string) string {
	if len(tag) >= 2 && tag[0] == 'W' && tag[1] == '/' {
		return tag[2:]
	}
	return tag
}

// Redirect sends a redirect to url, which may be relative, and finishes the
// response (Tornado's redirect): 302 Found, or status, which must be a 3xx
// code (301 for Tornado's permanent=True). It returns ErrHeadersWritten
// after a Flush. On a detached handler Redirect may be called from any
// goroutine (see Detach).
func (h *RequestHandler) Redirect(url string, status ...int) error {
	code := http.StatusFound
	if len(status) > 0 {
		code = status[0]
		if code < 300 || code > 399 {
			return fmt.Errorf("web: Redirect status %d is not 3xx", code)
		}
	}
	if h.finishCalled.Load() {
		return ErrFinished
	}
	if h.detached.Load() {
		h.Run(func() {
			if h.finished {
				return
			}
			if h.headersWritten {
				h.handleError(ErrHeadersWritten)
				return
			}
			h.redirectNow(url, code)
		})
		return nil
	}
	if h.headersWritten {
		return ErrHeadersWritten
	}
	h.redirectNow(url, code)
	return nil
}

func (h *RequestHandler) redirectNow(url string, code int) {
	h.SetStatus(code)
	h.SetHeader("Location", url)
	h.finishCalled.Store(true)
	h.finishNow()
}
