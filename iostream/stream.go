// Package iostream is a buffered, non-blocking stream over a socket fd,
// driven by an ioloop.Loop (Tornado's IOStream). Reads and writes take
// callbacks that run on the loop.
//
// A Stream owns no read buffer while idle: bytes are read into the loop's
// shared buffer and handed to the reader from there; only bytes a reader
// leaves unconsumed are copied to a pooled per-stream buffer. Output is
// queued, flushed once at the end of the loop phase that produced it (so
// all responses to one read leave in one writev), and bounded.
//
// All methods must be called on the loop goroutine.
package iostream

import (
	"bytes"
	"errors"
	"regexp"
	"sync"

	"github.com/gotornado/tornado/internal/poll"
	"github.com/gotornado/tornado/ioloop"
)

// Errors reported by streams.
var (
	ErrStreamClosed   = errors.New("iostream: stream closed")
	ErrMaxBytes       = errors.New("iostream: read exceeded max bytes")
	ErrBufferFull     = errors.New("iostream: buffer full")
	ErrAlreadyReading = errors.New("iostream: already reading")
)

// Defaults for the limits on a Stream.
const (
	DefaultMaxBufferSize      = 64 << 20
	DefaultMaxWriteBufferSize = 64 << 20
	// writeHighWater is how much unsent output makes the stream stop
	// reading until the peer drains it below writeLowWater.
	writeHighWater = 1 << 20
	writeLowWater  = 256 << 10
)

type readKind uint8

const (
	readNone readKind = iota
	readUntil
	readRegex
	readBytes
	readUntilClose
	readFunc
)

type writeCB struct {
	end int64 // the callback runs once this many bytes have been written in all
	cb  func(error)
}

// Stream is a buffered non-blocking stream over a connected fd.
type Stream struct {
	// MaxBufferSize bounds the bytes held for an unfinished read.
	MaxBufferSize int
	// MaxWriteBufferSize bounds queued output: a Write past it fails with
	// ErrBufferFull.
	MaxWriteBufferSize int

	loop *ioloop.Loop
	fd   int

	// read side
	rbuf     []byte  // unconsumed bytes; nil when there are none
	rbufp    *[]byte // rbuf's pooled storage, if pooled
	rd       *readReq
	fn       func([]byte) int
	resumeFn func()

	// write side
	out     [][]byte  // queued segments; out[0] is next
	outp    []*[]byte // the pooled segment behind out[i], or nil
	spare   *[]byte   // a pooled segment lent out by Buffer, not yet queued
	pending int       // queued, unwritten bytes
	queued  int64     // bytes ever queued
	written int64     // bytes ever written
	wcbs    []writeCB

	err        error
	closeCB    func()
	onShutdown func() // SetPeerShutdownCallback's; nil: the peer's shutdown closes the stream
	budget     *OutputBudget

	interest   ioloop.Events
	kind       readKind
	paused     bool
	inRead     bool // inside process: callbacks may start the next read
	scheduled  bool
	wantWrite  bool // the last write hit EAGAIN
	writeBlock bool // reading stopped until output drains
	closed     bool
	hangUp     bool // the peer shut down its sending side; no longer watched
	readEOF    bool // a read returned end of file: nothing more can be read
}

// readReq is a pending read that calls back once (ReadUntil, ReadBytes,
// ...), made by the first of them: a stream read only by ReadFunc, as an
// HTTP connection is, does without.
type readReq struct {
	cb       func([]byte, error)
	delim    []byte
	re       *regexp.Regexp
	maxBytes int
	n        int
	scanned  int // bytes of rbuf already searched for delim
	partial  bool
}

// New wraps fd, a connected non-blocking socket, and registers it with l.
// The Stream owns fd from then on; if New fails, the caller still does. Must be called on l's goroutine (or
// before l starts).
func New(l *ioloop.Loop, fd int) (*Stream, error) {
	s := &Stream{
		loop:               l,
		fd:                 fd,
		MaxBufferSize:      DefaultMaxBufferSize,
		MaxWriteBufferSize: DefaultMaxWriteBufferSize,
	}
	if err := l.AddHandler(fd, 0, s.handleEvents); err != nil {
		return nil, err
	}
	return s, nil
}

// Loop returns the loop that owns the stream.
func (s *Stream) Loop() *ioloop.Loop { return s.loop }

// Fd returns the stream's fd.
func (s *Stream) Fd() int { return s.fd }

// Closed reports whether the stream is closed.
func (s *Stream) Closed() bool { return s.closed }

// Error returns the error that closed the stream, or nil.
func (s *Stream) Error() error { return s.err }

// Reading reports whether a read is pending.
func (s *Stream) Reading() bool { return s.kind != readNone }

// Writing reports whether output is waiting to be written.
func (s *Stream) Writing() bool { return s.pending > 0 }

// SetCloseCallback sets f to run once, on the loop, when the stream closes.
func (s *Stream) SetCloseCallback(f func()) { s.closeCB = f }

// SetPeerShutdownCallback sets f to run, on the loop, when the peer shuts
// down its sending side (a TCP half-close) instead of closing the stream:
// the owner may still answer, since the peer may still read. f runs when
// a read meets the end of the input, and, on Linux, also when the peer's
// shutdown is seen while the stream is not reading (bytes it sent before
// may still be unread then). After a read met the end, no read is
// delivered again; queued output is still written. A full close by the
// peer shows as an error, or as a failed write, and closes the stream as
// before. nil, the default, makes the peer's shutdown close the stream.
func (s *Stream) SetPeerShutdownCallback(f func()) { s.onShutdown = f }

// PeerShutdown reports whether the peer is known to have shut down its
// sending side.
func (s *Stream) PeerShutdown() bool { return s.hangUp || s.readEOF }

// ReadEOF reports whether a read met the end of the input: every byte the
// peer sent has been delivered.
func (s *Stream) ReadEOF() bool { return s.readEOF }

// Written returns the number of bytes ever handed to the kernel.
func (s *Stream) Written() int64 { return s.written }

// Pending returns the number of queued bytes not yet handed to the kernel.
func (s *Stream) Pending() int { return s.pending }

// ReadUntil calls cb with the bytes up to and including delim. If more than
// maxBytes (0: MaxBufferSize) arrive without delim, cb gets ErrMaxBytes and
// the stream closes. data is valid only until cb returns.
func (s *Stream) ReadUntil(delim []byte, maxBytes int, cb func(data []byte, err error)) error {
	if len(delim) == 0 {
		return errors.New("iostream: empty delimiter")
	}
	return s.startRead(readUntil, cb, func() { s.rd.delim, s.rd.maxBytes = delim, maxBytes })
}

// ReadUntilRegex calls cb with the bytes up to and including the first
// match of re; the limit is as for ReadUntil.
func (s *Stream) ReadUntilRegex(re *regexp.Regexp, maxBytes int, cb func(data []byte, err error)) error {
	return s.startRead(readRegex, cb, func() { s.rd.re, s.rd.maxBytes = re, maxBytes })
}

// ReadBytes calls cb with exactly n bytes, or, with partial, with as many as
// are available (at least one, at most n) as soon as any arrive.
func (s *Stream) ReadBytes(n int, partial bool, cb func(data []byte, err error)) error {
	if n < 0 {
		return errors.New("iostream: negative read size")
	}
	return s.startRead(readBytes, cb, func() { s.rd.n, s.rd.partial = n, partial })
}

// ReadUntilClose calls cb with everything read until the peer closes.
func (s *Stream) ReadUntilClose(cb func(data []byte, err error)) error {
	return s.startRead(readUntilClose, cb, nil)
}

// ReadFunc makes fn the stream's reader until ReadFunc(nil): each time bytes
// arrive, fn gets all unconsumed bytes and returns how many it consumed; the
// rest are kept and presented again with the next bytes. This is the entry
// for protocol parsers. data is valid only until fn returns.
func (s *Stream) ReadFunc(fn func(data []byte) (consumed int)) error {
	if fn == nil {
		if s.kind == readFunc {
			s.kind, s.fn = readNone, nil
			s.updateInterest()
		}
		return nil
	}
	if s.closed {
		return ErrStreamClosed
	}
	if s.kind != readNone && s.kind != readFunc {
		return ErrAlreadyReading
	}
	s.kind, s.fn = readFunc, fn
	s.afterStart()
	return nil
}

func (s *Stream) startRead(k readKind, cb func([]byte, error), set func()) error {
	if s.closed {
		return ErrStreamClosed
	}
	if s.kind != readNone {
		return ErrAlreadyReading
	}
	if s.rd == nil {
		s.rd = new(readReq)
	}
	s.kind, s.rd.cb, s.rd.scanned = k, cb, 0
	if set != nil {
		set()
	}
	s.afterStart()
	return nil
}

// afterStart satisfies a new read from buffered bytes: inline when called
// from a read callback (the processing loop picks it up), else on the next
// loop phase, so callbacks never run inside the call that asked for them.
func (s *Stream) afterStart() {
	if len(s.rbuf) > 0 && !s.inRead && !s.paused {
		s.scheduleResume()
	}
	s.updateInterest()
}

func (s *Stream) scheduleResume() {
	if s.resumeFn == nil {
		s.resumeFn = s.resume
	}
	s.loop.AddCallback(s.resumeFn)
}

func (s *Stream) resume() {
	if s.closed || s.inRead || s.paused || len(s.rbuf) == 0 {
		return
	}
	s.process(s.rbuf)
	s.updateInterest()
}

// PauseReading stops delivering bytes to the reader until ResumeReading;
// bytes already buffered are kept. While paused the stream still notices
// the peer hanging up, and closes.
func (s *Stream) PauseReading() {
	s.paused = true
	s.updateInterest()
}

// ResumeReading undoes PauseReading; buffered bytes are delivered in the
// next loop phase.
func (s *Stream) ResumeReading() {
	if !s.paused {
		return
	}
	s.paused = false
	if len(s.rbuf) > 0 && !s.inRead {
		s.scheduleResume()
	}
	s.updateInterest()
}

func (s *Stream) wantsRead() bool {
	return s.kind != readNone && !s.paused && !s.writeBlock && !s.closed && !s.readEOF
}

func (s *Stream) updateInterest() {
	if s.closed {
		return
	}
	var ev ioloop.Events
	if s.wantsRead() {
		ev |= ioloop.Read
	}
	if s.wantWrite {
		ev |= ioloop.Write
	}
	if s.hangUp || s.readEOF {
		ev |= ioloop.IgnoreReadHangUp // level-triggered: it would stay ready
	}
	if ev != s.interest {
		s.interest = ev
		if err := s.loop.UpdateHandler(s.fd, ev); err != nil {
			s.closeWith(err)
		}
	}
}

func (s *Stream) handleEvents(fd int, ev ioloop.Events) {
	if ev&ioloop.Write != 0 || (ev&ioloop.Error != 0 && s.pending > 0) {
		s.flushWrites()
	}
	if s.closed {
		return
	}
	if ev&(ioloop.Read|ioloop.Error) != 0 {
		switch {
		case s.wantsRead():
			s.readOnce()
		case ev&ioloop.Error == 0 && ev&ioloop.ReadHangUp != 0 && s.onShutdown != nil:
			// Not reading: the peer has shut down its sending side, and
			// may still read the answer.
			if !s.hangUp {
				s.hangUp = true
				s.updateInterest()
				s.onShutdown()
			}
		case ev&ioloop.Write == 0 || ev&ioloop.Error != 0:
			// Not reading, so read readiness is the peer's hang-up.
			s.closeWith(nil)
			return
		}
	}
	s.updateInterest()
}

// readOnce reads what the socket has into the loop's buffer and feeds it
// to the reader.
func (s *Stream) readOnce() {
	buf := s.loop.Buffer()
	n, err := poll.Read(s.fd, buf)
	if err != nil {
		if poll.IsAgain(err) {
			return
		}
		s.closeWith(err)
		return
	}
	if n == 0 {
		if s.onShutdown != nil && s.kind != readUntilClose {
			s.readEOF = true
			s.updateInterest()
			s.onShutdown()
			return
		}
		s.eof()
		return
	}
	data := buf[:n]
	if len(s.rbuf) > 0 {
		if len(s.rbuf)+n > s.limit() {
			s.fail(ErrBufferFull)
			return
		}
		s.rbuf = append(s.rbuf, data...)
		data = s.rbuf
	}
	s.process(data)
}

func (s *Stream) limit() int {
	if s.MaxBufferSize > 0 {
		return s.MaxBufferSize
	}
	return DefaultMaxBufferSize
}

// process feeds data (the loop buffer or s.rbuf) to readers until one needs
// more, then keeps the rest in s.rbuf.
func (s *Stream) process(data []byte) {
	s.inRead = true
	off := 0
	for !s.closed && !s.paused && off < len(data) {
		n, more := s.step(data[off:])
		off += n
		if !more {
			break
		}
	}
	s.inRead = false
	if s.closed {
		return
	}
	s.keep(data, off)
}

// step runs the pending reader on data; it returns the bytes consumed and
// whether another reader may run on the rest.
func (s *Stream) step(data []byte) (int, bool) {
	switch s.kind {
	case readFunc:
		n := s.fn(data)
		if n < 0 || n > len(data) {
			n = len(data)
		}
		return n, n > 0
	case readUntil:
		rd := s.rd
		start := max(rd.scanned-len(rd.delim)+1, 0)
		if i := bytes.Index(data[start:], rd.delim); i >= 0 {
			return s.deliver(data[:start+i+len(rd.delim)]), true
		}
		rd.scanned = len(data)
		return 0, s.checkMax(len(data))
	case readRegex:
		if loc := s.rd.re.FindIndex(data); loc != nil {
			return s.deliver(data[:loc[1]]), true
		}
		return 0, s.checkMax(len(data))
	case readBytes:
		if len(data) >= s.rd.n {
			return s.deliver(data[:s.rd.n]), true
		}
		if s.rd.partial && len(data) > 0 {
			return s.deliver(data), true
		}
	}
	return 0, false
}

func (s *Stream) checkMax(have int) bool {
	max := s.rd.maxBytes
	if max <= 0 {
		max = s.limit()
	}
	if have > max {
		s.fail(ErrMaxBytes)
	}
	return false
}

// deliver ends the pending read with data.
func (s *Stream) deliver(data []byte) int {
	rd := s.rd
	cb := rd.cb
	s.kind = readNone
	*rd = readReq{}
	cb(data, nil)
	return len(data)
}

// keep stores data[off:] as the unconsumed bytes.
func (s *Stream) keep(data []byte, off int) {
	rest := len(data) - off
	fromBuf := len(s.rbuf) > 0 && len(data) > 0 && &data[0] == &s.rbuf[0]
	switch {
	case rest == 0:
		s.releaseRbuf()
	case fromBuf:
		if off > 0 {
			if rd := s.rd; rd != nil {
				rd.scanned = max(rd.scanned-off, 0)
			}
			s.rbuf = s.rbuf[:copy(s.rbuf, data[off:])]
		}
	default:
		if rest <= smallBuf {
			s.rbufp = bufPool.Get().(*[]byte)
			s.rbuf = append((*s.rbufp)[:0], data[off:]...)
		} else {
			s.rbuf = bytes.Clone(data[off:])
		}
	}
}

// releaseRbuf drops the unconsumed bytes, returning pooled storage.
func (s *Stream) releaseRbuf() {
	if s.rbufp != nil {
		bufPool.Put(s.rbufp)
	}
	s.rbuf, s.rbufp = nil, nil
}

// eof handles the peer closing its side.
func (s *Stream) eof() {
	if s.kind == readUntilClose {
		cb := s.rd.cb
		data := s.rbuf
		s.kind, s.rd.cb = readNone, nil
		cb(data, nil)
	}
	s.closeWith(nil)
}

func (s *Stream) fail(err error) {
	if s.rd != nil && s.rd.cb != nil {
		cb := s.rd.cb
		s.kind, s.rd.cb = readNone, nil
		cb(nil, err)
	}
	s.closeWith(err)
}

// Write queues data (copied) to be sent; cb, if not nil, runs once all of it
// has been handed to the kernel, or with the error that stopped it. Output
// is flushed at the end of the current loop phase. A write that would put
// more than MaxWriteBufferSize bytes in the queue fails with ErrBufferFull.
func (s *Stream) Write(data []byte, cb func(error)) error {
	if err := s.canQueue(len(data)); err != nil {
		return err
	}
	s.appendOut(data)
	s.queuedOut(cb)
	return nil
}

// canQueue reports why n more bytes cannot be queued, if they cannot.
func (s *Stream) canQueue(n int) error {
	if s.closed {
		return ErrStreamClosed
	}
	limit := s.MaxWriteBufferSize
	if limit <= 0 {
		limit = DefaultMaxWriteBufferSize
	}
	if s.pending+n > limit {
		return ErrBufferFull
	}
	return nil
}

// queuedOut follows the queueing of output: it pauses reading above the
// high water mark, notes cb, and schedules the flush.
func (s *Stream) queuedOut(cb func(error)) {
	if s.pending > writeHighWater {
		s.writeBlock = true // reading resumes once the peer drains it
	}
	if cb != nil {
		s.wcbs = append(s.wcbs, writeCB{end: s.queued, cb: cb})
	}
	if !s.scheduled && !s.wantWrite {
		s.scheduled = true
		s.loop.ScheduleFlush(s)
	}
}

// Buffer returns an empty slice whose capacity, at least n bytes, is free
// space at the end of the output queue: a caller builds its output there
// with append and queues it with Commit, which spares the copy Write makes.
// It returns nil when n is larger than a segment or the stream is closed;
// use Write then. The slice is valid until the next Write or Commit.
func (s *Stream) Buffer(n int) []byte {
	if s.closed || n > segSize {
		return nil
	}
	if k := len(s.out); k > 0 && s.outp[k-1] != nil {
		if last := s.out[k-1]; cap(last)-len(last) >= n {
			return last[len(last):len(last)]
		}
	}
	if s.spare == nil || cap(*s.spare) < n {
		if s.spare != nil {
			putSeg(s.spare)
		}
		s.spare = getSeg(len(s.out) == 0 && n <= smallSegSize)
	}
	return (*s.spare)[:0]
}

// Commit queues b, the slice Buffer returned extended by appends, as Write
// would. A b that outgrew that space (so append moved it) is copied like
// Write's data. An empty b with no cb queues nothing and only gives back
// the space Buffer lent.
func (s *Stream) Commit(b []byte, cb func(error)) error {
	spare := s.spare
	s.spare = nil
	err := s.canQueue(len(b))
	if err != nil || len(b) == 0 && cb == nil {
		if spare != nil {
			putSeg(spare)
		}
		return err
	}
	k := len(s.out)
	switch {
	case len(b) == 0:
	case k > 0 && s.outp[k-1] != nil && sameStart(s.out[k-1][len(s.out[k-1]):cap(s.out[k-1])], b):
		s.out[k-1] = s.out[k-1][:len(s.out[k-1])+len(b)]
		s.addPending(len(b))
		s.queued += int64(len(b))
	case spare != nil && sameStart((*spare)[:cap(*spare)], b):
		s.out = append(s.out, b)
		s.outp = append(s.outp, spare)
		s.addPending(len(b))
		s.queued += int64(len(b))
		spare = nil
	default:
		s.appendOut(b) // append moved it: copy it like Write
	}
	if spare != nil {
		putSeg(spare)
	}
	s.queuedOut(cb)
	return nil
}

// sameStart reports whether b begins where free does, that is, b was
// appended in place to free[:0].
func sameStart(free, b []byte) bool {
	return len(free) >= len(b) && len(b) > 0 && &free[0] == &b[0]
}

// Output segments come in two sizes: a small one for the first output
// of an idle stream, which is usually a whole small response (so that
// thousands of short answers at once do not pin a large segment each), and
// a large one for everything after it.
const (
	segSize      = 16 << 10
	smallSegSize = 2 << 10
)

// getSeg returns a pooled output segment, small or large.
func getSeg(small bool) *[]byte {
	if small {
		return smallSegPool.Get().(*[]byte)
	}
	return segPool.Get().(*[]byte)
}

// putSeg gives back a segment from getSeg to its pool.
func putSeg(p *[]byte) {
	if cap(*p) == smallSegSize {
		smallSegPool.Put(p)
		return
	}
	segPool.Put(p)
}

// appendOut copies data into the queue: small writes share pooled
// segments; a large one gets a segment of its own.
func (s *Stream) appendOut(data []byte) {
	if len(data) > segSize && len(s.out) == 0 && !s.wantWrite {
		// Nothing waits before it: a large write goes to the kernel at
		// once, and only what it does not take is copied and queued.
		if n, err := poll.Write(s.fd, data); err == nil && n > 0 {
			s.written += int64(n)
			s.queued += int64(n)
			data = data[n:]
		}
	}
	s.addPending(len(data))
	s.queued += int64(len(data))
	if len(data) == 0 {
		return
	}
	if n := len(s.out); n > 0 && s.outp[n-1] != nil {
		if last := s.out[n-1]; len(last)+len(data) <= cap(last) {
			s.out[n-1] = append(last, data...)
			return
		}
	}
	if len(data) <= segSize {
		p := getSeg(len(s.out) == 0 && len(data) <= smallSegSize)
		s.out = append(s.out, append((*p)[:0], data...))
		s.outp = append(s.outp, p)
		return
	}
	s.out = append(s.out, bytes.Clone(data))
	s.outp = append(s.outp, nil)
}

// FlushPending writes queued output. The loop calls it at the end of the
// phase in which output was queued.
func (s *Stream) FlushPending() {
	s.scheduled = false
	if !s.closed && !s.wantWrite {
		s.flushWrites()
		s.updateInterest()
	}
}

func (s *Stream) flushWrites() {
	for s.pending > 0 && !s.closed {
		var n int
		var err error
		if len(s.out) == 1 {
			n, err = poll.Write(s.fd, s.out[0])
		} else {
			n, err = s.loop.Writev(s.fd, s.out)
		}
		if err != nil {
			if poll.IsAgain(err) {
				s.wantWrite = true
				break
			}
			s.closeWith(err)
			return
		}
		s.consumeOut(n)
	}
	if s.pending == 0 {
		s.wantWrite = false
	}
	s.writeBlock = s.pending > writeHighWater || (s.writeBlock && s.pending > writeLowWater)
	s.runWriteCallbacks(nil)
}

func (s *Stream) consumeOut(n int) {
	s.addPending(-n)
	s.written += int64(n)
	for n > 0 {
		seg := s.out[0]
		if n < len(seg) {
			s.out[0] = seg[n:]
			return
		}
		n -= len(seg)
		s.dropSeg()
	}
}

// dropSeg removes the first output segment, returning its storage to the
// pool, and keeps the queue's small backing arrays for the next response.
func (s *Stream) dropSeg() {
	if p := s.outp[0]; p != nil {
		putSeg(p)
	}
	copy(s.out, s.out[1:])
	copy(s.outp, s.outp[1:])
	n := len(s.out) - 1
	s.out[n], s.outp[n] = nil, nil
	s.out, s.outp = s.out[:n], s.outp[:n]
	if n == 0 && cap(s.out) > 4 {
		s.out, s.outp = nil, nil
	}
}

// runWriteCallbacks runs the callbacks whose bytes are written (all of
// them, with err, when err is not nil).
func (s *Stream) runWriteCallbacks(err error) {
	for len(s.wcbs) > 0 && (err != nil || s.wcbs[0].end <= s.written) {
		cb := s.wcbs[0].cb
		s.wcbs[0] = writeCB{}
		s.wcbs = s.wcbs[1:]
		cb(err)
	}
	if len(s.wcbs) == 0 {
		s.wcbs = nil
	}
}

// Close closes the stream: queued output is dropped, a pending read gets
// ErrStreamClosed, and the close callback runs in the next loop phase.
func (s *Stream) Close() { s.closeWith(nil) }

func (s *Stream) closeWith(err error) {
	if s.closed {
		return
	}
	s.closed = true
	s.err = err
	s.loop.RemoveHandler(s.fd)
	poll.Close(s.fd)
	for len(s.out) > 0 {
		s.dropSeg()
	}
	s.addPending(-s.pending)
	s.out, s.outp = nil, nil
	if s.spare != nil {
		putSeg(s.spare)
		s.spare = nil
	}
	s.releaseRbuf()
	if s.rd != nil && s.rd.cb != nil {
		cb := s.rd.cb
		s.kind, s.rd.cb = readNone, nil
		cb(nil, ErrStreamClosed)
	}
	s.kind, s.fn = readNone, nil
	s.runWriteCallbacks(ErrStreamClosed)
	if s.closeCB != nil {
		f := s.closeCB
		s.closeCB = nil
		s.loop.AddCallback(f)
	}
}

const smallBuf = 4 << 10

var (
	bufPool      = sync.Pool{New: func() any { b := make([]byte, 0, smallBuf); return &b }}
	segPool      = sync.Pool{New: func() any { b := make([]byte, 0, segSize); return &b }}
	smallSegPool = sync.Pool{New: func() any { b := make([]byte, 0, smallSegSize); return &b }}
)

// ShutdownWrite half-closes the stream's sending side once queued output
// is written (call it from a write callback to be sure it is); reading
// goes on until the peer closes.
func (s *Stream) ShutdownWrite() error {
	if s.closed {
		return ErrStreamClosed
	}
	return poll.ShutdownWrite(s.fd)
}
