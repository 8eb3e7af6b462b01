package httputil

// Connection is the response side of one request (Tornado's
// httputil.HTTPConnection). httpserver implements it over a stream; web
// implements it over net/http's ResponseWriter. Methods must be called on the
// goroutine that owns the connection (its loop), except AddCallback.
type Connection interface {
	// WriteHeaders sends the status line and headers, then chunk as the first
	// part of the body. The connection chooses the framing: with no
	// Content-Length on HTTP/1.1 it uses chunked encoding (unless the status or
	// a HEAD request forbids a body); on HTTP/1.0 it streams and closes.
	// cb (may be nil) runs once the bytes are handed to the kernel, or with the error.
	// The connection does not keep h or chunk after it returns: the caller
	// may reuse their storage at once.
	WriteHeaders(code int, reason string, h *Header, chunk []byte, cb func(error)) error

	// Write sends chunk as the next part of the body; cb (may be nil) runs as
	// for WriteHeaders.
	Write(chunk []byte, cb func(error)) error

	// Finish ends the response (writing the terminating chunk if chunked).
	Finish() error

	// SetCloseCallback sets f to run, on the owning goroutine, if the client
	// goes away before Finish.
	SetCloseCallback(f func())

	// AddCallback runs f on the owning goroutine. Safe for concurrent use.
	AddCallback(f func())
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
	// still empty. An error makes the server answer with an error status and close.
	HeadersReceived(req *ServerRequest) error

	// DataReceived delivers a piece of the body; chunk is valid only during the call.
	DataReceived(chunk []byte) error

	// Finish is called when the whole request has arrived; the application responds.
	Finish()

	// OnConnectionClose is called if the client goes away before the response finished.
	OnConnectionClose()
}
