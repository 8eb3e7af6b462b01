package http1

import (
	"bytes"

	"github.com/gotornado/tornado/httputil"
)

// ResponseHead is the status line and header of a response.
type ResponseHead struct {
	Version string // "HTTP/1.1" or "HTTP/1.0"
	Code    int
	Reason  string
	Header  httputil.Header
}

// ResponseParser parses response heads for a client, with the same
// incremental contract as RequestParser. It is as strict as RequestParser
// except where RFC 9112 tells a client to cope: obs-fold is replaced by a
// space, a missing reason phrase is accepted, and a body without
// Content-Length or chunked coding lasts until the server closes. Use one
// per connection; the zero value is ready to use. A ResponseParser is not
// safe for concurrent use.
type ResponseParser struct {
	// MaxHeaderSize limits the whole head. 0 means DefaultMaxHeaderSize.
	MaxHeaderSize int

	s         headScanner
	c         stringCache
	kind      BodyKind
	length    int64
	keepAlive bool
}

// Parse parses the response head at the start of data, all the unconsumed
// bytes of the connection, into head (whose Header it resets first). It
// returns the head's length once complete, or 0 and no error while more
// bytes are needed (call again with them appended). A 1xx response is an
// interim one: the final response follows it.
func (p *ResponseParser) Parse(data []byte, head *ResponseHead) (int, error) {
	maxHead := p.MaxHeaderSize
	if maxHead <= 0 {
		maxHead = DefaultMaxHeaderSize
	}
	p.s.response = true
	end, err := p.s.scan(data, DefaultMaxRequestLineSize, maxHead)
	if err != nil {
		return 0, err
	}
	if end == 0 {
		return 0, nil
	}
	start, startEnd := p.s.start, p.s.startEnd
	p.s.reset()
	p.s.work += int64(end - start)
	if err := p.parseHead(data[start:startEnd-2], data[startEnd:end], head); err != nil {
		return 0, err
	}
	return end, nil
}

// BodyKind reports how the body of the last parsed response is delimited.
// It does not know the request: a response to HEAD has no body whatever it
// says, and the caller must check that itself.
func (p *ResponseParser) BodyKind() BodyKind { return p.kind }

// ContentLength returns the body length when BodyKind is BodyLength, else 0.
func (p *ResponseParser) ContentLength() int64 { return p.length }

// KeepAlive reports whether the connection may be reused after this
// response's body.
func (p *ResponseParser) KeepAlive() bool { return p.keepAlive }

// Reset forgets a head in progress.
func (p *ResponseParser) Reset() { p.s.reset() }

func (p *ResponseParser) parseHead(line, fields []byte, head *ResponseHead) *Error {
	p.kind, p.length, p.keepAlive = BodyNone, 0, false
	version, code, reason, err := p.c.statusLine(line)
	if err != nil {
		return err
	}
	head.Version, head.Code, head.Reason = version, code, reason
	head.Header.Reset()
	f := frameState{response: true}
	var name, value string // the field being read, which obs-fold may continue
	p.c.begin()
	for ; len(fields) > 2; fields = fields[bytes.IndexByte(fields, '\n')+1:] {
		l := fields[:bytes.IndexByte(fields, '\n')-1]
		if l[0] == ' ' || l[0] == '\t' {
			if name == "" {
				return errObsFold
			}
			if !validValue(l) {
				return errFieldValue
			}
			if l = trimOWS(l); len(l) > 0 && value != "" {
				value += " " + string(l)
			} else if len(l) > 0 {
				value = string(l)
			}
			continue
		}
		if name != "" {
			head.Header.Add(name, value)
			f.note(name, value)
		}
		if name, value, err = p.c.field(l); err != nil {
			return err
		}
	}
	if name != "" {
		head.Header.Add(name, value)
		f.note(name, value)
	}
	p.c.end()
	return p.frame(&f, version == "HTTP/1.1", code)
}

// frame decides the body framing of a response (RFC 9112 6.3).
func (p *ResponseParser) frame(f *frameState, http11 bool, code int) *Error {
	if f.err != nil {
		return f.err
	}
	p.keepAlive = !f.close && (http11 || f.keepAlive)
	switch {
	case code < 200 || code == 204 || code == 304:
		// no body, whatever the header says
	case f.hasTE && !http11:
		// RFC 9112 6.1: the framing of an HTTP/1.0 message with
		// Transfer-Encoding is faulty; read to the end and close.
		p.kind, p.keepAlive = BodyUntilClose, false
	case f.hasTE && f.chunked > 0 && f.lastChunked:
		if f.chunked > 1 {
			return errTransferEnc
		}
		if f.others > 0 {
			return errTEUnsupported
		}
		p.kind = BodyChunked
		if f.hasCL {
			p.keepAlive = false // RFC 9112 6.3: Transfer-Encoding overrides; then close
		}
	case f.hasTE:
		p.kind, p.keepAlive = BodyUntilClose, false
	case f.hasCL:
		if f.cl > 0 {
			p.kind, p.length = BodyLength, f.cl
		}
	default:
		p.kind, p.keepAlive = BodyUntilClose, false
	}
	return nil
}

// splitStatusLine splits and validates HTTP-version SP status-code SP
// reason-phrase; the SP before an empty reason may be missing.
func splitStatusLine(line []byte) (version string, code int, reason []byte, err *Error) {
	if len(line) < len("HTTP/1.1 200") || line[8] != ' ' {
		return "", 0, nil, errStatusLine
	}
	if version, err = checkVersion(line[:8]); err != nil {
		return "", 0, nil, err
	}
	for i, c := range line[9:12] {
		if c < '0' || c > '9' || i == 0 && c == '0' {
			return "", 0, nil, errStatusLine
		}
		code = code*10 + int(c-'0')
	}
	if len(line) > 12 {
		if line[12] != ' ' {
			return "", 0, nil, errStatusLine
		}
		reason = line[13:]
		if !validValue(reason) {
			return "", 0, nil, errStatusLine
		}
	}
	return version, code, reason, nil
}
