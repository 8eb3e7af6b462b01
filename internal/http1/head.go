package http1

import "bytes"

// Defaults for the zero values of the parsers' limits.
const (
	DefaultMaxRequestLineSize = 8 << 10   // request line (or status line), without its CRLF
	DefaultMaxHeaderSize      = 64 << 10  // whole head, from the first byte to the final CRLF
	DefaultMaxBodySize        = 100 << 20 // decoded chunked body (Tornado's max_body_size)
	DefaultMaxTrailerSize     = 8 << 10   // trailer section of a chunked body
)

// headScanner finds the end of a message head in the unconsumed bytes of a
// connection, remembering across calls how far it got, so a head that
// arrives one byte at a time costs O(n) in total. On the way it validates,
// line by line, whatever is complete when a call has to wait for more, so
// garbage is refused without waiting for a whole head.
type headScanner struct {
	pos        int  // next byte to examine
	lineStart  int  // start of the line pos is in
	start      int  // start of the start line, once started
	startEnd   int  // just past the start line's CRLF; 0 until it is complete
	checked    int  // lines before this offset have been validated
	prefix     int  // the incomplete start line is validated up to here
	prefixDone bool // its first word (method or version) was complete and valid
	started    bool // the start line has begun (leading empty lines are skipped)
	response   bool // status lines instead of request lines
	work       int64
}

// reset forgets the head in progress. The work counter survives.
func (s *headScanner) reset() {
	*s = headScanner{response: s.response, work: s.work}
}

// scan examines data, all the unconsumed bytes, from where the previous call
// stopped. It returns the length of the head (including leading empty lines
// and the final CRLF) once data holds all of it, 0 while more is needed.
func (s *headScanner) scan(data []byte, maxLine, maxHead int) (int, *Error) {
	if s.pos > len(data) {
		s.reset() // not the bytes presented before: start over
	}
	limit := min(len(data), maxHead)
	for s.pos < limit {
		i := bytes.IndexByte(data[s.pos:limit], '\n')
		if i < 0 {
			s.work += int64(limit - s.pos)
			s.pos = limit
			break
		}
		lf := s.pos + i
		s.work += int64(i + 1)
		s.pos = lf + 1
		cr := lf > s.lineStart && data[lf-1] == '\r'
		end := lf // end of the line's content
		if cr {
			end--
		}
		if !s.started {
			if end == s.lineStart && cr { // RFC 9112 2.2: ignore CRLFs before the request line
				s.lineStart = s.pos
				continue
			}
			s.started, s.start, s.prefix = true, s.lineStart, s.lineStart
		}
		if s.startEnd == 0 {
			// The same checks, in the same order, as wait makes on an
			// incomplete start line, so splitting does not change the error.
			if err := s.checkPrefix(data, min(end, s.start+maxLine+1)); err != nil {
				return 0, err
			}
			if end-s.start > maxLine {
				return 0, s.fail(data, errLineTooLong)
			}
		}
		if !cr {
			return 0, s.fail(data, errBareLF)
		}
		if s.startEnd == 0 {
			s.startEnd, s.lineStart = s.pos, s.pos
			continue
		}
		if end == s.lineStart {
			return s.pos, nil
		}
		s.lineStart = s.pos
	}
	return 0, s.wait(data, maxLine, maxHead)
}

// wait validates what is complete before returning to wait for more bytes,
// and enforces the limits on the incomplete head.
func (s *headScanner) wait(data []byte, maxLine, maxHead int) *Error {
	partial := data[s.lineStart:s.pos]
	if !s.started && len(partial) > 0 && !(len(partial) == 1 && partial[0] == '\r') {
		s.started, s.start, s.prefix = true, s.lineStart, s.lineStart
	}
	if s.started && s.startEnd == 0 {
		n := len(partial)
		if n > 0 && partial[n-1] == '\r' {
			n-- // may be the CR of the CRLF
		}
		if err := s.checkPrefix(data, min(s.lineStart+n, s.start+maxLine+1)); err != nil {
			return err
		}
		if n > maxLine {
			return s.fail(data, errLineTooLong)
		}
	}
	if err := s.validatePending(data); err != nil {
		s.reset()
		return err
	}
	if s.startEnd > 0 && len(partial) > 0 {
		if err := checkPartialField(partial[0], s.response, s.lineStart == s.startEnd); err != nil {
			s.reset()
			return err
		}
	}
	if len(data) >= maxHead {
		return s.fail(data, errHeadTooLarge)
	}
	return nil
}

// fail returns the error of the first invalid complete line, if there is
// one before the fault, else err, so that the result does not depend on how
// the bytes were split across calls.
func (s *headScanner) fail(data []byte, err *Error) *Error {
	if e := s.validatePending(data); e != nil {
		err = e
	}
	s.reset()
	return err
}

// checkPrefix validates the first word of the start line up to end: the
// method's token characters, or the "HTTP/" of a status line.
func (s *headScanner) checkPrefix(data []byte, end int) *Error {
	if s.prefixDone {
		return nil
	}
	i := s.prefix
	for ; i < end; i++ {
		c := data[i]
		if s.response {
			if k := i - s.start; k < len("HTTP/") && c != "HTTP/"[k] {
				s.reset()
				return errStatusLine
			} else if k >= len("HTTP/") {
				s.prefixDone = true
				break
			}
			continue
		}
		if c == ' ' && i > s.start {
			s.prefixDone = true
			break
		}
		if !tokenChars[c] {
			s.reset()
			return errMethod
		}
	}
	s.work += int64(i - s.prefix)
	s.prefix = i
	return nil
}

// validatePending validates the complete lines not validated yet.
func (s *headScanner) validatePending(data []byte) *Error {
	if s.startEnd == 0 {
		return nil
	}
	if s.checked < s.startEnd {
		line := data[s.start : s.startEnd-2]
		s.work += int64(len(line))
		var err *Error
		if s.response {
			_, _, _, err = splitStatusLine(line)
		} else {
			_, _, _, err = splitRequestLine(line)
		}
		if err != nil {
			return err
		}
		s.checked = s.startEnd
	}
	for s.checked < s.lineStart {
		lf := s.checked + bytes.IndexByte(data[s.checked:s.lineStart], '\n')
		s.work += int64(lf + 1 - s.checked)
		if err := checkFieldLine(data[s.checked:lf-1], s.response, s.checked == s.startEnd); err != nil {
			return err
		}
		s.checked = lf + 1
	}
	return nil
}

// checkPartialField refuses an incomplete header line by its first byte
// when that is enough: obs-fold in a request, or an empty name.
func checkPartialField(c byte, response, first bool) *Error {
	switch {
	case c == ':':
		return errEmptyName
	case (c == ' ' || c == '\t') && (!response || first):
		return errObsFold
	}
	return nil
}

// checkFieldLine validates one header line. A response may continue a field
// with obs-fold (RFC 9112 5.2: a user agent replaces it with SP); a request
// may not.
func checkFieldLine(line []byte, response, first bool) *Error {
	if response && !first && len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
		if !validValue(line) {
			return errFieldValue
		}
		return nil
	}
	_, _, _, err := splitField(line)
	return err
}

// splitField splits a header line into its name and the bounds of its
// value without surrounding whitespace, and validates both (RFC 9112 5).
func splitField(line []byte) (name []byte, vs, ve int, err *Error) {
	if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
		return nil, 0, 0, errObsFold
	}
	colon := bytes.IndexByte(line, ':')
	switch {
	case colon < 0:
		return nil, 0, 0, errNoColon
	case colon == 0:
		return nil, 0, 0, errEmptyName
	}
	name = line[:colon]
	if c := name[len(name)-1]; c == ' ' || c == '\t' {
		return nil, 0, 0, errSpaceName
	}
	if !isToken(name) {
		return nil, 0, 0, errFieldName
	}
	vs, ve = colon+1, len(line)
	for vs < ve && (line[vs] == ' ' || line[vs] == '\t') {
		vs++
	}
	for ve > vs && (line[ve-1] == ' ' || line[ve-1] == '\t') {
		ve--
	}
	if !validValue(line[vs:ve]) {
		return nil, 0, 0, errFieldValue
	}
	return name, vs, ve, nil
}

// checkVersion accepts exactly HTTP/1.0 and HTTP/1.1; another HTTP/x.y is
// unsupported (505), anything else malformed.
func checkVersion(v []byte) (string, *Error) {
	if len(v) != len("HTTP/1.1") || string(v[:5]) != "HTTP/" || v[6] != '.' ||
		v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9' {
		return "", errVersion
	}
	switch string(v) {
	case "HTTP/1.1":
		return "HTTP/1.1", nil
	case "HTTP/1.0":
		return "HTTP/1.0", nil
	}
	return "", errVersionUnsup
}
