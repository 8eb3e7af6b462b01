package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// sseEvent is an event as EventSource dispatches it.
type sseEvent struct {
	ID, Type, Data string
}

// sseReader parses a text/event-stream as the WHATWG HTML standard's
// EventSource does, incrementally.
type sseReader struct {
	br       *bufio.Reader
	started  bool
	lastID   string
	retry    int // -1 until a valid retry field
	comments int
	data     strings.Builder
	typ      string
}

func newSSEReader(r io.Reader) *sseReader {
	return &sseReader{br: bufio.NewReader(r), retry: -1}
}

// line reads one line, ended by CR LF, LF or CR.
func (r *sseReader) line() (string, error) {
	var b strings.Builder
	for {
		c, err := r.br.ReadByte()
		if err != nil {
			return b.String(), err
		}
		switch c {
		case '\n':
			return b.String(), nil
		case '\r':
			if next, err := r.br.Peek(1); err == nil && next[0] == '\n' {
				r.br.ReadByte()
			}
			return b.String(), nil
		}
		b.WriteByte(c)
	}
}

// next returns the next dispatched event; io.EOF at the end of the
// stream (an unfinished event is dropped, as EventSource drops it).
func (r *sseReader) next() (sseEvent, error) {
	for {
		line, err := r.line()
		if err != nil {
			return sseEvent{}, err
		}
		if !r.started {
			r.started = true
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if line == "" {
			if r.data.Len() == 0 {
				r.typ = ""
				continue
			}
			ev := sseEvent{ID: r.lastID, Type: r.typ, Data: strings.TrimSuffix(r.data.String(), "\n")}
			if ev.Type == "" {
				ev.Type = "message"
			}
			r.data.Reset()
			r.typ = ""
			return ev, nil
		}
		if line[0] == ':' {
			r.comments++
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			r.typ = value
		case "data":
			r.data.WriteString(value)
			r.data.WriteByte('\n')
		case "id":
			if !strings.Contains(value, "\x00") {
				r.lastID = value
			}
		case "retry":
			if n, err := strconv.Atoi(value); err == nil && n >= 0 && strings.Trim(value, "0123456789") == "" {
				r.retry = n
			}
		}
	}
}

// all returns every event up to the end of the stream.
func (r *sseReader) all() ([]sseEvent, error) {
	var out []sseEvent
	for {
		ev, err := r.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

func TestAppendEvent(t *testing.T) {
	for _, tc := range []struct {
		ev   Event
		want string
	}{
		{Event{Data: "hello"}, "data: hello\n\n"},
		{Event{ID: "7", Event: "tick", Data: "a\nb", Retry: 1500 * time.Millisecond}, "id: 7\nevent: tick\nretry: 1500\ndata: a\ndata: b\n\n"},
		{Event{Data: "crlf\r\ncr\rlf\n"}, "data: crlf\ndata: cr\ndata: lf\ndata: \n\n"},
		{Event{Data: " leading space"}, "data:  leading space\n\n"},
		{Event{ID: "only"}, "id: only\n\n"},
		{Event{Data: "\n"}, "data: \ndata: \n\n"},
		{Event{}, "\n"},
	} {
		got, err := appendEvent(nil, tc.ev)
		if err != nil || string(got) != tc.want {
			t.Errorf("appendEvent(%+v) = %q, %v; want %q", tc.ev, got, err, tc.want)
		}
	}
	for _, ev := range []Event{
		{ID: "1\n", Data: "x"},
		{ID: "1\rdata: forged", Data: "x"},
		{ID: "a\x00b"},
		{Event: "tick\ndata: forged"},
		{Event: "tick\r"},
	} {
		if got, err := appendEvent([]byte("kept"), ev); !errors.Is(err, ErrEventField) || string(got) != "kept" {
			t.Errorf("appendEvent(%+v) = %q, %v; want it refused with ErrEventField", ev, got, err)
		}
	}
	if got := string(appendComment(nil, "")); got != ":\n" {
		t.Errorf("appendComment(\"\") = %q", got)
	}
	if got := string(appendComment(nil, "a\r\nb")); got != ": a\n: b\n" {
		t.Errorf("appendComment(\"a\\r\\nb\") = %q", got)
	}
}

// FuzzEventFormat checks that what Send writes is read back by an
// EventSource as the one event that was sent: no field can end early, no
// line break in a field forges another field or event.
func FuzzEventFormat(f *testing.F) {
	f.Add("", "", "", int64(0)) // more seeds in testdata/fuzz/FuzzEventFormat
	f.Fuzz(func(t *testing.T, id, typ, data string, retryMS int64) {
		ev := Event{ID: id, Event: typ, Data: data, Retry: time.Duration(retryMS) * time.Millisecond}
		b, err := appendEvent(nil, ev)
		if err != nil {
			if !strings.ContainsAny(id, "\r\n\x00") && !strings.ContainsAny(typ, "\r\n") {
				t.Fatalf("appendEvent(%+v) refused: %v", ev, err)
			}
			return
		}
		out := string(b)
		if strings.ContainsRune(out, '\r') || !strings.HasSuffix(out, "\n") {
			t.Fatalf("appendEvent(%+v) = %q: a CR, or no final LF", ev, out)
		}
		r := newSSEReader(strings.NewReader(out))
		events, err := r.all()
		if err != nil {
			t.Fatal(err)
		}
		if r.lastID != id {
			t.Errorf("last event ID %q, want %q", r.lastID, id)
		}
		if wantRetry := int(ev.Retry.Milliseconds()); ev.Retry > 0 && r.retry != wantRetry || ev.Retry <= 0 && r.retry != -1 {
			t.Errorf("retry %d, want %v", r.retry, ev.Retry)
		}
		if data == "" {
			if len(events) != 0 {
				t.Errorf("events %+v from an event without data", events)
			}
			return
		}
		wantType := typ
		if wantType == "" {
			wantType = "message"
		}
		want := sseEvent{ID: id, Type: wantType, Data: strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(data)}
		if len(events) != 1 || events[0] != want {
			t.Fatalf("appendEvent(%+v) = %q, read back as %+v; want one %+v", ev, out, events, want)
		}
		c := newSSEReader(strings.NewReader(string(appendComment(nil, data)) + "\n"))
		if events, _ := c.all(); len(events) != 0 || c.lastID != "" || c.comments == 0 {
			t.Fatalf("appendComment(%q) read back as %+v (%d comments)", data, events, c.comments)
		}
	})
}

func BenchmarkAppendEvent(b *testing.B) {
	b.ReportAllocs()
	ev := Event{ID: "12345", Event: "tick", Data: "the time is 12:00:00\nand all is well"}
	var buf []byte
	for b.Loop() {
		buf, _ = appendEvent(buf[:0], ev)
	}
}

// sseHandler serves an event stream with the function its rule gives it.
type sseHandler struct {
	RequestHandler
	get      func(h *sseHandler) error
	finished chan struct{}
}

func (h *sseHandler) Get() error { return h.get(h) }
func (h *sseHandler) OnFinish() {
	if h.finished != nil {
		close(h.finished)
	}
}

func sseRule(pattern string, get func(h *sseHandler) error) Rule {
	return RWith(pattern, func(h *sseHandler) { h.get = get })
}

// An event stream sends its headers, events, comments and retry as
// EventSource reads them, from a goroutine with SendWait, from the
// handler's goroutine with Send's callback, and from a Blocking verb; it
// hands the client's Last-Event-ID over and refuses a forged field.
func TestEventStream(t *testing.T) {
	var wg sync.WaitGroup
	defer wg.Wait()
	errs := make(chan error, 16)
	check := func(what string, err, want error) {
		if !errors.Is(err, want) {
			errs <- fmt.Errorf("%s = %v, want %v", what, err, want)
		}
	}
	produce := func(s *EventStream) {
		ctx := context.Background()
		check("SendWait", s.SendWait(ctx, Event{Retry: 1500 * time.Millisecond}), nil)
		check("SendWait", s.SendWait(ctx, Event{ID: "1", Data: "last=" + s.LastEventID()}), nil)
		check("SendWait", s.SendWait(ctx, Event{ID: "2", Event: "tick", Data: "a\nb"}), nil)
		check("Send of a forged ID", s.Send(Event{ID: "2\ndata: forged", Data: "x"}, nil), ErrEventField)
		check("Comment", s.Comment("note"), nil)
		check("SendWait", s.SendWait(ctx, Event{ID: "3", Data: "end"}), nil)
		check("Close", s.Close(), nil)
		check("Send after Close", s.Send(Event{Data: "late"}, nil), ErrStreamClosed)
		check("Close after Close", s.Close(), ErrStreamClosed)
	}
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{
			sseRule(`/goroutine`, func(h *sseHandler) error {
				s, err := NewEventStream(h, EventStreamOptions{Heartbeat: -1})
				if err != nil {
					return err
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					produce(s)
				}()
				return nil
			}),
			Blocking(sseRule(`/blocking`, func(h *sseHandler) error {
				s, err := NewEventStream(h, EventStreamOptions{Heartbeat: -1})
				if err != nil {
					return err
				}
				produce(s)
				return nil
			})),
			sseRule(`/paced`, func(h *sseHandler) error {
				s, err := NewEventStream(h)
				if err != nil {
					return err
				}
				check("SendWait on the handler's goroutine", s.SendWait(context.Background(), Event{}),
					map[bool]error{true: ErrWaitOnHandler, false: nil}[h.Loop() != nil])
				var send func(i int) func(error)
				send = func(i int) func(error) {
					return func(err error) {
						if err != nil || i > 3 {
							s.Close()
							return
						}
						check("Send", s.Send(Event{ID: strconv.Itoa(i), Data: "n"}, send(i+1)), nil)
					}
				}
				send(1)(nil)
				return nil
			}),
		}, settings)
	}, func(t *testing.T, base string) {
		c := &http.Client{Transport: &http.Transport{}}
		defer c.CloseIdleConnections()
		for _, tc := range []struct {
			path    string
			want    []sseEvent
			retry   int
			comment int
		}{
			{"/goroutine", []sseEvent{{"1", "message", "last=41"}, {"2", "tick", "a\nb"}, {"3", "message", "end"}}, 1500, 1},
			{"/blocking", []sseEvent{{"1", "message", "last=41"}, {"2", "tick", "a\nb"}, {"3", "message", "end"}}, 1500, 1},
			{"/paced", []sseEvent{{"1", "message", "n"}, {"2", "message", "n"}, {"3", "message", "n"}}, -1, 0},
		} {
			req, _ := http.NewRequest("GET", base+tc.path, nil)
			req.Header.Set("Last-Event-ID", "41")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"} {
				if got := resp.Header.Get(name); got != want {
					t.Errorf("GET %s: %s = %q, want %q", tc.path, name, got, want)
				}
			}
			if resp.ContentLength != -1 {
				t.Errorf("GET %s: Content-Length %d, want none (a stream)", tc.path, resp.ContentLength)
			}
			r := newSSEReader(resp.Body)
			events, err := r.all()
			resp.Body.Close()
			if err != nil {
				t.Errorf("GET %s: %v", tc.path, err)
			}
			if fmt.Sprint(events) != fmt.Sprint(tc.want) || r.retry != tc.retry || r.comments != tc.comment {
				t.Errorf("GET %s = %q, retry %d, %d comments; want %q, retry %d, %d comments", tc.path, events, r.retry, r.comments, tc.want, tc.retry, tc.comment)
			}
		}
		for len(errs) > 0 {
			t.Error(<-errs)
		}
	})
}

// NewEventStream refuses a response whose headers are gone or that is
// finished, and answers HEAD with the headers alone.
func TestNewEventStreamRefused(t *testing.T) {
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{
			sseRule(`/flushed`, func(h *sseHandler) error {
				h.WriteString("x;")
				h.Flush(nil)
				_, err := NewEventStream(h)
				return h.Finish(fmt.Sprint(err))
			}),
			sseRule(`/head`, func(h *sseHandler) error {
				s, err := NewEventStream(h)
				if err != nil {
					return err
				}
				if err := s.Send(Event{Data: "x"}, nil); !errors.Is(err, ErrStreamClosed) {
					h.app.logger().Error("Send on a HEAD stream", "err", err)
				}
				return nil
			}),
			sseRule(`/finished`, func(h *sseHandler) error {
				h.Finish("x;")
				if _, err := NewEventStream(h); !errors.Is(err, ErrFinished) {
					h.app.logger().Error("NewEventStream after Finish", "err", err)
				}
				return nil
			}),
		}, settings)
	}, func(t *testing.T, base string) {
		c := &http.Client{Transport: &http.Transport{}}
		defer c.CloseIdleConnections()
		if _, body := fetch(t, c, "GET", base+"/flushed", ""); body != "x;"+ErrHeadersWritten.Error() {
			t.Errorf("GET /flushed = %q", body)
		}
		if _, body := fetch(t, c, "GET", base+"/finished", ""); body != "x;" {
			t.Errorf("GET /finished = %q", body)
		}
		if resp, body := fetch(t, c, "HEAD", base+"/head", ""); resp.StatusCode != 200 || body != "" || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Errorf("HEAD /head = %d %q, Content-Type %q", resp.StatusCode, body, resp.Header.Get("Content-Type"))
		}
	})
}

// Heartbeats arrive while the stream is quiet; when the client leaves,
// the stream ends by itself — Done is closed, Send refuses, the response
// is finished — under both servers.
func TestEventStreamHeartbeatAndLeave(t *testing.T) {
	var wg sync.WaitGroup
	defer wg.Wait()
	var finished chan struct{}
	sendErr := make(chan error, 1)
	servers(t, func(t *testing.T) *Application {
		finished = make(chan struct{})
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{
			RWith(`/`, func(h *sseHandler) {
				h.finished = finished
				h.get = func(h *sseHandler) error {
					s, err := NewEventStream(h, EventStreamOptions{Heartbeat: 5 * time.Millisecond})
					if err != nil {
						return err
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						select {
						case <-s.Done():
							sendErr <- s.Send(Event{Data: "after"}, nil)
						case <-time.After(10 * time.Second):
							sendErr <- errors.New("Done not closed")
						}
					}()
					return nil
				}
			}),
		}, settings)
	}, func(t *testing.T, base string) {
		conn := dialSend(t, base, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 10*time.Second)
		var got strings.Builder
		buf := make([]byte, 512)
		for strings.Count(got.String(), ":\n") < 3 {
			n, err := conn.Read(buf)
			got.Write(buf[:n])
			if err != nil {
				t.Fatalf("after %q: %v", got.String(), err)
			}
		}
		conn.Close()
		if err := <-sendErr; !errors.Is(err, ErrStreamClosed) {
			t.Errorf("Send after the client left = %v, want ErrStreamClosed", err)
		}
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			t.Fatal("the response was not finished after the client left")
		}
	})
}

// A client that stops reading costs the server no more than MaxQueued
// beyond the socket buffers: a producer pacing itself with SendWait
// waits once they are full, and one that goes on with Send gets
// ErrStreamFull, the heap not growing with what it offers.
func TestEventStreamSlowReader(t *testing.T) {
	const maxQueued = 256 << 10
	const eventSize = 64 << 10
	const limit = 256 << 20 // more than any socket buffer holds
	const attempts = 1024   // 64 MiB offered once the buffers are full
	type result struct {
		waited, sent, full, maxSeen int
		waitErr, other              error
		growth                      int64
		afterLeave                  error
	}
	results := make(chan result, 1)
	var left chan struct{}
	var finished chan struct{}
	servers(t, func(t *testing.T) *Application {
		left, finished = make(chan struct{}), make(chan struct{})
		settings, _ := quietSettings(t)
		return NewApplication([]Rule{
			RWith(`/`, func(h *sseHandler) {
				h.finished = finished
				h.get = func(h *sseHandler) error {
					s, err := NewEventStream(h, EventStreamOptions{Heartbeat: -1, MaxQueued: maxQueued})
					if err != nil {
						return err
					}
					l := left
					go func() {
						var r result
						ev := Event{Data: strings.Repeat("e", eventSize-len("data: \n\n"))}
						for r.waited*eventSize < limit { // until the socket buffers are full
							ctx, cancel := context.WithTimeout(context.Background(), time.Second)
							r.waitErr = s.SendWait(ctx, ev)
							cancel()
							if r.waitErr != nil {
								break
							}
							r.waited++
						}
						before := heapInUse()
						for range attempts {
							switch err := s.Send(ev, nil); {
							case err == nil:
								r.sent++
							case errors.Is(err, ErrStreamFull):
								r.full++
							default:
								r.other = err
							}
							r.maxSeen = max(r.maxSeen, s.Queued())
						}
						r.growth = heapInUse() - before
						results <- r
						<-l
						select {
						case <-s.Done():
							r.afterLeave = s.Send(Event{Data: "x"}, nil)
						case <-time.After(10 * time.Second):
							r.afterLeave = errors.New("Done not closed")
						}
						results <- r
					}()
					return nil
				}
			}),
		}, settings)
	}, func(t *testing.T, base string) {
		conn := dialSend(t, base, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 30*time.Second)
		br := bufio.NewReaderSize(conn, 4096)
		if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
			t.Fatalf("status line %q, %v", line, err)
		}
		r := <-results // the client has read nothing more
		conn.Close()
		close(left)
		t.Logf("SendWait: %d events of %d bytes, then %v; Send: %d sent, %d refused; at most %d bytes queued; heap grew %d bytes",
			r.waited, eventSize, r.waitErr, r.sent, r.full, r.maxSeen, r.growth)
		if !errors.Is(r.waitErr, context.DeadlineExceeded) {
			t.Errorf("SendWait to a client that does not read = %v after %d events, want context.DeadlineExceeded", r.waitErr, r.waited)
		}
		if r.full == 0 || r.other != nil {
			t.Errorf("Send to a client that does not read: %d sent, %d refused as full, other error %v; want refusals only", r.sent, r.full, r.other)
		}
		if r.maxSeen > maxQueued {
			t.Errorf("%d bytes queued, above MaxQueued %d", r.maxSeen, maxQueued)
		}
		if r.growth > 32<<20 {
			t.Errorf("heap grew %d bytes while %d bytes were offered to a client that does not read", r.growth, attempts*eventSize)
		}
		r = <-results
		if !errors.Is(r.afterLeave, ErrStreamClosed) {
			t.Errorf("Send after the client left = %v, want ErrStreamClosed", r.afterLeave)
		}
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			t.Fatal("the response was not finished after the client left")
		}
	})
}

// heapInUse returns the live heap after a collection.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
