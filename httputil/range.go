package httputil

import (
	"errors"
	"strconv"
	"strings"
)

// ErrRangeNotSatisfiable is returned by ParseRange when the server should
// answer 416 Range Not Satisfiable (with "Content-Range: bytes */size").
var ErrRangeNotSatisfiable = errors.New("httputil: range not satisfiable")

// ByteRange is a range of byte offsets [Start, End) in a representation.
type ByteRange struct {
	Start, End int64
}

// Length returns the number of bytes in r.
func (r ByteRange) Length() int64 { return r.End - r.Start }

// ContentRange returns the Content-Range header value for r in a
// representation of size bytes: "bytes first-last/size".
func (r ByteRange) ContentRange(size int64) string {
	b := make([]byte, 0, 48)
	b = append(b, "bytes "...)
	b = strconv.AppendInt(b, r.Start, 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, r.End-1, 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, size, 10)
	return string(b)
}

// ParseRange interprets a Range header for a representation of size bytes
// with the semantics of Tornado's StaticFileHandler:
//
//   - nil, nil: serve the whole representation with 200. This is the answer
//     for a header that is invalid or unsupported (not "bytes", not a single
//     range, not decimal), which RFC 9110 says to ignore, and for a range that
//     covers every byte ("bytes=0-").
//   - nil, ErrRangeNotSatisfiable: answer 416, when the first byte is at or
//     past size, the last byte is before the first, or the range is "bytes=-0".
//   - one ByteRange, nil: answer 206 with that range, its end capped at size.
//     A suffix range "bytes=-n" is the last n bytes.
func ParseRange(header string, size int64) ([]ByteRange, error) {
	unit, spec, _ := strings.Cut(header, "=")
	if !equalFold(strings.TrimSpace(unit), "bytes") {
		return nil, nil
	}
	first, last, _ := strings.Cut(strings.TrimSpace(spec), "-")
	start, okStart := parseRangeInt(first)
	end, okEnd := parseRangeInt(last)
	if !okStart || !okEnd {
		return nil, nil
	}
	// Convert to Tornado's (start, end) with end exclusive; -1 stands for None.
	switch {
	case end >= 0 && start < 0: // suffix: "-n"
		if end != 0 {
			start, end = size-end, -1
			if start < 0 {
				start = 0
			}
		}
	case end >= 0:
		if end >= size { // capped below anyway; also avoids overflow at MaxInt64
			end = size
		} else {
			end++
		}
	}
	if start >= 0 && (start >= size || end >= 0 && start >= end) || end == 0 {
		return nil, ErrRangeNotSatisfiable
	}
	if start < 0 {
		start = 0
	}
	if end < 0 || end > size {
		end = size
	}
	if start == 0 && end == size {
		return nil, nil
	}
	return []ByteRange{{start, end}}, nil
}

// parseRangeInt parses a trimmed, optional decimal position: -1 for an empty
// one, ok false for anything that is not digits.
func parseRangeInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return -1, true
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
