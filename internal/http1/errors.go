package http1

import "strconv"

// Error is a malformed or unacceptable message. Status is the response status
// a server should send before closing the connection (400, 413, 414, 431, 501
// or 505); for a response parsed by a client it only classifies the fault.
// Use errors.As to get one.
type Error struct {
	Status int
	Reason string
}

func (e *Error) Error() string {
	return "http1: " + e.Reason + " (" + strconv.Itoa(e.Status) + ")"
}

func newError(status int, reason string) *Error { return &Error{Status: status, Reason: reason} }

// The errors are allocated once, so rejecting a message allocates nothing.
var (
	errBareLF          = newError(400, "bare LF in message head")
	errBareCR          = newError(400, "bare CR in message")
	errStartLine       = newError(400, "malformed request line")
	errMethod          = newError(400, "invalid method")
	errTarget          = newError(400, "invalid request-target")
	errVersion         = newError(400, "malformed HTTP version")
	errVersionUnsup    = newError(505, "HTTP version not supported")
	errLineTooLong     = newError(414, "request line too long")
	errHeadTooLarge    = newError(431, "message head too large")
	errObsFold         = newError(400, "obsolete line folding in header")
	errNoColon         = newError(400, "header line without colon")
	errEmptyName       = newError(400, "empty header name")
	errSpaceName       = newError(400, "whitespace between header name and colon")
	errFieldName       = newError(400, "invalid character in header name")
	errFieldValue      = newError(400, "invalid character in header value")
	errHost            = newError(400, "invalid Host header")
	errNoHost          = newError(400, "missing Host header")
	errManyHosts       = newError(400, "more than one Host header")
	errContentLength   = newError(400, "invalid Content-Length")
	errCLConflict      = newError(400, "conflicting Content-Length values")
	errCLAndTE         = newError(400, "both Content-Length and Transfer-Encoding")
	errTransferEnc     = newError(400, "invalid Transfer-Encoding")
	errChunkedNotLast  = newError(400, "chunked is not the final transfer coding")
	errTEHTTP10        = newError(400, "Transfer-Encoding in an HTTP/1.0 message")
	errTEUnsupported   = newError(501, "unsupported transfer coding")
	errStatusLine      = newError(400, "malformed status line")
	errChunkSize       = newError(400, "invalid chunk size")
	errChunkExt        = newError(400, "invalid chunk extension")
	errChunkLine       = newError(400, "chunk size line too long")
	errChunkCRLF       = newError(400, "missing CRLF after chunk data")
	errTrailer         = newError(400, "invalid trailer field")
	errTrailerTooLarge = newError(431, "trailer section too large")
	errBodyTooLarge    = newError(413, "body too large")
)
