package httputil

import (
	"errors"
	"time"
)

// The contract between a server and the application it serves. A server
// (httpserver over a stream, or web's adapter over net/http) calls a
// ServerConnectionDelegate for each request and answers through the
// request's Connection. Every error, status phrase and optional ability
// the two sides share is declared in this file.

// Errors of the response side, shared by every Connection.
var (
	ErrConnClosed     = errors.New("httputil: connection closed")
	ErrHeadersWritten = errors.New("httputil: headers already written")
	ErrNotStarted     = errors.New("httputil: response not started")
	ErrFinished       = errors.New("httputil: response already finished")
	ErrContentLength  = errors.New("httputil: body does not match Content-Length")
	ErrUnsafeHeader   = errors.New("httputil: unsafe header")
	ErrNotSupported   = errors.New("httputil: not supported by this connection")
)

// DefaultMaxBodySize is the request body limit of every server when none
// is set (Tornado's max_body_size): 100 MiB.
const DefaultMaxBodySize = 100 << 20

// Connection is the response side of one request (Tornado's
// httputil.HTTPConnection). httpserver implements it over a stream; web
// implements it over net/http's ResponseWriter. Methods must be called on
// the goroutine that owns the connection (its loop, or the net/http
// request goroutine), except AddCallback.
//
// Once the client has gone away every method but AddCallback and
// SetCloseCallback returns ErrConnClosed and sends nothing; none of them
// panics.
type Connection interface {
	// WriteHeaders sends the status line and headers, then chunk as the
	// first part of the body. The connection checks every header name
	// (a token) and value (no CR, LF or other control character) itself
	// and refuses a bad one with an error wrapping ErrUnsafeHeader,
	// sending nothing, so nothing above it can split a response. The reason
	// sent is Reason(code, reason). The connection chooses the framing: with no
	// Content-Length on HTTP/1.1 it uses chunked encoding (unless the
	// status or a HEAD request forbids a body); on HTTP/1.0 it streams
	// and closes. cb (may be nil) runs on the owning goroutine once the
	// bytes are handed to the kernel, or with the error; it is called
	// exactly once when WriteHeaders returns nil, and never when it
	// returns an error. The connection does not keep h or chunk after it
	// returns: the caller may reuse their storage at once.
	WriteHeaders(code int, reason string, h *Header, chunk []byte, cb func(error)) error

	// Write sends chunk as the next part of the body; cb (may be nil) is
	// called as for WriteHeaders.
	Write(chunk []byte, cb func(error)) error

	// Finish ends the response (writing the terminating chunk if chunked).
	Finish() error

	// SetCloseCallback sets f to run, on the owning goroutine, if the client
	// goes away before Finish.
	SetCloseCallback(f func())

	// AddCallback runs f on the owning goroutine. Safe for concurrent use.
	AddCallback(f func())
}

// Optional abilities of a Connection, found by type assertion.
type (
	// OwnerChecker is implemented by Connections that can tell whether
	// the calling goroutine is the one that owns them. Safe for
	// concurrent use. It reads the goroutine's identity, which costs a
	// few microseconds: call it only where a call may come from another
	// goroutine.
	OwnerChecker interface{ OnOwner() bool }

	// Scheduler is implemented by Connections that can run a function on
	// the owning goroutine after a delay (Tornado's add_timeout).
	// CallLater must be called on the owning goroutine; the returned stop
	// cancels the call, and reports whether it had not run yet.
	Scheduler interface {
		CallLater(d time.Duration, f func()) (stop func() bool)
	}

	// RequestKeeper is implemented by Connections that reuse a finished
	// request's storage for the next request. KeepRequest, called on the
	// owning goroutine before Finish, leaves the request to the
	// application, whose callbacks still read it after the response: the
	// connection parses the next request into new storage.
	RequestKeeper interface{ KeepRequest() }

	// Detacher is implemented by Connections that can hand the raw
	// connection to the application (Tornado 6's HTTP1Connection.detach),
	// for protocols that take over from HTTP such as WebSocket. Detach
	// must be called on the owning goroutine after WriteHeaders and
	// instead of Finish: what was written is sent, and from then on the
	// server neither reads, writes, nor times out the connection, and
	// does not call the close callback; the caller owns it and must close
	// it. The transport is an *iostream.Stream from httpserver, on the
	// connection's loop, and a DetachedConn from web's net/http adapter.
	Detacher interface {
		Detach() (transport any, err error)
	}

	// BodyController is implemented by Connections that let the
	// application steer how a request body is read, for bodies handled
	// as they arrive (Tornado's stream_request_body). Its methods must be
	// called on the owning goroutine, from HeadersReceived on and until
	// the body has been read.
	BodyController interface {
		// SetMaxBodySize replaces the server's limit for this request's
		// body (Tornado's set_max_body_size): called from
		// HeadersReceived, a declared Content-Length above it is answered
		// with 413 before any byte is read; a chunked body is answered
		// 413 once it passes it.
		SetMaxBodySize(n int64)
		// SetBodyTimeout replaces the server's BodyTimeout for this
		// request (0: the server's; negative: none).
		SetBodyTimeout(d time.Duration)
		// PauseBody stops reading the body, typically from DataReceived
		// while the application deals with the piece it got; no timeout
		// runs against the client meanwhile. ResumeBody reads on.
		PauseBody()
		ResumeBody()
	}
)

// StatusCoder is implemented by errors that carry the HTTP status to
// answer with (web.HTTPError): a server that gets one from a
// MessageDelegate answers with that status.
type StatusCoder interface {
	error
	HTTPStatus() int
}

// ServerConnectionDelegate is what a server serves (Tornado's
// HTTPServerConnectionDelegate); web.Application implements it.
type ServerConnectionDelegate interface {
	// StartRequest is called, on the connection's goroutine, when a new
	// request begins on conn; the returned delegate receives it.
	StartRequest(conn Connection) MessageDelegate
}

// MessageDelegate receives one request (Tornado's HTTPMessageDelegate). All
// calls come on the connection's goroutine.
type MessageDelegate interface {
	// HeadersReceived is called once the request head is parsed; req.Body is
	// still empty. An error makes the server answer with an error status and
	// close: the error's HTTPStatus if it is a StatusCoder, else 400.
	HeadersReceived(req *ServerRequest) error

	// DataReceived delivers a piece of the body; chunk is valid only during
	// the call. An error is answered as for HeadersReceived.
	DataReceived(chunk []byte) error

	// Finish is called when the whole request has arrived; the application responds.
	Finish()

	// OnConnectionClose is called if the client goes away before the response finished.
	OnConnectionClose()
}
