package httputil

import (
	"bytes"
	"errors"
	"io"
	"net/url"
	"os"
	"runtime"
	"strings"
)

// ErrBadBoundary is returned by NewMultipartParser for a boundary it cannot
// scan for as the body arrives: empty, longer than MaxBoundaryLength, or
// holding a CR or LF. It matches ErrBadForm.
var ErrBadBoundary error = &formError{"httputil: unusable multipart boundary"}

// ErrRepeatedCloseDelimiter is returned by a MultipartParser when a second
// close delimiter ("--boundary--") follows the first. ParseMultipartFormData
// takes the last one as the end of the body, which a parser that hands
// parts on as they arrive cannot do, so it refuses the body instead. It
// matches ErrBadForm.
var ErrRepeatedCloseDelimiter error = &formError{"httputil: multipart close delimiter repeated"}

// MaxBoundaryLength bounds the boundary a MultipartParser accepts. RFC 2046
// allows 70 characters; the margin is for clients that go beyond.
const MaxBoundaryLength = 200

// A MultipartParser parses a multipart/form-data body as it arrives, in
// pieces of any size, with the result ParseMultipartFormData would give
// for the whole body (and the same limits), so that the body need not be
// kept: field values stay in memory, and the content of a file part
// longer than the spill threshold goes to a temporary file instead (see
// File.Path). The one difference: a second close delimiter after the first
// is refused (ErrRepeatedCloseDelimiter). Memory held is the current
// part's header, the field values, and the files under the threshold.
//
// Write feeds it, Close ends the body; SetBodyForm hands the result to a
// ServerRequest. RemoveFiles removes the temporary files; files left when
// the parser is garbage collected are removed then. A MultipartParser is
// not safe for concurrent use.
type MultipartParser struct {
	open      []byte // "--" + boundary: how every delimiter starts
	close     []byte // "--" + boundary + "--"
	maxParts  int    // 0: no limit
	maxHeader int    // 0: no limit
	spill     int64  // a file longer than this is written to a temporary file; <= 0: never
	dir       string // where the temporary files go; "" means os.TempDir()

	state  mpState
	pend   []byte // bytes held back: they may begin a delimiter
	err    error  // the first error; every later call returns it
	closed bool   // Close or RemoveFiles was called
	parts  int    // non-empty parts seen

	// the current part
	counted  bool    // the part has a byte: it was counted
	hdr      []byte  // its header block as it arrives, up to the limit
	name     string  // its Content-Disposition name
	filename string  // and filename
	ctype    string  // its Content-Type
	bodyN    int64   // bytes after the header block
	tail     [2]byte // the last two of them, held back: the part's closing CRLF
	tailN    int
	value    []byte   // the content kept in memory
	size     int64    // the content's length
	file     *os.File // the temporary file, once the content passed the threshold

	f       form
	spilled *spillSet
	cleanup runtime.Cleanup
}

type mpState uint8

const (
	mpPreamble mpState = iota // before the first delimiter
	mpHeader                  // reading a part's header block
	mpBody                    // reading a part's content
	mpEpilogue                // after the close delimiter
)

// spillSet holds the paths of a parser's temporary files.
type spillSet struct{ paths []string }

func (s *spillSet) removeAll() {
	for _, p := range s.paths {
		os.Remove(p) // a file moved away by its user is gone already
	}
	s.paths = nil
}

// MultipartBoundary returns the boundary of a multipart/form-data
// Content-Type, as ParseBodyArguments finds it (still quoted, if it was).
func MultipartBoundary(contentType string) (string, bool) {
	mediaType, params, _ := strings.Cut(contentType, ";")
	if !equalFold(strings.TrimSpace(mediaType), "multipart/form-data") {
		return "", false
	}
	return boundaryParam(params)
}

// NewMultipartParser returns a parser for a body delimited by boundary
// (quoted or not, as in a Content-Type), bounded by l (nil: the default
// FormLimits). The content of a file part longer than spill bytes is
// written to a temporary file in dir ("" means os.TempDir()); spill <= 0
// keeps every file in memory. It fails with ErrBadBoundary.
func NewMultipartParser(boundary string, l *FormLimits, spill int64, dir string) (*MultipartParser, error) {
	if len(boundary) >= 2 && boundary[0] == '"' && boundary[len(boundary)-1] == '"' {
		boundary = boundary[1 : len(boundary)-1]
	}
	if boundary == "" || len(boundary) > MaxBoundaryLength || bytes.ContainsAny([]byte(boundary), "\r\n") {
		return nil, ErrBadBoundary
	}
	if l == nil {
		l = &FormLimits{}
	}
	open := []byte("--" + boundary + "--")
	p := &MultipartParser{
		open:      open[:len(open)-2],
		close:     open,
		maxParts:  limit(l.MaxParts, DefaultMaxParts),
		maxHeader: limit(l.MaxPartHeaderSize, DefaultMaxPartHeaderSize),
		spill:     spill,
		dir:       dir,
	}
	p.f.fields, p.f.fileNames = new(Fields), new([]string)
	return p, nil
}

// Write parses the next piece of the body. It returns len(b), or 0 and the
// error that stopped the parse (every later call returns it too): an error
// matching ErrBadForm for a malformed body, or the error writing a
// temporary file. Write after Close or RemoveFiles fails.
func (p *MultipartParser) Write(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	if p.closed {
		return 0, errParserClosed
	}
	rest := b
	for len(p.pend) > 0 && len(rest) > 0 {
		// Only the bytes a held-back delimiter start can reach are joined
		// to it; the rest of b is scanned where it lies.
		old := len(p.pend)
		k := min(len(rest), len(p.close)+2)
		p.pend = append(p.pend, rest[:k]...)
		n, err := p.scan(p.pend)
		if err != nil {
			return 0, p.fail(err)
		}
		if n >= old {
			rest = rest[n-old:] // what scan left of the joined bytes is still in rest
			p.pend = p.pend[:0]
			break
		}
		p.pend = append(p.pend[:0], p.pend[n:]...)
		rest = rest[k:]
	}
	if len(p.pend) == 0 {
		n, err := p.scan(rest)
		if err != nil {
			return 0, p.fail(err)
		}
		p.pend = append(p.pend, rest[n:]...)
	}
	return len(b), nil
}

var errParserClosed = errors.New("httputil: multipart parser closed")

// Close ends the body: it returns the first error met, or an error if the
// body did not end with its close delimiter.
func (p *MultipartParser) Close() error {
	if p.err == nil && !p.closed && p.state != mpEpilogue {
		p.fail(wrapForm("no final boundary"))
	}
	p.closed = true
	return p.err
}

// fail records err, closing a temporary file being written.
func (p *MultipartParser) fail(err error) error {
	if p.err == nil {
		p.err = err
	}
	p.closeFile()
	return p.err
}

func (p *MultipartParser) closeFile() {
	if p.file != nil {
		p.file.Close()
		p.file = nil
	}
}

// RemoveFiles removes the temporary files the parser wrote, and closes
// it. It may be called more than once.
func (p *MultipartParser) RemoveFiles() {
	p.closeFile()
	p.closed = true
	if s := p.spilled; s != nil {
		p.cleanup.Stop()
		s.removeAll()
	}
	runtime.KeepAlive(p)
}

// SpilledFiles returns the paths of the temporary files the parser wrote
// and has not removed.
func (p *MultipartParser) SpilledFiles() []string {
	if p.spilled == nil {
		return nil
	}
	return p.spilled.paths
}

// Form returns what the parser found: the body arguments and files, as
// ParseMultipartFormData adds them, and their names in the order they
// first came. The maps are nil when the body had none.
func (p *MultipartParser) Form() (args url.Values, argNames []string, files map[string][]*File, fileNames []string) {
	args, argNames = p.Fields().Values()
	return args, argNames, p.f.files, *p.f.fileNames
}

// Fields returns the body arguments the parser found, in order.
func (p *MultipartParser) Fields() Fields { return *p.f.fields }

// scan consumes what it can of data: content up to each delimiter, and the
// delimiters. It returns how many bytes it consumed; the rest (shorter
// than a delimiter) may begin one and waits for more.
func (p *MultipartParser) scan(data []byte) (int, error) {
	off := 0
	for off < len(data) {
		if p.state == mpEpilogue {
			// Only a second close delimiter matters here (it could even
			// overlap the first).
			if bytes.Contains(data[off:], p.close) {
				return off, ErrRepeatedCloseDelimiter
			}
			return max(off, len(data)-(len(p.close)-1)), nil
		}
		i := bytes.Index(data[off:], p.open)
		if i < 0 {
			keep := startSuffix(data[off:], p.open)
			return len(data) - keep, p.content(data[off : len(data)-keep])
		}
		at := off + i
		j := at + len(p.open)
		if j+2 > len(data) {
			return at, p.content(data[off:at])
		}
		switch {
		case data[j] == '\r' && data[j+1] == '\n':
			if err := p.content(data[off:at]); err != nil {
				return off, err
			}
			if err := p.endSegment(); err != nil {
				return off, err
			}
			p.state = mpHeader
			off = j + 2
		case data[j] == '-' && data[j+1] == '-':
			if err := p.content(data[off:at]); err != nil {
				return off, err
			}
			if err := p.endSegment(); err != nil {
				return off, err
			}
			p.state = mpEpilogue
			off = at + 1 // a second close delimiter may overlap this one
		default:
			// Not a delimiter: its first byte is content; look again
			// from the next.
			if err := p.content(data[off : at+1]); err != nil {
				return off, err
			}
			off = at + 1
		}
	}
	return off, nil
}

// startSuffix returns the length of the longest suffix of b that is a
// proper prefix of open: bytes that may begin a delimiter.
func startSuffix(b, open []byte) int {
	for k := min(len(b), len(open)-1); k > 0; k-- {
		if bytes.HasPrefix(open, b[len(b)-k:]) {
			return k
		}
	}
	return 0
}

// content takes bytes of the current segment.
func (p *MultipartParser) content(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	switch p.state {
	case mpHeader:
		if !p.counted {
			p.counted = true
			if p.parts++; p.maxParts > 0 && p.parts > p.maxParts {
				return ErrTooManyParts
			}
		}
		return p.header(b)
	case mpBody:
		return p.body(b)
	}
	return nil // the preamble is ignored
}

// header takes bytes of a part's header block, and of its content once
// the block has ended. As ParseMultipartFormData does, the blank line
// must come within the first MaxPartHeaderSize+4 bytes of the part.
func (p *MultipartParser) header(b []byte) error {
	from := max(0, len(p.hdr)-3)
	var rest []byte
	if window := p.maxHeader + 4; p.maxHeader > 0 && len(p.hdr)+len(b) > window {
		b, rest = b[:window-len(p.hdr)], b[window-len(p.hdr):]
	}
	p.hdr = append(p.hdr, b...)
	eoh := bytes.Index(p.hdr[from:], []byte("\r\n\r\n"))
	if eoh < 0 {
		if rest != nil {
			return ErrPartHeaderTooLarge
		}
		return nil
	}
	eoh += from
	if err := p.beginPart(p.hdr[:eoh]); err != nil {
		return err
	}
	if err := p.body(p.hdr[eoh+4:]); err != nil {
		return err
	}
	return p.body(rest)
}

// beginPart reads a part's header block.
func (p *MultipartParser) beginPart(block []byte) error {
	disp, ctype, err := partHeaders(block)
	if err != nil {
		return err
	}
	kind, params := parseHeaderParams(disp)
	if !equalFold(kind, "form-data") {
		return wrapForm("invalid multipart part")
	}
	p.state = mpBody
	p.name, p.filename, p.ctype = params["name"], params["filename"], ctype
	p.bodyN, p.tailN, p.size = 0, 0, 0
	return nil
}

// body takes bytes of a part's content, holding back the last two, which
// must be the CRLF before the next delimiter.
func (p *MultipartParser) body(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	p.bodyN += int64(len(b))
	if len(b) >= 2 {
		if err := p.keep(p.tail[:p.tailN]); err != nil {
			return err
		}
		p.tail[0], p.tail[1], p.tailN = b[len(b)-2], b[len(b)-1], 2
		return p.keep(b[:len(b)-2])
	}
	if p.tailN < 2 {
		p.tail[p.tailN] = b[0]
		p.tailN++
		return nil
	}
	err := p.keep(p.tail[:1])
	p.tail[0], p.tail[1] = p.tail[1], b[0]
	return err
}

// keep stores content: in memory, or in the part's temporary file once a
// file's content passes the threshold.
func (p *MultipartParser) keep(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	p.size += int64(len(b))
	if p.file != nil {
		_, err := p.file.Write(b)
		return err
	}
	p.value = append(p.value, b...)
	if p.filename != "" && p.spill > 0 && int64(len(p.value)) > p.spill {
		return p.spillValue()
	}
	return nil
}

// spillValue moves the part's content to a new temporary file.
func (p *MultipartParser) spillValue() error {
	f, err := os.CreateTemp(p.dir, "gotornado-upload-*")
	if err != nil {
		return err
	}
	if p.spilled == nil {
		p.spilled = new(spillSet)
		p.cleanup = runtime.AddCleanup(p, (*spillSet).removeAll, p.spilled)
	}
	p.spilled.paths = append(p.spilled.paths, f.Name())
	p.file = f
	_, err = f.Write(p.value)
	p.value = p.value[:0]
	return err
}

// endSegment ends the segment before a delimiter: a part is checked and
// added to the form.
func (p *MultipartParser) endSegment() error {
	defer p.resetPart()
	switch {
	case p.state == mpHeader && p.counted:
		return wrapForm("multipart part missing headers")
	case p.state != mpBody:
		return nil // the preamble, or an empty segment
	}
	// The part must end in CRLF: the two bytes held back, or the blank
	// line of its header block when it has no content.
	if p.bodyN == 1 || p.bodyN >= 2 && (p.tail[0] != '\r' || p.tail[1] != '\n') {
		return wrapForm("invalid multipart part")
	}
	if p.name == "" {
		return wrapForm("multipart part missing name")
	}
	if p.filename == "" {
		p.f.addArg(p.name, string(p.value))
		return nil
	}
	ctype := p.ctype
	if ctype == "" {
		ctype = "application/unknown"
	}
	file := &File{Filename: p.filename, ContentType: ctype, size: p.size}
	if p.file != nil {
		file.Path = p.file.Name()
		err := p.file.Close()
		p.file = nil
		if err != nil {
			return err
		}
	} else if len(p.value) > 0 {
		file.Body = p.value
		p.value = nil // the File owns it now
	}
	p.f.addFile(p.name, file)
	return nil
}

// resetPart readies the parser for the next part.
func (p *MultipartParser) resetPart() {
	p.counted = false
	p.hdr = p.hdr[:0]
	p.value = p.value[:0]
	p.name, p.filename, p.ctype = "", "", ""
	p.bodyN, p.tailN, p.size = 0, 0, 0
}

// Open returns a reader of the file's content: its Body, or the temporary
// file it was spilled to. The caller closes it.
func (f *File) Open() (io.ReadSeekCloser, error) {
	if f.Path != "" {
		return os.Open(f.Path)
	}
	return nopCloser{bytes.NewReader(f.Body)}, nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
