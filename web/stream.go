package web

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/gotornado/tornado/httputil"
)

// BodyStreamer is implemented by handlers that take their request body in
// pieces as it arrives instead of whole (Tornado's @stream_request_body),
// so that an upload of any size costs constant memory. For such a handler
// Initialize, the XSRF check and Prepare run as soon as the request's head
// has arrived; DataReceived is then called with each piece of the body
// (not at all for an empty body), on the handler's goroutine; the verb
// runs once the whole body has arrived. chunk is valid only during the
// call: copy what you keep. The request's Body stays empty and its body
// arguments are not parsed: an XSRF token must come in the query or the
// X-Xsrftoken header.
//
// Prepare may bound the body with SetMaxBodySize and SetBodyTimeout, and
// stop it from being read at all by finishing the response (a redirect,
// an error). An error returned by DataReceived ends the request with its
// status, as from a verb (500 for an error that is not an *HTTPError), and
// the rest of the body is not read. A handler that needs time with a piece
// calls PauseBody and, once ready, ResumeBody: no more of the body is read
// meanwhile.
type BodyStreamer interface{ DataReceived(chunk []byte) error }

// errBodyRefused tells the server that the handler answered before its
// body was read: the rest is not wanted. The server has nothing left to
// answer.
var errBodyRefused = errors.New("web: the request was answered before its body was read")

// bodyState is a handler's side of its request body: a streamed body on
// its way, its limits, and a multipart body parsed as it arrived.
type bodyState struct {
	streamer BodyStreamer // the handler, when it streams its body
	verb     verbKind     // the verb to call once the streamed body has arrived
	prepared bool         // the stages up to Prepare ran when the head arrived
	phase    bodyPhase
	paused   bool   // PauseBody: no piece is handed over until ResumeBody
	held     []byte // a piece that arrived while paused, before the server could stop reading
	endHeld  bool   // the body ended while paused: the verb waits for ResumeBody
	max      int64  // SetMaxBodySize; 0: the server's limit

	spool *httputil.MultipartParser // its spilled files are removed when the request ends
}

type bodyPhase uint8

const (
	bodyNone      bodyPhase = iota // not streamed, or not begun
	bodyReceiving                  // streamed, arriving: the body phase holds the request's own reference
	bodyVerb                       // the verb runs: execute holds that reference
	bodyStopped                    // ended before the verb: the reference was given back
)

// delegateBody is what the delegate keeps between the head and the end of
// a request: the handler made when the head arrived, and a
// multipart/form-data body parsed as it arrives.
type delegateBody struct {
	self     Handler
	h        *RequestHandler
	err      error // New's failure, answered at Finish
	spool    *httputil.MultipartParser
	spoolErr error
}

// startBody makes the request's handler when its head arrives. A
// streaming handler is prepared at once; for the others the body is
// gathered, or parsed as it arrives when it is multipart/form-data and
// Settings.SpillThreshold is set.
func (d *requestDelegate) startBody() error {
	in := &d.in
	in.self, in.h, in.err = d.newHandler()
	if s, ok := in.self.(BodyStreamer); ok && in.err == nil {
		return d.startStream(s)
	}
	d.startSpool() // body.go
	return nil
}

// startStream serves a streaming handler from the request's head: it runs
// the stages up to Prepare. A handler that answered already, or whose
// declared body is over its limit, gets no body.
func (d *requestDelegate) startStream(s BodyStreamer) error {
	h := d.in.h
	d.h = h
	h.reset(d, d.in.self)
	h.x().body.streamer, h.x().body.phase = s, bodyReceiving
	d.conn.SetCloseCallback(h.closeCallback())
	h.guard(func() {
		if err := h.runStages(); err != nil {
			h.handleError(err)
		}
	})
	if !h.finished && !h.detached {
		if n, ok := declaredLength(h.req); ok && h.x().body.max > 0 && n > h.x().body.max {
			h.sendError(413, nil)
		}
	}
	if !h.x().body.prepared || h.finished || h.detached {
		h.stopBody()
		return errBodyRefused
	}
	return nil
}

// declaredLength returns the request's Content-Length.
func declaredLength(req *httputil.ServerRequest) (int64, bool) {
	v := req.Header.Get("Content-Length")
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n >= 0
}

// streamVerb calls the verb of a streaming handler once its body has
// arrived (the end of runStages).
func (h *RequestHandler) streamVerb() error {
	verb := h.x().body.verb
	if h.route.spec.rule.blocking && h.runBlocking(verb) {
		return nil // the verb runs on the loop's executor (executor.go)
	}
	switch verb {
	case verbOther:
		return h.self.(MethodServer).ServeMethod(h.req.Method)
	}
	return callVerb(h.self, verb)
}

// bodyPrepared ends the stages that run before a streamed body: a handler
// without the request's verb gets its 405 now, before the body is read.
func (h *RequestHandler) bodyPrepared(verb verbKind) error {
	if verb == verbNone || verb == verbUnknown {
		return h.methodNotAllowed()
	}
	x := h.x()
	x.body.verb, x.body.prepared = verb, true
	return nil
}

// receiving reports whether h is receiving its streamed body.
func (h *RequestHandler) receiving() bool {
	return h.ex != nil && h.ex.body.phase == bodyReceiving
}

// stopBody ends the body phase before the verb: the request's own
// reference is given back, which may end the handler's lifetime, so the
// caller must not touch the handler or its delegate afterwards.
func (h *RequestHandler) stopBody() {
	if h.receiving() {
		h.x().body.phase = bodyStopped
		h.drop()
	}
}

// streamData hands a piece of a streamed body to the handler; an error
// tells the server to read no more of it.
func (d *requestDelegate) streamData(chunk []byte) error {
	h := d.h
	if !h.receiving() {
		return errBodyRefused
	}
	if h.x().body.paused {
		// Paused before the server was reading the body (from Prepare):
		// the piece waits for ResumeBody, and so does the rest.
		h.x().body.held = append(h.x().body.held, chunk...)
		if bc := h.bodyController(); bc != nil {
			bc.PauseBody()
		}
		return nil
	}
	h.deliver(chunk)
	if h.finished || h.detached {
		h.stopBody()
		return errBodyRefused
	}
	return nil
}

// deliver calls the handler's DataReceived.
func (h *RequestHandler) deliver(chunk []byte) {
	defer h.recoverPanic()
	if err := h.x().body.streamer.DataReceived(chunk); err != nil {
		h.handleError(err)
	}
}

// finishStream runs the verb once the streamed body has arrived, unless
// the handler holds the body back: then ResumeBody does.
func (d *requestDelegate) finishStream() {
	h := d.h
	switch {
	case !h.receiving():
	case h.x().body.paused:
		h.x().body.endHeld = true
	default:
		h.x().body.phase = bodyVerb
		h.execute()
	}
}

// closeStream runs when the client leaves while a streamed body arrives:
// the handler's OnConnectionClose runs, and the request ends.
func (d *requestDelegate) closeStream() {
	h := d.h
	h.conn.SetCloseCallback(nil) // the hook runs once, here
	h.connectionClosed()
	h.stopBody()
}

func (h *RequestHandler) bodyController() httputil.BodyController {
	bc, _ := h.conn.(httputil.BodyController)
	return bc
}

// SetMaxBodySize sets the largest request body this request may have
// (Tornado's set_max_body_size), in place of the server's: a larger
// declared body is answered with 413 before it is read, and a chunked
// one once it passes the limit. It has an effect only on a streaming
// handler (see BodyStreamer), from Prepare or DataReceived. Must be
// called on the handler's goroutine.
func (h *RequestHandler) SetMaxBodySize(n int64) {
	if !h.receiving() || n <= 0 {
		return
	}
	h.x().body.max = n
	if bc := h.bodyController(); bc != nil {
		bc.SetMaxBodySize(n)
	}
}

// SetBodyTimeout sets how long the client has to send the rest of the
// request body, in place of the server's (Tornado's set_body_timeout):
// 0 means the server's, a negative duration no limit. No clock runs while
// the body is paused. It has an effect only on a streaming handler, from
// Prepare or DataReceived. Must be called on the handler's goroutine.
func (h *RequestHandler) SetBodyTimeout(d time.Duration) {
	if !h.receiving() {
		return
	}
	if bc := h.bodyController(); bc != nil {
		bc.SetBodyTimeout(d)
	}
}

// PauseBody stops the reading of a streamed body: no piece is handed to
// DataReceived, and no more is read from the client, until ResumeBody —
// flow control for a handler that deals with each piece elsewhere (on
// the executor, say). A paused handler is never reused, so that a
// goroutine may still call its ResumeBody. It has an effect only on a
// streaming handler, from Prepare or DataReceived. Must be called on the
// handler's goroutine.
func (h *RequestHandler) PauseBody() {
	if !h.receiving() || h.x().body.paused {
		return
	}
	h.x().body.paused = true
	h.life.shared.Store(true)
	if c, ok := h.conn.(*httpConn); ok {
		c.claim() // so that OnOwner tells ResumeBody's goroutine apart
	}
	if bc := h.bodyController(); bc != nil {
		bc.PauseBody()
	}
}

// ResumeBody reads the body on after PauseBody; once the whole body has
// arrived it runs the verb. Safe for concurrent use after PauseBody:
// called from another goroutine it is queued to the handler's goroutine,
// and dropped once the request has ended.
func (h *RequestHandler) ResumeBody() {
	if h.calledOnOwner() {
		h.resumeBody()
		return
	}
	if !h.life.shared.Load() {
		// Not paused: the handler may serve another request by now.
		log := slog.Default()
		if app := h.app; app != nil {
			log = app.logger()
		}
		log.Error("web: ResumeBody called from another goroutine on a handler that did not call PauseBody; ignored")
		return
	}
	h.life.queued.Add(1)
	h.conn.AddCallback(func() {
		defer h.dropQueued()
		if !h.ended {
			h.guard(h.resumeBody)
		}
	})
}

func (h *RequestHandler) resumeBody() {
	if !h.receiving() || !h.x().body.paused {
		return
	}
	h.x().body.paused = false
	if held := h.x().body.held; len(held) > 0 {
		h.x().body.held = held[:0]
		h.deliver(held)
		if h.finished || h.detached {
			h.stopBody()
			return
		}
		if h.x().body.paused {
			return // paused again: the server is paused still
		}
	}
	if h.x().body.endHeld {
		h.x().body.endHeld = false
		h.x().body.phase = bodyVerb
		h.execute()
		return
	}
	if bc := h.bodyController(); bc != nil {
		bc.ResumeBody() // httpserver may run Finish, and so the verb, from here
	}
}

// The net/http side: ServeHTTP reads the body in pieces on the request's
// goroutine and hands them to the delegate, so that a streaming handler
// gets them as they come and a paused one simply blocks the reading.

// netBody is the httputil.BodyController of a net/http request.
type netBody struct {
	max      int64         // SetMaxBodySize; 0: httputil.DefaultMaxBodySize
	timeout  time.Duration // SetBodyTimeout; 0: net/http's own deadlines
	paused   bool
	deadline bool // a read deadline of ours is set
	eof      bool // all of the body was read
}

var _ httputil.BodyController = (*httpConn)(nil)

// SetMaxBodySize sets the request's body limit.
func (c *httpConn) SetMaxBodySize(n int64) {
	if n > 0 {
		c.body.max = n
	}
}

// SetBodyTimeout sets the time the client has for the rest of the body,
// as a read deadline on the connection.
func (c *httpConn) SetBodyTimeout(d time.Duration) {
	c.body.timeout = d
	if !c.body.paused {
		c.setBodyDeadline()
	}
}

// PauseBody stops the reading of the body until ResumeBody, with no
// deadline meanwhile.
func (c *httpConn) PauseBody() {
	c.body.paused = true
	if c.body.deadline {
		http.NewResponseController(c.w).SetReadDeadline(time.Time{})
		c.body.deadline = false
	}
}

// ResumeBody reads on.
func (c *httpConn) ResumeBody() {
	c.body.paused = false
	c.setBodyDeadline()
}

func (c *httpConn) setBodyDeadline() {
	var t time.Time
	switch d := c.body.timeout; {
	case d == 0:
		return
	case d > 0:
		t = time.Now().Add(d)
	}
	if http.NewResponseController(c.w).SetReadDeadline(t) == nil {
		c.body.deadline = !t.IsZero()
	}
}

// bodyUnread reports whether the request has a body not read to its end:
// an answer then closes the connection, rather than have net/http read
// the rest first (it would wait for a client that may never send it).
func (c *httpConn) bodyUnread() bool {
	r := c.r
	return !c.body.eof && r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody
}

// dropBody gives up on the rest of an unread body: net/http would read
// it to its end after the answer, waiting for a client that may never
// send it; with a read deadline passed it closes the connection instead.
func (c *httpConn) dropBody() {
	if c.bodyUnread() {
		http.NewResponseController(c.w).SetReadDeadline(time.Unix(1, 0))
	}
}

func (c *httpConn) maxBody() int64 {
	if c.body.max > 0 {
		return c.body.max
	}
	return httputil.DefaultMaxBodySize
}

// bodyOutcome is how ServeHTTP's reading of a body ended.
type bodyOutcome uint8

const (
	bodyRead    bodyOutcome = iota // all of it: Finish the request
	bodyEnded                      // a streaming handler's request ended first: serve what it queued
	bodyDropped                    // no handler ran: nothing left to do
)

// readBuffers are the 64 KiB pieces bodies are read in under net/http.
var readBuffers = sync.Pool{New: func() any { return new([64 << 10]byte) }}

// readBody reads the request body in pieces into d: a streaming
// handler's DataReceived, or the body gathered for the others. It runs
// the callbacks queued meanwhile, and waits, running them, while a
// streaming handler holds its body back.
func (c *httpConn) readBody(d *requestDelegate) bodyOutcome {
	r := c.r
	if !c.bodyUnread() {
		return bodyRead
	}
	h := d.h // a streaming handler, or nil
	buf := readBuffers.Get().(*[64 << 10]byte)
	defer readBuffers.Put(buf)
	var n int64
	for {
		if h != nil {
			if !c.awaitBody(d) {
				return bodyEnded
			}
		}
		if max := c.maxBody(); r.ContentLength > max || n > max {
			return c.bodyFailed(d, &HTTPError{Code: http.StatusRequestEntityTooLarge})
		}
		k, err := r.Body.Read(buf[:])
		if k > 0 {
			if n += int64(k); n > c.maxBody() {
				return c.bodyFailed(d, &HTTPError{Code: http.StatusRequestEntityTooLarge})
			}
			if d.DataReceived(buf[:k]) != nil {
				return bodyEnded // the handler answered
			}
		}
		switch {
		case err == io.EOF:
			c.body.eof = true
			c.body.deadline = false // net/http clears it to watch for the client leaving
			return bodyRead
		case errors.Is(err, os.ErrDeadlineExceeded) && c.body.deadline:
			return c.bodyFailed(d, &HTTPError{Code: http.StatusRequestTimeout})
		case errors.As(err, new(*http.MaxBytesError)): // http.MaxBytesHandler's limit
			return c.bodyFailed(d, &HTTPError{Code: http.StatusRequestEntityTooLarge})
		case err != nil:
			// The client went away (or net/http's own deadline passed).
			c.gone = true
			d.OnConnectionClose()
			if h != nil {
				return bodyEnded
			}
			return bodyDropped
		}
	}
}

// awaitBody runs the queued callbacks, and while the streaming handler
// holds its body back, waits for more. It reports whether to read on;
// if not, the body phase has ended.
func (c *httpConn) awaitBody(d *requestDelegate) bool {
	h := d.h
	gone := c.r.Context().Done()
	for {
		c.runQueue()
		if !h.receiving() {
			return false
		}
		if h.finished || h.detached || c.gone {
			// Answered from a callback, or aborted: no body is wanted.
			h.stopBody()
			return false
		}
		if !c.body.paused {
			return true
		}
		select {
		case <-c.wake:
		case <-gone:
			c.runQueue()
			c.gone = true
			d.OnConnectionClose()
			return false
		}
	}
}

// bodyFailed answers a body that is too large or too slow: a streaming
// handler answers with its error page; otherwise the plain page is sent
// and the handler that was made for the request is not run.
func (c *httpConn) bodyFailed(d *requestDelegate, he *HTTPError) bodyOutcome {
	if h := d.h; h != nil {
		if h.receiving() {
			h.handleError(he)
			h.stopBody()
		}
		return bodyEnded
	}
	d.in.abandon()
	code := he.Code
	page := "<html><title>" + strconv.Itoa(code) + ": " + statusText(code) + "</title><body>" + strconv.Itoa(code) + ": " + statusText(code) + "</body></html>"
	c.w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	c.w.Header().Set("Connection", "close")
	c.w.WriteHeader(code)
	io.WriteString(c.w, page)
	return bodyDropped
}
