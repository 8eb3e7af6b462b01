package web

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"runtime/debug"
	"strconv"

	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/internal/lograte"
)

// HTTPError is an error that turns into an HTTP error response (Tornado's
// HTTPError): a verb or Prepare returning one sends status Code. Reason
// replaces the standard reason phrase; LogMessage, if set, is logged (as a
// warning) but not shown to the client; Err is the cause, if any.
type HTTPError struct {
	Code       int
	Reason     string
	LogMessage string
	Err        error
}

func (e *HTTPError) Error() string {
	reason := e.Reason
	if reason == "" {
		reason = statusText(e.Code)
	}
	msg := "HTTP " + strconv.Itoa(e.Code) + ": " + reason
	if e.LogMessage != "" {
		msg += " (" + e.LogMessage + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *HTTPError) Unwrap() error { return e.Err }

// HTTPStatus returns Code; a server that gets the error from a delegate
// answers with it.
func (e *HTTPError) HTTPStatus() int { return e.Code }

// MissingArgumentError is returned by GetArgument and its kin for a
// required argument that is absent; returned from a verb, it answers 400.
type MissingArgumentError struct {
	Name string
}

func (e *MissingArgumentError) Error() string {
	return "HTTP 400: Bad Request (Missing argument " + e.Name + ")"
}

// PanicError is the error handed to WriteError when a handler panicked.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the panicking goroutine's stack
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// asHTTPError returns the HTTPError err stands for, or nil.
func asHTTPError(err error) *HTTPError {
	var he *HTTPError
	if errors.As(err, &he) {
		return he
	}
	var me *MissingArgumentError
	if errors.As(err, &me) {
		return &HTTPError{Code: 400, LogMessage: "Missing argument " + me.Name}
	}
	return nil
}

// statusText is the reason phrase for code, "Unknown" for a code without one.
func statusText(code int) string { return httputil.Reason(code, "") }

// handleError logs err and, unless the response is finished, sends the
// error page (Tornado's _handle_request_exception).
func (h *RequestHandler) handleError(err error) {
	code := http.StatusInternalServerError
	var pe *PanicError
	if he := asHTTPError(err); he != nil {
		code = he.Code
		if he.LogMessage != "" || he.Err != nil {
			msg := he.LogMessage
			if he.Err != nil {
				msg += ": " + he.Err.Error()
			}
			h.app.logger().Warn(strconv.Itoa(code) + " " + h.summary() + ": " + msg)
		}
	} else if !errors.As(err, &pe) { // a panic was logged where it was recovered
		h.app.logger().Error("Uncaught exception "+h.summary(), "err", err)
	}
	if code < 100 || code > 999 {
		code = http.StatusInternalServerError
	}
	if !h.finished {
		h.sendError(code, err)
	}
}

// SendError sends the error page for code, with err (which may be nil) as
// its cause (Tornado's send_error): output written but not flushed is
// discarded, the headers are reset, and WriteError writes the page. An
// *HTTPError's Reason becomes the reason phrase. After a Flush it is too late
// for an error page: the response is just finished. On an asynchronous
// handler SendError may be called from any goroutine (see Asynchronous).
func (h *RequestHandler) SendError(code int, err error) {
	if !h.onOwner() {
		h.Run(func() { h.sendError(code, err) })
		return
	}
	h.sendError(code, err)
}

func (h *RequestHandler) sendError(code int, err error) {
	if h.finished {
		return
	}
	if h.headersWritten {
		h.app.logger().Error("Cannot send error response after headers written " + h.summary())
		h.finishCalled.Store(true)
		h.finishNow()
		return
	}
	h.inError = true
	h.finishCalled.Store(true) // other goroutines' output is refused from now on
	h.clear()
	reason := ""
	if he := asHTTPError(err); he != nil {
		reason = he.Reason
	}
	h.setStatus(code, reason)
	if code == http.StatusMethodNotAllowed && h.ex != nil && h.ex.allow != "" {
		h.hdr().Set("Allow", h.ex.allow)
	}
	h.err = nil
	h.writeErrorPage(code, err)
	if !h.finished {
		h.finishNow()
	}
}

// writeErrorPage calls the handler's WriteError, logging a panic in it.
func (h *RequestHandler) writeErrorPage(code int, err error) {
	defer func() {
		if v := recover(); v != nil {
			h.app.logger().Error("Uncaught panic in WriteError "+h.summary(), "panic", v, "stack", string(debug.Stack()))
		}
	}()
	h.self.(ErrorWriter).WriteError(code, err)
}

// WriteError writes Tornado's error page,
// "<html><title>404: Not Found</title><body>404: Not Found</body></html>",
// or with Settings.ServeTraceback (or Debug) the error and the panic's stack
// as plain text. It implements ErrorWriter.
func (h *RequestHandler) WriteError(code int, err error) {
	if err != nil && h.app.serveTraceback() {
		h.SetHeader("Content-Type", "text/plain; charset=UTF-8")
		h.WriteString(err.Error() + "\n")
		var pe *PanicError
		if errors.As(err, &pe) {
			h.Write(pe.Stack)
		}
		h.Finish()
		return
	}
	msg := strconv.Itoa(code) + ": " + html.EscapeString(h.reasonText())
	h.Finish("<html><title>" + msg + "</title><body>" + msg + "</body></html>")
}

// panicLog logs the first ten panics raised at one place each minute in
// full, with their stacks, and counts the others (the count goes with the
// next one logged): a handler that panics on every request would
// otherwise write its stack thousands of times a second.
var panicLog lograte.Limiter

// recoverPanic turns a panic into a log line with the stack and a 500.
// Under net/http, http.ErrAbortHandler is passed on to abort the response.
func (h *RequestHandler) recoverPanic() {
	v := recover()
	if v == nil {
		return
	}
	if _, ok := h.conn.(*httpConn); ok && v == http.ErrAbortHandler {
		panic(v)
	}
	pe := &PanicError{Value: v, Stack: debug.Stack()}
	if ok, dropped := panicLog.Allow(lograte.PanicSite()); ok {
		args := []any{"panic", v, "stack", string(pe.Stack)}
		if dropped > 0 {
			args = append(args, "suppressed_since", dropped)
		}
		h.app.logger().Error("Uncaught panic "+h.summary(), args...)
	}
	if !h.finished {
		h.sendError(http.StatusInternalServerError, pe)
	}
}

// summary returns "GET /index (127.0.0.1)" (Tornado's _request_summary).
func (h *RequestHandler) summary() string { return string(h.appendSummary(nil)) }

func (h *RequestHandler) appendSummary(b []byte) []byte {
	b = append(b, h.req.Method...)
	b = append(b, ' ')
	b = append(b, h.req.URI...)
	b = append(b, " ("...)
	b = append(b, h.req.RemoteIP...)
	return append(b, ')')
}
