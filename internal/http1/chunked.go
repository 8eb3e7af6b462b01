package http1

import (
	"math"
	"strconv"
)

// LastChunk ends a chunked body that has no trailer fields.
const LastChunk = "0\r\n\r\n"

// maxChunkLine limits a chunk-size line, extensions included.
const maxChunkLine = 4 << 10

// AppendChunk appends data as one chunk ("size\r\ndata\r\n") to dst. Empty
// data appends nothing: an empty chunk would end the body (see LastChunk).
func AppendChunk(dst, data []byte) []byte {
	if len(data) == 0 {
		return dst
	}
	dst = AppendChunkHeader(dst, len(data))
	dst = append(dst, data...)
	return append(dst, "\r\n"...)
}

// AppendChunkHeader appends the size line of a chunk of n > 0 bytes, for a
// writer that sends the data from its own buffer and "\r\n" after it.
func AppendChunkHeader(dst []byte, n int) []byte {
	dst = strconv.AppendUint(dst, uint64(n), 16)
	return append(dst, "\r\n"...)
}

type chunkState uint8

const (
	csSize         chunkState = iota // first hex digit of a size
	csSizeMore                       // more digits, ';' or CR
	csExtName0                       // first character of an extension name
	csExtName                        // extension name, '=', ';' or CR
	csExtValue0                      // first character of an extension value
	csExtToken                       // token value, ';' or CR
	csExtQuoted                      // inside a quoted-string
	csExtEscape                      // after a backslash in a quoted-string
	csExtQuoteEnd                    // after the closing quote: ';' or CR
	csSizeLF                         // LF ending the size line
	csData                           // chunk data
	csDataCR                         // CR after the data
	csDataLF                         // LF after the data
	csTrailerStart                   // start of a trailer line, or CR of the final CRLF
	csTrailerName                    // trailer field name or ':'
	csTrailerValue                   // trailer field value or CR
	csTrailerLF                      // LF ending a trailer line
	csEndLF                          // final LF
	csDone
	csFailed
)

// ChunkedDecoder decodes a chunked body (RFC 9112 7.1) incrementally and
// strictly: sizes are hex digits only, extensions must be well formed
// (";name" or ";name=token" or ";name=\"quoted\"", no whitespace), every CRLF
// must be exact, and trailer fields are validated and discarded. The zero
// value uses the default limits; Reset makes it ready for the next body. A
// ChunkedDecoder is not safe for concurrent use.
type ChunkedDecoder struct {
	// MaxBodySize limits the decoded body: a chunk that would exceed it is
	// refused with 413 as soon as its size is read. 0 means
	// DefaultMaxBodySize; negative means no limit.
	MaxBodySize int64
	// MaxTrailerSize limits the trailer section; larger is refused with 431.
	// 0 means DefaultMaxTrailerSize.
	MaxTrailerSize int

	state   chunkState
	size    int64 // size being read, then bytes left in the chunk
	total   int64 // body bytes so far
	lineLen int   // bytes of the current size line, or of the trailer section
	err     *Error
}

// Decode consumes data, the bytes that follow what earlier calls consumed,
// calling emit with each piece of body data (valid only during the call).
// It consumes everything up to the end of the body: consumed is less than
// len(data) only when done is true (the rest belongs to the next message)
// or on error. An error from emit stops decoding and is returned as is;
// other errors are *Error, and stay: later calls return them again.
func (d *ChunkedDecoder) Decode(data []byte, emit func(chunk []byte) error) (consumed int, done bool, err error) {
	if d.state == csFailed {
		return 0, false, d.err
	}
	i := 0
	for i < len(data) && d.state != csDone {
		if d.state == csData {
			n := int(min(d.size, int64(len(data)-i)))
			chunk := data[i : i+n]
			i += n
			d.size -= int64(n)
			d.total += int64(n)
			if d.size == 0 {
				d.state = csDataCR
			}
			if err := emit(chunk); err != nil {
				return i, false, err
			}
			continue
		}
		var e *Error
		if d.state <= csSizeLF {
			e = d.sizeLine(data[i])
		} else {
			e = d.framing(data[i])
		}
		i++
		if e != nil {
			d.state, d.err = csFailed, e
			return i, false, e
		}
	}
	return i, d.state == csDone, nil
}

// Done reports whether the whole body, trailers included, was decoded.
func (d *ChunkedDecoder) Done() bool { return d.state == csDone }

// Reset prepares d for a new body, keeping its limits.
func (d *ChunkedDecoder) Reset() {
	*d = ChunkedDecoder{MaxBodySize: d.MaxBodySize, MaxTrailerSize: d.MaxTrailerSize}
}

// sizeLine takes one byte of a chunk-size line:
// chunk-size *( ";" chunk-ext-name [ "=" chunk-ext-val ] ) CRLF.
func (d *ChunkedDecoder) sizeLine(c byte) *Error {
	if d.lineLen++; d.lineLen > maxChunkLine {
		return errChunkLine
	}
	switch d.state {
	case csSize, csSizeMore:
		if v := unhex(c); v >= 0 {
			if d.size >= 1<<59 { // one more digit would overflow
				return errChunkSize
			}
			d.size, d.state = d.size<<4|v, csSizeMore
			return nil
		}
		if d.state == csSize {
			return errChunkSize
		}
		return d.extEnd(c, errChunkSize)
	case csExtName0:
		if !tokenChars[c] {
			return errChunkExt
		}
		d.state = csExtName
	case csExtName:
		switch {
		case tokenChars[c]:
		case c == '=':
			d.state = csExtValue0
		default:
			return d.extEnd(c, errChunkExt)
		}
	case csExtValue0:
		switch {
		case tokenChars[c]:
			d.state = csExtToken
		case c == '"':
			d.state = csExtQuoted
		default:
			return errChunkExt
		}
	case csExtToken:
		if !tokenChars[c] {
			return d.extEnd(c, errChunkExt)
		}
	case csExtQuoted:
		switch {
		case c == '"':
			d.state = csExtQuoteEnd
		case c == '\\':
			d.state = csExtEscape
		case !qdtextChars[c]:
			return errChunkExt
		}
	case csExtEscape:
		if !escapedChars[c] {
			return errChunkExt
		}
		d.state = csExtQuoted
	case csExtQuoteEnd:
		return d.extEnd(c, errChunkExt)
	case csSizeLF:
		if c != '\n' {
			return errBareCR
		}
		return d.startChunk()
	}
	return nil
}

// extEnd takes the byte after a size or an extension: ';' or the CR.
func (d *ChunkedDecoder) extEnd(c byte, err *Error) *Error {
	switch c {
	case ';':
		d.state = csExtName0
	case '\r':
		d.state = csSizeLF
	default:
		return err
	}
	return nil
}

// startChunk begins the data of a chunk whose size line was just read.
func (d *ChunkedDecoder) startChunk() *Error {
	d.lineLen = 0
	if d.size == 0 {
		d.state = csTrailerStart
		return nil
	}
	limit := d.MaxBodySize
	if limit == 0 {
		limit = DefaultMaxBodySize
	}
	if d.size > math.MaxInt64-d.total {
		return errChunkSize
	}
	if limit > 0 && d.total+d.size > limit {
		return errBodyTooLarge
	}
	d.state = csData
	return nil
}

// framing takes one byte of the CRLF after chunk data or of the trailer
// section: *( field-line CRLF ) CRLF.
func (d *ChunkedDecoder) framing(c byte) *Error {
	switch d.state {
	case csDataCR:
		if c != '\r' {
			return errChunkCRLF
		}
		d.state = csDataLF
		return nil
	case csDataLF:
		if c != '\n' {
			return errChunkCRLF
		}
		d.state, d.size, d.lineLen = csSize, 0, 0
		return nil
	}
	limit := d.MaxTrailerSize
	if limit <= 0 {
		limit = DefaultMaxTrailerSize
	}
	if d.lineLen++; d.lineLen > limit {
		return errTrailerTooLarge
	}
	switch d.state {
	case csTrailerStart:
		switch {
		case c == '\r':
			d.state = csEndLF
		case tokenChars[c]:
			d.state = csTrailerName
		default:
			return errTrailer
		}
	case csTrailerName:
		switch {
		case c == ':':
			d.state = csTrailerValue
		case !tokenChars[c]:
			return errTrailer
		}
	case csTrailerValue:
		switch {
		case c == '\r':
			d.state = csTrailerLF
		case !valueChars[c]:
			return errTrailer
		}
	case csTrailerLF, csEndLF:
		if c != '\n' {
			return errBareCR
		}
		if d.state == csEndLF {
			d.state = csDone
		} else {
			d.state = csTrailerStart
		}
	}
	return nil
}
