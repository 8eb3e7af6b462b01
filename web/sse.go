package web

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotornado/tornado/httputil"
)

// Server-sent events (the WHATWG HTML standard's text/event-stream): a
// response that stays open, carrying events the browser's EventSource
// delivers as they arrive, and reconnects after with a Last-Event-ID
// header.

var (
	// ErrStreamClosed is returned by an EventStream's methods once the
	// stream has ended: Close was called, the response was finished, or
	// the client went away.
	ErrStreamClosed = errors.New("web: event stream closed")

	// ErrStreamFull is returned by Send when the events sent but not yet
	// taken by the client would pass EventStreamOptions.MaxQueued: the
	// client is not reading. The event is not sent.
	ErrStreamFull = errors.New("web: event stream full: the client is not reading")

	// ErrEventField is wrapped by the error for an Event whose ID or Event
	// holds a line break (or, in the ID, a NUL), which would end the field
	// early and let its text forge other fields or events.
	ErrEventField = errors.New("web: event field with a line break")
)

// Defaults of EventStreamOptions.
const (
	// DefaultHeartbeat is the time between the comment lines an event
	// stream sends to keep proxies from closing a quiet connection.
	DefaultHeartbeat = 15 * time.Second
	// DefaultMaxQueued bounds the bytes of an event stream that have been
	// sent but not yet handed to the kernel.
	DefaultMaxQueued = 1 << 20
)

// Event is one server-sent event. Data may hold several lines (split at
// CR LF, CR or LF, each sent as a data field; the client joins them with
// LF); an event without Data is not dispatched by EventSource, but its ID
// and Retry still take effect. ID and Event must not hold CR or LF, nor
// the ID a NUL.
type Event struct {
	ID    string        // sets the client's last event ID, sent back in Last-Event-ID on reconnection; "" sends none
	Event string        // the event type; "" means "message"
	Data  string        // the payload
	Retry time.Duration // the client's reconnection delay, in whole milliseconds; 0 sends none
}

// EventStreamOptions configure NewEventStream; the zero value is the
// default.
type EventStreamOptions struct {
	// Heartbeat is the time between comment lines sent while the stream
	// is open (0: DefaultHeartbeat, 15s; negative: none).
	Heartbeat time.Duration
	// MaxQueued bounds the bytes sent but not yet handed to the kernel,
	// heartbeats included (0 or negative: DefaultMaxQueued, 1 MiB); past
	// it Send returns ErrStreamFull. Together with the kernel's socket
	// buffer it is all a client that stops reading costs.
	MaxQueued int
}

// EventStream is a text/event-stream response (server-sent events). Its
// methods are safe for concurrent use: a goroutine of its own, a timer on
// the handler's loop, or a pub/sub callback may send.
type EventStream struct {
	h         *RequestHandler
	lastID    string
	heartbeat time.Duration
	maxQueued int64
	done      <-chan struct{} // the request's context: the client left or the response finished

	mu     sync.Mutex // serializes the writes, so that each event's Flush callback is its own
	buf    []byte     // the event being formatted; guarded by mu
	queued atomic.Int64
	closed atomic.Bool

	stopBeat  func() bool // the pending heartbeat; on the handler's goroutine
	stopWatch func() bool // the watch on the request's context
}

// NewEventStream turns the handler's response into an event stream: it
// sets Content-Type to text/event-stream, Cache-Control to no-cache and
// X-Accel-Buffering to no (for nginx), makes the handler asynchronous,
// sends the headers at once and starts the heartbeats. When the client
// goes away the stream ends, stopping its heartbeats, and finishes the
// response; Done tells producers. It must be called on the handler's
// goroutine (or in a Blocking verb) before any output is flushed; the
// error is Flush's. A HEAD request gets the headers and a stream that has
// ended.
func NewEventStream(h Handler, opts ...EventStreamOptions) (*EventStream, error) {
	rh := h.requestHandler()
	if rh.finishCalled.Load() {
		return nil, ErrFinished
	}
	if rh.headersWritten {
		return nil, ErrHeadersWritten
	}
	var o EventStreamOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	s := &EventStream{h: rh, lastID: rh.req.Header.Get("Last-Event-ID"), heartbeat: o.Heartbeat, maxQueued: int64(o.MaxQueued)}
	if s.heartbeat == 0 {
		s.heartbeat = DefaultHeartbeat
	}
	if s.maxQueued <= 0 {
		s.maxQueued = DefaultMaxQueued
	}
	rh.hdr().SetFrom(&eventStreamHeader)
	ctx := rh.Context()
	s.done = ctx.Done()
	rh.Asynchronous()
	if err := rh.Flush(nil); err != nil {
		return nil, err
	}
	if rh.req.Method == "HEAD" {
		s.Close() // the headers were all there was to send
		return s, nil
	}
	s.stopWatch = context.AfterFunc(ctx, func() { // holds no goroutine while it waits
		s.closed.Store(true)
		rh.Run(s.end)
	})
	if s.heartbeat > 0 {
		if rh.onOwner() {
			s.stopBeat = rh.CallLater(s.heartbeat, s.beat)
		} else {
			rh.Run(func() { s.stopBeat = rh.CallLater(s.heartbeat, s.beat) })
		}
	}
	return s, nil
}

// eventStreamHeader holds the headers of an event stream, checked once here.
var eventStreamHeader = func() (h httputil.Header) {
	h.AddChecked("Content-Type", "text/event-stream")
	h.AddChecked("Cache-Control", "no-cache")
	h.AddChecked("X-Accel-Buffering", "no")
	return h
}()

// LastEventID returns the request's Last-Event-ID header: the ID of the
// last event a reconnecting client received, or "".
func (s *EventStream) LastEventID() string { return s.lastID }

// Done returns a channel closed once the stream has ended: the client went
// away, or the response was finished (Close).
func (s *EventStream) Done() <-chan struct{} { return s.done }

// Queued returns the bytes sent but not yet handed to the kernel.
func (s *EventStream) Queued() int { return int(s.queued.Load()) }

// Send sends ev. cb, if not nil, runs on the handler's goroutine once ev
// has been handed to the kernel, or with the error that stopped it: a
// producer that sends its next event from cb goes at the pace of its
// client. Send returns an error wrapping ErrEventField for a field it
// refuses, ErrStreamFull when the client is behind by more than
// MaxQueued, and ErrStreamClosed once the stream has ended; cb is then
// not called.
func (s *EventStream) Send(ev Event, cb func(error)) error {
	return s.write(len(ev.Data), func(b []byte) ([]byte, error) { return appendEvent(b, ev) }, cb)
}

// SendWait sends ev and waits until it has been handed to the kernel, for
// a goroutine producing events: it returns Send's error, the write's, or
// ctx's once ctx is done (ev stays queued), or ErrStreamClosed if the
// stream ends first. It is FlushWait for an event: on the handler's
// goroutine it returns ErrWaitOnHandler under httpserver, and is Send
// under net/http.
func (s *EventStream) SendWait(ctx context.Context, ev Event) error {
	if s.h.onOwner() {
		if _, ok := s.h.conn.(*httpConn); ok {
			return s.Send(ev, nil) // net/http's Write returns once the data is written
		}
		return ErrWaitOnHandler
	}
	done := make(chan error, 1)
	if err := s.Send(ev, func(err error) { done <- err }); err != nil {
		return err
	}
	return wait(ctx, done, s.done)
}

// Comment sends text as comment lines, which EventSource ignores (a
// heartbeat is an empty one). Its errors are Send's.
func (s *EventStream) Comment(text string) error {
	return s.write(len(text), func(b []byte) ([]byte, error) { return appendComment(b, text), nil }, nil)
}

// Close ends the stream: the heartbeats stop and the response is finished.
// It returns ErrStreamClosed if the stream had ended already.
func (s *EventStream) Close() error {
	if s.closed.Swap(true) {
		return ErrStreamClosed
	}
	if s.stopWatch != nil {
		s.stopWatch()
	}
	s.h.Run(s.stopHeartbeat)
	if err := s.h.Finish(); err != nil {
		return ErrStreamClosed
	}
	return nil
}

// write formats an event with format and sends it, counting its bytes
// until its Flush callback. The event takes at least size bytes: a full
// stream refuses it without formatting it.
func (s *EventStream) write(size int, format func([]byte) ([]byte, error), cb func(error)) error {
	if s.ended() {
		return ErrStreamClosed
	}
	if err := s.room(int64(size)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := format(s.buf[:0])
	if cap(b) <= maxKeptBuffer {
		s.buf = b[:0]
	}
	if err != nil {
		return err
	}
	n := int64(len(b))
	if err := s.room(n); err != nil {
		return err
	}
	if _, err := s.h.Write(b); err != nil {
		return s.writeError(err)
	}
	s.queued.Add(n)
	err = s.h.Flush(func(err error) {
		s.queued.Add(-n)
		if cb != nil {
			cb(err)
		}
	})
	if err != nil {
		s.queued.Add(-n) // a Flush that returns an error does not call back
		return s.writeError(err)
	}
	return nil
}

// room reports why n more bytes cannot be queued, if they cannot.
func (s *EventStream) room(n int64) error {
	if n > s.maxQueued {
		return fmt.Errorf("%w: an event of %d bytes is larger than MaxQueued (%d)", ErrStreamFull, n, s.maxQueued)
	}
	if s.queued.Load()+n > s.maxQueued {
		return ErrStreamFull
	}
	return nil
}

// ended reports whether the stream has ended.
func (s *EventStream) ended() bool {
	if s.closed.Load() {
		return true
	}
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// writeError is the error of a write the handler refused: ErrStreamClosed
// once the response is over or the client gone, else the handler's own.
func (s *EventStream) writeError(err error) error {
	if errors.Is(err, ErrFinished) || errors.Is(err, httputil.ErrConnClosed) {
		return fmt.Errorf("%w: %w", ErrStreamClosed, err)
	}
	return err
}

// beat sends a heartbeat and schedules the next one. Run on the handler's
// goroutine by CallLater.
func (s *EventStream) beat() {
	s.stopBeat = nil
	if s.ended() || s.h.finishCalled.Load() {
		return
	}
	s.Comment("") // a full stream skips this beat: its client has output waiting anyway
	s.stopBeat = s.h.CallLater(s.heartbeat, s.beat)
}

// stopHeartbeat cancels the pending heartbeat, which would hold the
// handler until it fires. Run on the handler's goroutine.
func (s *EventStream) stopHeartbeat() {
	if s.stopBeat != nil {
		s.stopBeat()
		s.stopBeat = nil
	}
}

// end ends the stream once the request's context is done (the client left,
// or the response was finished some other way than Close). Run on the
// handler's goroutine.
func (s *EventStream) end() {
	s.stopHeartbeat()
	s.h.Finish() // ErrFinished when it was finished already
}

// appendEvent appends ev in the text/event-stream format to b, ended by
// the blank line that dispatches it.
func appendEvent(b []byte, ev Event) ([]byte, error) {
	if strings.ContainsAny(ev.ID, "\r\n\x00") {
		return b, fmt.Errorf("%w: ID %q", ErrEventField, ev.ID)
	}
	if strings.ContainsAny(ev.Event, "\r\n") {
		return b, fmt.Errorf("%w: Event %q", ErrEventField, ev.Event)
	}
	if ev.ID != "" {
		b = appendField(b, "id: ", ev.ID)
	}
	if ev.Event != "" {
		b = appendField(b, "event: ", ev.Event)
	}
	if ev.Retry > 0 {
		b = append(b, "retry: "...)
		b = strconv.AppendInt(b, ev.Retry.Milliseconds(), 10)
		b = append(b, '\n')
	}
	if ev.Data != "" {
		b = appendLines(b, "data: ", ev.Data)
	}
	return append(b, '\n'), nil
}

// appendComment appends text as comment lines to b.
func appendComment(b []byte, text string) []byte {
	if text == "" {
		return append(b, ":\n"...)
	}
	return appendLines(b, ": ", text)
}

// appendLines appends one field line prefix+line for each line of text,
// split at CR LF, CR or LF as the client splits them.
func appendLines(b []byte, prefix, text string) []byte {
	for {
		i := strings.IndexAny(text, "\r\n")
		if i < 0 {
			return appendField(b, prefix, text)
		}
		b = appendField(b, prefix, text[:i])
		if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
			i++
		}
		text = text[i+1:]
	}
}

func appendField(b []byte, prefix, value string) []byte {
	b = append(b, prefix...)
	b = append(b, value...)
	return append(b, '\n')
}
