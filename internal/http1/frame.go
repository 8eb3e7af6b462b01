package http1

import (
	"math"
	"strings"
)

// BodyKind says how the body of a message is delimited (RFC 9112 6.3).
type BodyKind uint8

const (
	BodyNone       BodyKind = iota // no body
	BodyLength                     // ContentLength bytes
	BodyChunked                    // chunked transfer coding; see ChunkedDecoder
	BodyUntilClose                 // everything until the server closes (responses only)
)

func (k BodyKind) String() string {
	switch k {
	case BodyNone:
		return "none"
	case BodyLength:
		return "length"
	case BodyChunked:
		return "chunked"
	case BodyUntilClose:
		return "until-close"
	}
	return "BodyKind(?)"
}

// frameState collects, field by field, what the header says about framing
// and the connection. Faults are recorded, not returned, so a later
// malformed line is reported first whatever the order of arrival.
type frameState struct {
	err         *Error
	hosts       int
	hasCL       bool
	cl          int64
	hasTE       bool
	chunked     int    // how many times chunked was applied
	others      int    // how many other codings
	lastChunked bool   // chunked is the final coding so far
	close       bool   // Connection: close
	keepAlive   bool   // Connection: keep-alive
	expect      bool   // Expect: 100-continue
	response    bool   // Host means nothing in a response
	host        string // the Host field's value
	hostName    string // its uri-host
}

func (f *frameState) fail(err *Error) {
	if f.err == nil {
		f.err = err
	}
}

// note takes one field; name is canonical.
func (f *frameState) note(name, value string) {
	switch name {
	case "Host":
		if f.response {
			return
		}
		f.hosts++
		name, upper, ok := validAuthority(value, false)
		if !ok {
			f.fail(errHost)
		}
		if upper {
			name = strings.ToLower(name)
		}
		f.host, f.hostName = value, name
	case "Content-Length":
		f.noteContentLength(value)
	case "Transfer-Encoding":
		f.noteTransferEncoding(value)
	case "Connection":
		for el := range strings.SplitSeq(value, ",") {
			el = trimOWSString(el)
			if equalFold(el, "close") {
				f.close = true
			} else if equalFold(el, "keep-alive") {
				f.keepAlive = true
			}
		}
	case "Expect":
		if equalFold(value, "100-continue") {
			f.expect = true
		}
	}
}

// noteContentLength accepts a list of identical decimal values ("5, 5", RFC
// 9110 8.6), also across several fields; anything else is an error.
func (f *frameState) noteContentLength(value string) {
	for el := range strings.SplitSeq(value, ",") {
		n, ok := ParseDecimal(trimOWSString(el))
		if !ok {
			f.fail(errContentLength)
			return
		}
		if f.hasCL && n != f.cl {
			f.fail(errCLConflict)
			return
		}
		f.hasCL, f.cl = true, n
	}
}

// noteTransferEncoding follows the list of codings, across fields.
func (f *frameState) noteTransferEncoding(value string) {
	f.hasTE = true
	for el := range strings.SplitSeq(value, ",") {
		el = trimOWSString(el)
		switch {
		case el == "": // RFC 9110 5.6.1: ignore empty list elements
		case equalFold(el, "chunked"):
			f.chunked++
			f.lastChunked = true
		default:
			name, _, _ := strings.Cut(el, ";")
			if !isTokenString(trimOWSString(name)) {
				f.fail(errTransferEnc)
			}
			f.others++
			f.lastChunked = false
		}
	}
}

// ParseDecimal parses 1*DIGIT (a Content-Length) into an int64, refusing
// signs, spaces and overflow.
func ParseDecimal(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

func isTokenString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChars[s[i]] {
			return false
		}
	}
	return true
}

// validAuthority checks a Host value or the authority-form of a CONNECT
// target: uri-host [ ":" port ] (RFC 9110 7.2, 4.2.3), where uri-host is an
// IP literal in brackets or a reg-name. With needPort both parts must be
// there; otherwise an empty value is allowed too. It returns the uri-host
// without the brackets of an IP literal, and whether it has upper-case
// letters.
func validAuthority(s string, needPort bool) (host string, upper, ok bool) {
	host, port, hasPort := s, "", false
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 2 || !validChars(s[1:end], &ipLiteralChars) {
			return "", false, false
		}
		upper = strings.ContainsFunc(s[1:end], func(r rune) bool { return 'A' <= r && r <= 'Z' })
		host, s = s[1:end], s[end+1:]
		if s != "" {
			if s[0] != ':' {
				return "", false, false
			}
			port, hasPort = s[1:], true
		}
	} else {
		// One pass: the reg-name runs up to the first byte outside it,
		// which must be the colon before the port.
		i, class := 0, byte(0)
		for ; i < len(s); i++ {
			c := regNameClass[s[i]]
			if c == 0 {
				break
			}
			class |= c
		}
		upper = class&2 != 0
		if i < len(s) {
			if s[i] != ':' {
				return "", false, false
			}
			host, port, hasPort = s[:i], s[i+1:], true
		}
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return "", false, false
		}
	}
	if needPort && (host == "" || !hasPort || port == "") {
		return "", false, false
	}
	return host, upper, true
}

func validChars(s string, table *[256]bool) bool {
	for i := 0; i < len(s); i++ {
		if !table[s[i]] {
			return false
		}
	}
	return true
}
