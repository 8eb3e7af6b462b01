// Package http1 is the HTTP/1.1 wire protocol shared by the server and the
// client: an incremental, strict (RFC 9112) message-head parser, the chunked
// transfer codec, and helpers that format response heads.
//
// Nothing here does I/O or keeps goroutines: a connection feeds the bytes it
// has read to a parser it owns, on its own goroutine. None of the types are
// safe for concurrent use.
package http1
