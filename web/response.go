package web

import (
	"bytes"
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
	ErrFinished = httputil.ErrFinished

	// ErrHeadersWritten is returned by Redirect after the headers were flushed.
	ErrHeadersWritten = httputil.ErrHeadersWritten

	// ErrUnsafeHeader is wrapped by the error for a header name that is not
	// a token, or a value with CR, LF or another control character.
	ErrUnsafeHeader = httputil.ErrUnsafeHeader

	// ErrWriteType is returned by WriteJSON and Finish for a value whose JSON
	// encoding is not an object. Like Tornado, GoTornado refuses top-level
	// JSON arrays: an array response can be read by another site through a
	// <script> tag (JSON hijacking). Wrap a slice in a struct or a map.
	ErrWriteType = errors.New("web: WriteJSON accepts a value that encodes as a JSON object (top-level JSON arrays are refused: wrap a slice in a struct or map)")
)

// pendingCookie is a Set-Cookie value waiting for the headers.
type pendingCookie struct{ name, line string }

// fail records err, the first refused status, header or cookie: the
// response then finishes with a 500 and err is logged, as an uncaught
// exception is in Tornado.
func (h *RequestHandler) fail(err error) {
	if h.err == nil && err != nil {
		h.err = err
	}
}

// SetStatus sets the response status (Tornado's set_status). Without
// reason the standard phrase is sent, or "Unknown" for a code without one;
// a reason with '<' or a control character is sent as "Unknown" too. A code
// outside 100-999 is refused: the error is returned, and fails the
// response with a 500 as well.
func (h *RequestHandler) SetStatus(code int, reason ...string) error {
	if code < 100 || code > 999 {
		err := fmt.Errorf("web: invalid status code %d", code)
		h.fail(err)
		return err
	}
	r := ""
	if len(reason) > 0 {
		r = reason[0]
	}
	h.setStatus(code, r)
	return nil
}

// Status returns the response status (Tornado's get_status).
func (h *RequestHandler) Status() int { return h.status }

// SetHeader sets the response header name to value, replacing its values. A
// name that is not a token, or a value with CR, LF or another control
// character, is refused: nothing is stored, the error (wrapping
// ErrUnsafeHeader) is returned, and the response fails with a 500.
func (h *RequestHandler) SetHeader(name, value string) error {
	err := h.hdr().SetChecked(name, value) // checked once: the Connection trusts it
	h.fail(err)
	return err
}

// AddHeader adds a value to the response header name, which may then have
// several; it refuses bad names and values like SetHeader.
func (h *RequestHandler) AddHeader(name, value string) error {
	err := h.hdr().AddChecked(name, value)
	h.fail(err)
	return err
}

// ClearHeader removes the response header name.
func (h *RequestHandler) ClearHeader(name string) { h.hdr().Del(name) }

// ResponseHeader returns the response headers, for reading. Change them
// with SetHeader, AddHeader and ClearHeader, which check them. The values
// are valid until the handler's lifetime ends.
func (h *RequestHandler) ResponseHeader() *httputil.Header { return h.hdr() }

// Write adds p to the output buffer; Flush sends it (Tornado's write). It
// makes the handler an io.Writer, for fmt.Fprintf and template.Execute.
// Write returns ErrFinished after Finish. On an asynchronous handler it may
// be called from any goroutine (see Asynchronous); p is then copied.
func (h *RequestHandler) Write(p []byte) (int, error) {
	owner := h.onOwner()
	if h.refused(owner) {
		return 0, ErrFinished
	}
	if !owner {
		h.writeLater(bytes.Clone(p), false)
		return len(p), nil
	}
	h.buf = append(h.buf, p...)
	return len(p), nil
}

// WriteString is Write for a string (io.StringWriter).
func (h *RequestHandler) WriteString(s string) (int, error) {
	owner := h.onOwner()
	if h.refused(owner) {
		return 0, ErrFinished
	}
	if !owner {
		h.writeLater([]byte(s), false)
		return len(s), nil
	}
	h.buf = append(h.buf, s...)
	return len(s), nil
}

// WriteJSON adds the JSON encoding of v to the output buffer and sets
// Content-Type to application/json (Tornado's write of a dict; set it after
// WriteJSON to send another). v must encode as a JSON object — a map, a
// struct — else ErrWriteType is returned and fails the response with a 500
// as well. On an asynchronous handler it may be called from any goroutine.
func (h *RequestHandler) WriteJSON(v any) error {
	owner := h.onOwner()
	if h.refused(owner) {
		return ErrFinished
	}
	if !owner {
		b, err := encodeJSON(v)
		if err != nil {
			h.Run(func() { h.fail(err) }) // as on the handler's goroutine: the response fails
			return err
		}
		h.writeLater(b, true)
		return nil
	}
	b, err := h.encodeJSON(v)
	if err != nil {
		h.fail(err)
		return err
	}
	h.writeNow(b, true)
	return nil
}

// writeChunk adds Finish's last chunk: a string, a []byte, or a value for
// WriteJSON.
func (h *RequestHandler) writeChunk(v any) error {
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

// writeLater queues writeNow on the handler's goroutine; b is the caller's
// copy.
func (h *RequestHandler) writeLater(b []byte, isJSON bool) {
	h.Run(func() { h.writeNow(b, isJSON) })
}

func (h *RequestHandler) writeNow(b []byte, isJSON bool) {
	if h.finished {
		return
	}
	h.buf = append(h.buf, b...)
	if isJSON {
		h.hdr().SetFrom(&jsonType)
	}
}

// jsonType is WriteJSON's Content-Type, checked once here.
var jsonType = func() (h httputil.Header) {
	h.AddChecked("Content-Type", "application/json; charset=UTF-8")
	return h
}()

// encodeJSON encodes v into the handler's reusable JSON buffer; the result
// is valid until the next call.
func (h *RequestHandler) encodeJSON(v any) ([]byte, error) {
	if v == nil {
		return nil, fmt.Errorf("%w; got nil", ErrWriteType)
	}
	x := h.x()
	x.jsonBuf.Reset()
	if x.jsonEnc == nil {
		x.jsonEnc = json.NewEncoder(&x.jsonBuf)
	}
	if err := x.jsonEnc.Encode(v); err != nil {
		return nil, fmt.Errorf("web: WriteJSON: %w", err)
	}
	b := bytes.TrimSuffix(x.jsonBuf.Bytes(), []byte("\n"))
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
		return nil, fmt.Errorf("web: WriteJSON: %w", err)
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
// with the error; the handler is not reused before it has run. Flush may be
// called any number of times before Finish; on an asynchronous handler,
// from any goroutine (see Asynchronous).
func (h *RequestHandler) Flush(cb func(error)) error {
	owner := h.onOwner()
	if h.refused(owner) {
		return ErrFinished
	}
	if !owner {
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

// notSent reports whether WriteHeaders refused the head without sending
// anything: a header it would not send, or a body longer than the
// Content-Length the handler set.
func notSent(err error) bool {
	return errors.Is(err, httputil.ErrUnsafeHeader) || errors.Is(err, httputil.ErrContentLength)
}

// refused reports whether output is refused: once Finish was called,
// except on the handler's goroutine while SendError writes the error page.
func (h *RequestHandler) refused(owner bool) bool {
	return h.finishCalled.Load() && !(owner && h.inError && !h.finished)
}

// callback runs cb(err) later on the handler's goroutine, holding the
// handler until it has run.
func (h *RequestHandler) callback(cb func(error), err error) {
	if cb != nil {
		h.hold()
		h.conn.AddCallback(func() {
			defer h.drop()
			cb(err)
		})
	}
}

// held wraps a write callback given to the Connection so that it holds the
// handler until the Connection calls it; nil stays nil.
func (h *RequestHandler) held(cb func(error)) func(error) {
	if cb == nil {
		return nil
	}
	h.hold()
	return func(err error) {
		defer h.drop()
		h.guard(func() { cb(err) })
	}
}

func (h *RequestHandler) flushNow(cb func(error)) error {
	if h.detached {
		return httputil.ErrConnClosed
	}
	if !h.headersWritten {
		if h.err != nil {
			return h.err // Finish will send the 500
		}
		chunk := h.buf
		h.buf = h.buf[:0] // the Connection copies chunk; the storage is reused
		if x := h.ex; x != nil {
			for _, c := range x.cookies {
				h.hdr().Add("Set-Cookie", c.line)
			}
		}
		if h.app.transformsOn() {
			chunk = h.transformFirst(chunk)
		}
		if h.req.Method == "HEAD" {
			chunk = nil
		}
		wcb := h.held(cb)
		if err := h.conn.WriteHeaders(h.status, h.reasonText(), h.hdr(), chunk, wcb); err != nil {
			if wcb != nil {
				h.drop() // the Connection does not call a callback it refused
			}
			if notSent(err) {
				h.discardTransforms()
				h.err = err // Finish answers 500 instead
				return err
			}
			h.headersWritten = true
			return err
		}
		h.headersWritten = true
		return nil
	}
	chunk := h.buf
	h.buf = h.buf[:0]
	if h.ex != nil && len(h.ex.tr.list) > 0 {
		chunk = h.transformChunk(chunk)
	}
	if h.req.Method == "HEAD" || len(chunk) == 0 {
		h.callback(cb, nil)
		return nil
	}
	wcb := h.held(cb)
	err := h.conn.Write(chunk, wcb)
	if err != nil && wcb != nil {
		h.drop()
	}
	return err
}

// Finish ends the response (Tornado's finish), after adding chunk, if
// given: a string, a []byte, or a value for WriteJSON. Unless the output
// was flushed already, it adds Content-Length and, for a 200 response to
// GET or HEAD, an Etag (see EtagComputer), answering 304 Not Modified
// without a body when the request's If-None-Match matches. A second Finish
// returns ErrFinished. On an asynchronous handler Finish may be called from
// any goroutine (see Asynchronous).
func (h *RequestHandler) Finish(chunk ...any) error {
	if !h.onOwner() {
		var last []byte
		isJSON := false
		if len(chunk) > 0 {
			var err error
			if last, isJSON, err = copyChunk(chunk[0]); err != nil {
				return err
			}
		}
		if !h.finishCalled.CompareAndSwap(false, true) {
			return ErrFinished
		}
		h.Run(func() {
			h.writeNow(last, isJSON)
			h.finishNow()
		})
		return nil
	}
	// The error page's own Finish passes the gate SendError closed.
	if !(h.inError && !h.finished) && !h.finishCalled.CompareAndSwap(false, true) {
		return ErrFinished
	}
	if len(chunk) > 0 {
		if err := h.writeChunk(chunk[0]); err != nil {
			h.finishNow() // with the 500
			return err
		}
	}
	h.finishNow()
	return nil
}

// copyChunk copies Finish's last chunk for another goroutine.
func copyChunk(v any) (b []byte, isJSON bool, err error) {
	switch v := v.(type) {
	case string:
		return []byte(v), false, nil
	case []byte:
		return bytes.Clone(v), false, nil
	}
	b, err = encodeJSON(v)
	return b, true, err
}

// finishNow finishes the response on the handler's goroutine. A recorded
// error becomes an error page.
func (h *RequestHandler) finishNow() {
	if h.finished {
		return
	}
	if !h.finishCalled.Load() { // usually set already, by the caller's CompareAndSwap
		h.finishCalled.Store(true)
	}
	if !h.headersWritten {
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
	if h.app.transformsOn() {
		h.x().tr.finishing = true // the transforms end their output
	}
	if err := h.flushNow(nil); err != nil {
		h.app.logger().Debug("Cannot flush response "+h.summary(), "err", err)
		if notSent(err) && !h.inError {
			// The Connection refused the head: answer 500 instead.
			h.err = nil
			h.handleError(err)
			return
		}
	}
	h.complete()
}

// complete marks the response finished, logs it, runs OnFinish and tells
// the Connection, which may then read the next request.
func (h *RequestHandler) complete() {
	if !h.finishCalled.Load() {
		h.finishCalled.Store(true)
	}
	h.finished = true
	defer h.endResponse() // even if a LogFunction panics
	// No MarkFinished here: RequestTime measures up to now when the log
	// asks for it, which spares a clock read when nothing logs.
	h.app.logRequest(h)
	if h.hooks&hookFinish != 0 {
		h.guard(h.self.(OnFinisher).OnFinish)
	}
}

// endResponse tells the Connection the response is over and gives back
// the reference an asynchronous handler holds.
func (h *RequestHandler) endResponse() {
	if h.life.shared.Load() || h.life.refs > 1 {
		// Callbacks, or other goroutines, may read the request after the
		// response: the connection must not parse the next one into it.
		if k, ok := h.conn.(httputil.RequestKeeper); ok {
			k.KeepRequest()
		}
	}
	if !h.detached {
		if err := h.conn.Finish(); err != nil {
			h.app.logger().Debug("Cannot finish response "+h.summary(), "err", err)
		}
	}
	h.cancelContext()
	if h.async.Load() {
		h.drop()
	}
}

// prepareLastFlush adds the Etag (or turns the response into a 304) and the
// Content-Length of a response that was not flushed.
func (h *RequestHandler) prepareLastFlush() {
	if h.status == 200 && (h.req.Method == "GET" || h.req.Method == "HEAD") && !h.hdr().Has("Etag") {
		h.addEtag()
	}
	if bodyless(h.status) {
		// Tornado's finish and _clear_representation_headers: no body, and
		// no metadata about one; other headers (Allow among them) stay.
		h.buf = h.buf[:0]
		h.hdr().Del("Content-Encoding")
		h.hdr().Del("Content-Language")
		h.hdr().Del("Content-Type")
		if h.status != 304 {
			h.hdr().Del("Content-Length")
		}
	} else if !h.hdr().Has("Content-Length") {
		var length string
		if len(h.buf) < 100 {
			length = strconv.Itoa(len(h.buf)) // a static string
		} else {
			length = h.etags().contentLength(len(h.buf))
		}
		h.hdr().AddChecked("Content-Length", length)
	}
}

// addEtag adds the Etag, and answers 304 when If-None-Match matches it.
func (h *RequestHandler) addEtag() {
	var etag string
	if h.hooks&hookEtag != 0 {
		etag = h.self.(EtagComputer).ComputeEtag()
		if etag == "" || h.hdr().AddChecked("Etag", etag) != nil { // there is none yet
			return // an Etag that cannot be sent is not sent
		}
	} else {
		f := h.etags().header(h.buf)
		h.hdr().AddFrom(f) // checked when the tag last changed
		_, etag = f.At(0)
	}
	inm := h.req.Header.Get("If-None-Match")
	if inm != "" {
		if vs := h.req.Header.Values("If-None-Match"); len(vs) > 1 {
			inm = strings.Join(vs, ",") // a list sent as several lines is one list
		}
	}
	if etagMatches(inm, etag) {
		h.buf = h.buf[:0]
		h.setStatus(304, "")
	}
}

func bodyless(code int) bool {
	return code == 204 || code == 304 || code >= 100 && code < 200
}

// etags returns the handler's etagCache, made on first use.
func (h *RequestHandler) etags() *etagCache {
	x := h.x()
	if x.etag == nil {
		x.etag = new(etagCache)
	}
	return x.etag
}

// DefaultEtag returns the Etag sent when the handler does not implement
// EtagComputer: the hex SHA-1 of the unflushed body, in double quotes. An
// EtagComputer may call it.
func (h *RequestHandler) DefaultEtag() string {
	return strings.Clone(h.etags().of(h.buf))
}

// etagMatches reports whether the If-None-Match value inm matches etag:
// "*", or any listed entity-tag under the weak comparison (Tornado's
// check_etag_header).
func etagMatches(inm, etag string) bool {
	if inm == "" {
		return false
	}
	want := trimWeak(etag)
	first := true // "*" counts only as the first entity-tag, as in Tornado
	for i := 0; i < len(inm); {
		switch {
		case inm[i] == '*':
			if first {
				return true
			}
			i++
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
			i, first = end+1, false
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
// after a Flush. On an asynchronous handler Redirect may be called from any
// goroutine (see Asynchronous).
func (h *RequestHandler) Redirect(url string, status ...int) error {
	code := http.StatusFound
	if len(status) > 0 {
		code = status[0]
		if code < 300 || code > 399 {
			return fmt.Errorf("web: Redirect status %d is not 3xx", code)
		}
	}
	owner := h.onOwner()
	if h.refused(owner) {
		return ErrFinished
	}
	if !owner {
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

// Detach takes the connection over from HTTP (Tornado's detach), for
// protocols that tunnel over an HTTP handshake such as WebSocket: the
// headers (and any buffered output) are flushed if they were not, the
// response ends without being finished — no terminating chunk, no access
// log, no OnFinish — and the server forgets the connection. It returns the
// transport, which the caller now owns and must close: an *iostream.Stream
// on the handler's loop under httpserver, a *DetachedConn under net/http
// (HTTP/1.x only). It fails with an error wrapping
// httputil.ErrNotSupported when the Connection cannot be detached. Must be
// called on the handler's goroutine; the handler is never reused after it.
func (h *RequestHandler) Detach() (any, error) {
	if h.finishCalled.Load() || h.detached {
		return nil, ErrFinished
	}
	dc, ok := h.conn.(httputil.Detacher)
	if c, isHTTP := h.conn.(*httpConn); !ok || isHTTP && c.r.ProtoMajor != 1 {
		return nil, fmt.Errorf("%w: Detach", httputil.ErrNotSupported) // before anything is flushed
	}
	if !h.headersWritten || len(h.buf) > 0 {
		if err := h.flushNow(nil); err != nil {
			return nil, err
		}
	}
	t, err := dc.Detach()
	if err != nil {
		return nil, err
	}
	h.life.shared.Store(true)
	h.detached, h.finished = true, true
	h.finishCalled.Store(true)
	h.conn.SetCloseCallback(nil)
	h.cancelContext()
	if h.async.Load() {
		h.drop()
	}
	return t, nil
}
