//go:build linux

package iostream

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"sync/atomic"
	"testing"
	"time"
)

type result struct {
	data string
	err  error
}

func TestReadUntilDelimiterSplitAcrossReads(t *testing.T) {
	l := startLoop(t)
	s, c := tcpPair(t, l)
	got := make(chan result, 1)
	onLoop(l, func() {
		s.ReadUntil([]byte("\r\n\r\n"), 0, func(d []byte, err error) { got <- result{string(d), err} })
	})
	for _, part := range []string{"GET / HTTP/1.1\r", "\n", "\r", "\nextra"} {
		c.Write([]byte(part))
		time.Sleep(5 * time.Millisecond)
	}
	r := <-got
	if r.err != nil || r.data != "GET / HTTP/1.1\r\n\r\n" {
		t.Fatalf("ReadUntil = %q, %v", r.data, r.err)
	}
	// The rest stays buffered for the next read.
	onLoop(l, func() {
		s.ReadBytes(5, false, func(d []byte, err error) { got <- result{string(d), err} })
	})
	if r := <-got; r.data != "extra" {
		t.Fatalf("ReadBytes after ReadUntil = %q, %v; want extra", r.data, r.err)
	}
}

func TestReadBytesPartial(t *testing.T) {
	l := startLoop(t)
	s, c := tcpPair(t, l)
	got := make(chan result, 1)
	onLoop(l, func() {
		s.ReadBytes(100, true, func(d []byte, err error) { got <- result{string(d), err} })
	})
	c.Write([]byte("abc"))
	if r := <-got; r.data != "abc" || r.err != nil {
		t.Fatalf("ReadBytes(100, partial) = %q, %v; want abc", r.data, r.err)
	}
	onLoop(l, func() {
		s.ReadBytes(4, false, func(d []byte, err error) { got <- result{string(d), err} })
	})
	c.Write([]byte("12"))
	time.Sleep(10 * time.Millisecond)
	c.Write([]byte("345"))
	if r := <-got; r.data != "1234" {
		t.Fatalf("ReadBytes(4) = %q, %v; want 1234", r.data, r.err)
	}
}

func TestReadUntilMaxBytesOverflow(t *testing.T) {
	l := startLoop(t)
	s, c := tcpPair(t, l)
	got := make(chan result, 1)
	closed := make(chan struct{})
	onLoop(l, func() {
		s.SetCloseCallback(func() { close(closed) })
		s.ReadUntil([]byte("\n"), 16, func(d []byte, err error) { got <- result{string(d), err} })
	})
	c.Write(bytes.Repeat([]byte("x"), 17))
	if r := <-got; !errors.Is(r.err, ErrMaxBytes) {
		t.Fatalf("ReadUntil over max = %q, %v; want ErrMaxBytes", r.data, r.err)
	}
	<-closed
	onLoop(l, func() {
		if !s.Closed() || !errors.Is(s.Error(), ErrMaxBytes) {
			t.Errorf("Closed() = %v, Error() = %v", s.Closed(), s.Error())
		}
	})
}

func TestReadUntilRegex(t *testing.T) {
	l := startLoop(t)
	s, c := tcpPair(t, l)
	got := make(chan result, 1)
	onLoop(l, func() {
		s.ReadUntilRegex(regexp.MustCompile(`\r?\n\r?\n`), 0, func(d []byte, err error) { got <- result{string(d), err} })
	})
	c.Write([]byte("a: b\n\nrest"))
	if r := <-got; r.data != "a: b\n\n" {
		t.Fatalf("ReadUntilRegex = %q, %v", r.data, r.err)
	}
}

func TestReadUntilClose(t *testing.T) {
	l := startLoop(t)
	s, c := tcpPair(t, l)
	got := make(chan result, 1)
	onLoop(l, func() {
		s.ReadUntilClose(func(d []byte, err error) { got <- result{string(d), err} })
	})
	c.Write([]byte("one "))
	time.Sleep(5 * time.Millisecond)
	c.Write([]byte("two"))
	c.Close()
	if r := <-got; r.data != "one two" || r.err != nil {
		t.Fatalf("ReadUntilClose = %q, %v", r.data, r.err)
	}
}

func TestOneReadAtATime(t *testing.T) {
	l := startLoop(t)
	s, _ := tcpPair(t, l)
	onLoop(l, func() {
		noop := func([]byte, error) {}
		if err := s.ReadBytes(1, false, noop); err != nil {
			t.Fatal(err)
		}
		if err := s.ReadUntil([]byte("x"), 0, noop); !errors.Is(err, ErrAlreadyReading) {
			t.Errorf("second read = %v, want ErrAlreadyReading", err)
		}
	})
}

func TestCloseCallbackRunsOnce(t *testing.T) {
	l := startLoop(t)
	s, c := tcpPair(t, l)
	var calls atomic.Int32
	readErr := make(chan error, 1)
	onLoop(l, func() {
		s.SetCloseCallback(func() { calls.Add(1) })
		s.ReadBytes(10, false, func(_ []byte, err error) { readErr <- err })
	})
	c.Close() // the peer leaves...
	if err := <-readErr; !errors.Is(err, ErrStreamClosed) {
		t.Fatalf("pending read got %v, want ErrStreamClosed", err)
	}
	onLoop(l, func() { s.Close(); s.Close() }) // ...and we close twice more
	onLoop(l, func() {})
	if n := calls.Load(); n != 1 {
		t.Fatalf("close callback ran %d times, want 1", n)
	}
	onLoop(l, func() {
		if err := s.Write([]byte("x"), nil); !errors.Is(err, ErrStreamClosed) {
			t.Errorf("Write after close = %v, want ErrStreamClosed", err)
		}
	})
}

func TestWriteCallbacksAndOrder(t *testing.T) {
	l := startLoop(t)
	s, c := tcpPair(t, l)
	var order []int
	done := make(chan struct{})
	onLoop(l, func() {
		for i := range 5 {
			s.Write([]byte{byte('a' + i)}, func(err error) {
				if err != nil {
					t.Error(err)
				}
				order = append(order, i)
				if i == 4 {
					close(done)
				}
			})
		}
	})
	buf := make([]byte, 5)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "abcde" {
		t.Fatalf("peer read %q, %v", buf, err)
	}
	<-done
	for i, v := range order {
		if v != i {
			t.Fatalf("write callbacks ran in order %v", order)
		}
	}
}

// A large transfer to a slow reader: the writer refills only from write
// callbacks and never queues more than the bound.
func TestLargeWriteToSlowReaderStaysBounded(t *testing.T) {
	l := startLoop(t)
	s, c := tcpPair(t, l)
	const bound = 256 << 10
	const total = 16 << 20
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	var sent, peak int
	var full atomic.Bool
	var pump func(error)
	pump = func(err error) {
		if err != nil {
			return
		}
		for sent < total {
			if err := s.Write(chunk, nil); err != nil {
				if !errors.Is(err, ErrBufferFull) {
					t.Error(err)
					return
				}
				full.Store(true)
				s.Write(nil, pump) // resume once the queue drains
				return
			}
			sent += len(chunk)
			peak = max(peak, s.pending)
		}
	}
	onLoop(l, func() {
		s.MaxWriteBufferSize = bound
		pump(nil)
	})
	got := 0
	buf := make([]byte, 8<<10)
	for got < total {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if buf[i] != chunk[(got+i)%len(chunk)] {
				t.Fatalf("byte %d = %q, want %q", got+i, buf[i], chunk[(got+i)%len(chunk)])
			}
		}
		got += n
		if got%(1<<20) < n {
			time.Sleep(time.Millisecond) // slow reader
		}
	}
	onLoop(l, func() {
		if peak > bound {
			t.Errorf("queued output peaked at %d bytes, bound %d", peak, bound)
		}
	})
	if !full.Load() {
		t.Error("the writer never hit the bound; the test did not exercise it")
	}
}

// While the peer does not read, an echo stream stops reading once its
// queued output passes the high-water mark.
func TestReadingPausesWhilePeerNotDraining(t *testing.T) {
	l := startLoop(t)
	s, c := tcpPair(t, l)
	onLoop(l, func() {
		s.ReadFunc(func(d []byte) int {
			s.Write(d, nil)
			return len(d)
		})
	})
	chunk := make([]byte, 64<<10)
	c.SetWriteDeadline(time.Now().Add(3 * time.Second))
	written := 0
	for {
		n, err := c.Write(chunk)
		written += n
		if err != nil {
			break // our writes block: the server stopped reading
		}
		if written > 256<<20 {
			t.Fatal("the server kept reading 256 MiB without its output draining")
		}
	}
	onLoop(l, func() {
		if !s.writeBlock {
			t.Errorf("writeBlock = false with %d bytes queued", s.pending)
		}
		if s.pending > writeHighWater+(64<<10)*2 {
			t.Errorf("queued %d bytes, want about %d at most", s.pending, writeHighWater)
		}
	})
}

func TestReadFuncLeftoverAndPause(t *testing.T) {
	l := startLoop(t)
	s, c := tcpPair(t, l)
	lines := make(chan string, 10)
	onLoop(l, func() {
		s.ReadFunc(func(d []byte) int {
			i := bytes.IndexByte(d, '\n')
			if i < 0 {
				return 0
			}
			lines <- string(d[:i])
			s.PauseReading()
			return i + 1
		})
	})
	c.Write([]byte("one\ntwo\nthr"))
	if got := <-lines; got != "one" {
		t.Fatalf("first line = %q", got)
	}
	select {
	case got := <-lines:
		t.Fatalf("line %q delivered while paused", got)
	case <-time.After(20 * time.Millisecond):
	}
	onLoop(l, s.ResumeReading)
	if got := <-lines; got != "two" {
		t.Fatalf("second line = %q", got)
	}
	onLoop(l, s.ResumeReading)
	c.Write([]byte("ee\n"))
	if got := <-lines; got != "three" {
		t.Fatalf("third line = %q", got)
	}
}

func TestPausedStreamNoticesHangUp(t *testing.T) {
	l := startLoop(t)
	s, c := tcpPair(t, l)
	closed := make(chan struct{})
	onLoop(l, func() {
		s.SetCloseCallback(func() { close(closed) })
		s.ReadFunc(func(d []byte) int { return len(d) })
		s.PauseReading()
	})
	c.Close()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("paused stream did not notice the peer leaving")
	}
}

// TestBufferCommit builds output in place: in a fresh segment, then in the
// room left at the end of it, then with an append that outgrows the space
// (copied), and checks the peer gets it all in order. An empty Commit
// gives the lent space back without queueing anything.
func TestBufferCommit(t *testing.T) {
	l := startLoop(t)
	s, c := tcpPair(t, l)
	type state struct {
		inPlace      [2]bool
		spare        bool
		pending      int
		emptyErr     error
		closedBuffer bool
		closedErr    error
	}
	got := make(chan state, 1)
	onLoop(l, func() {
		var st state
		b := s.Buffer(5)
		first := &b[:1][0]
		b = append(b, "hello"...)
		if err := s.Commit(b, nil); err != nil {
			t.Errorf("Commit: %v", err)
		}
		st.inPlace[0] = &s.out[len(s.out)-1][0] == first
		b = s.Buffer(6) // room left in the same segment
		next := &b[:1][0]
		b = append(b, " world"...)
		s.Commit(b, nil)
		st.inPlace[1] = &s.out[len(s.out)-1][5] == next && len(s.out) == 1
		b = s.Buffer(2)
		b = append(b[:cap(b)], '!') // outgrows the space: append moves it
		s.Commit(b[len(b)-1:], nil)
		s.Buffer(segSize)                // no room left: lends a spare segment
		st.emptyErr = s.Commit(nil, nil) // and takes it back
		st.spare = s.spare != nil
		st.pending = s.pending
		got <- st
	})
	st := <-got
	if !st.inPlace[0] || !st.inPlace[1] {
		t.Errorf("output built in place = %v, want both true", st.inPlace)
	}
	if st.emptyErr != nil || st.spare {
		t.Errorf("empty Commit = %v, spare kept %v; want nil, false", st.emptyErr, st.spare)
	}
	if st.pending != len("hello world!") {
		t.Errorf("pending = %d, want %d", st.pending, len("hello world!"))
	}
	buf := make([]byte, 64)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := io.ReadAtLeast(c, buf, len("hello world!"))
	if err != nil || string(buf[:n]) != "hello world!" {
		t.Fatalf("peer read %q, %v; want %q", buf[:n], err, "hello world!")
	}
	onLoop(l, func() {
		s.Close()
		st := state{closedBuffer: s.Buffer(1) == nil}
		st.closedErr = s.Commit([]byte("x"), nil)
		got <- st
	})
	if st := <-got; !st.closedBuffer || !errors.Is(st.closedErr, ErrStreamClosed) {
		t.Errorf("after Close: Buffer nil %v, Commit %v; want true, ErrStreamClosed", st.closedBuffer, st.closedErr)
	}
}

// TestCommitRespectsLimit: Commit fails like Write past MaxWriteBufferSize.
func TestCommitRespectsLimit(t *testing.T) {
	l := startLoop(t)
	s, _ := tcpPair(t, l)
	errc := make(chan error, 1)
	onLoop(l, func() {
		s.MaxWriteBufferSize = 4
		b := append(s.Buffer(8), "too long"...)
		err := s.Commit(b, nil)
		if s.spare != nil || s.pending != 0 {
			t.Errorf("after a refused Commit: spare %v, pending %d", s.spare != nil, s.pending)
		}
		errc <- err
	})
	if err := <-errc; !errors.Is(err, ErrBufferFull) {
		t.Fatalf("Commit past the limit = %v, want ErrBufferFull", err)
	}
}
