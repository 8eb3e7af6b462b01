package http1

import (
	"bytes"
	"strings"

	"github.com/gotornado/tornado/httputil"
)

// RequestParser parses request heads from a connection's bytes, strictly
// (RFC 9112): bare LF or CR, obs-fold, whitespace before a colon, bad
// characters, a missing or repeated Host, and ambiguous framing are all
// refused with an *Error carrying the status to answer with.
//
// Use one RequestParser per connection and reuse it for every request: it
// keeps the strings of the previous request and reuses them when the bytes
// repeat, so a keep-alive client costs no allocations. The zero value uses
// the default limits. A RequestParser is not safe for concurrent use.
type RequestParser struct {
	// MaxRequestLineSize limits the request line, without its CRLF; longer
	// is refused with 414, as soon as that many bytes have arrived.
	// 0 means DefaultMaxRequestLineSize.
	MaxRequestLineSize int
	// MaxHeaderSize limits the whole head; larger is refused with 431.
	// 0 means DefaultMaxHeaderSize.
	MaxHeaderSize int

	s         headScanner
	c         stringCache
	kind      BodyKind
	length    int64
	keepAlive bool
	expect    bool
}

// Parse parses the head at the start of data, which must hold all the bytes
// of the connection not consumed yet: when Parse returns 0 and no error, the
// caller calls it again with the same bytes and more. Once a whole head is
// there, Parse fills req (Method, URI, Path, Query, Version, Header, which
// it resets first, and Host and HostName, "" without a Host field; other
// fields are left alone) and returns the length of
// the head, including its final CRLF. The body framing is then available
// from BodyKind, ContentLength, KeepAlive and ExpectContinue until the next
// call. Strings stored in req do not alias data.
//
// On error the connection should answer with the error's Status and close;
// the parser is ready for new input, and req may be partly filled.
func (p *RequestParser) Parse(data []byte, req *httputil.ServerRequest) (int, error) {
	maxLine := p.MaxRequestLineSize
	if maxLine <= 0 {
		maxLine = DefaultMaxRequestLineSize
	}
	maxHead := p.MaxHeaderSize
	if maxHead <= 0 {
		maxHead = DefaultMaxHeaderSize
	}
	end, err := p.s.scan(data, maxLine, maxHead)
	if err != nil {
		return 0, err
	}
	if end == 0 {
		return 0, nil
	}
	start, startEnd := p.s.start, p.s.startEnd
	p.s.reset()
	p.s.work += int64(end - start)
	if err := p.parseHead(data[start:startEnd-2], data[startEnd:end], req); err != nil {
		return 0, err
	}
	return end, nil
}

// BodyKind reports how the body of the last parsed request is delimited:
// BodyNone (no body, or Content-Length: 0), BodyLength or BodyChunked.
func (p *RequestParser) BodyKind() BodyKind { return p.kind }

// ContentLength returns the body length of the last parsed request when
// BodyKind is BodyLength, else 0.
func (p *RequestParser) ContentLength() int64 { return p.length }

// KeepAlive reports whether the connection may serve another request after
// this one: on HTTP/1.1 unless Connection: close, on HTTP/1.0 only with
// Connection: keep-alive.
func (p *RequestParser) KeepAlive() bool { return p.keepAlive }

// ExpectContinue reports whether the last parsed request is HTTP/1.1 with
// Expect: 100-continue.
func (p *RequestParser) ExpectContinue() bool { return p.expect }

// Reset forgets a head in progress, for bytes that do not continue the
// previous ones. The cached strings are kept.
func (p *RequestParser) Reset() { p.s.reset() }

func (p *RequestParser) parseHead(line, fields []byte, req *httputil.ServerRequest) *Error {
	p.kind, p.length, p.keepAlive, p.expect = BodyNone, 0, false, false
	method, target, version, err := p.c.requestLine(line)
	if err != nil {
		return err
	}
	req.Method, req.URI = method, target
	req.Path, req.Query = req.URI, ""
	if i := strings.IndexByte(req.URI, '?'); i >= 0 {
		req.Path, req.Query = req.URI[:i], req.URI[i+1:]
	}
	req.Version = version
	req.Header.Reset()
	// One allocation of the right size for a fresh request's fields (the
	// last line is the empty one), not three or four as they grow; at
	// most 32 ahead, before any line is checked. A reused request keeps
	// its storage and skips the count.
	if req.Header.Cap() == 0 {
		if n := bytes.Count(fields, []byte{'\n'}) - 1; n > 0 {
			req.Header.Grow(min(n, 32))
		}
	}
	var f frameState
	p.c.begin()
	for len(fields) > 2 { // the last line is the empty one
		lf := bytes.IndexByte(fields, '\n')
		name, value, err := p.c.field(fields[:lf-1])
		if err != nil {
			return err
		}
		req.Header.Add(name, value)
		f.note(name, value)
		fields = fields[lf+1:]
	}
	p.c.end()
	req.Host, req.HostName = f.host, f.hostName
	return p.frame(&f, version == "HTTP/1.1")
}

// frame decides the body framing (RFC 9112 6) once all fields are known.
func (p *RequestParser) frame(f *frameState, http11 bool) *Error {
	switch {
	case f.err != nil:
		return f.err
	case f.hosts > 1:
		return errManyHosts
	case f.hosts == 0 && http11:
		return errNoHost // RFC 9112 3.2: MUST respond with 400
	}
	if f.hasTE {
		switch {
		case !http11:
			return errTEHTTP10
		case f.hasCL:
			return errCLAndTE
		case f.chunked == 0 || !f.lastChunked:
			return errChunkedNotLast
		case f.chunked > 1:
			return errTransferEnc
		case f.others > 0:
			return errTEUnsupported
		}
		p.kind = BodyChunked
	} else if f.hasCL && f.cl > 0 {
		p.kind, p.length = BodyLength, f.cl
	}
	p.keepAlive = !f.close && (http11 || f.keepAlive)
	p.expect = http11 && f.expect
	return nil
}

// splitRequestLine splits and validates method SP request-target SP
// HTTP-version; exactly one space separates them. The version comes back as
// a constant string.
func splitRequestLine(line []byte) (method, target []byte, version string, err *Error) {
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 {
		return nil, nil, "", errStartLine
	}
	method, line = line[:sp], line[sp+1:]
	if !isToken(method) {
		return nil, nil, "", errMethod
	}
	sp = bytes.IndexByte(line, ' ')
	if sp < 0 {
		return nil, nil, "", errStartLine
	}
	target, line = line[:sp], line[sp+1:]
	if err := checkTarget(method, target); err != nil {
		return nil, nil, "", err
	}
	version, err = checkVersion(line)
	return method, target, version, err
}

// checkTarget validates a request-target (RFC 9112 3.2): visible ASCII only,
// and in the form the method calls for: origin-form ("/..."), absolute-form
// ("scheme:..."), authority-form for CONNECT only, "*" for OPTIONS only.
func checkTarget(method, target []byte) *Error {
	if len(target) == 0 {
		return errTarget
	}
	for _, c := range target {
		if !targetChars[c] {
			return errTarget
		}
	}
	connect := string(method) == "CONNECT"
	switch {
	case connect:
		if _, _, ok := validAuthority(string(target), true); !ok {
			return errTarget
		}
	case target[0] == '/':
	case len(target) == 1 && target[0] == '*':
		if string(method) != "OPTIONS" {
			return errTarget
		}
	default:
		if !hasScheme(target) {
			return errTarget
		}
	}
	return nil
}

// hasScheme reports whether b starts with scheme ":" (RFC 3986 3.1).
func hasScheme(b []byte) bool {
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}
