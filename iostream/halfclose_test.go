//go:build linux

package iostream

import (
	"io"
	"net"
	"testing"
	"time"
)

// TestSmallFirstWriteTakesSmallSegment: a small answer on an idle stream
// does not pin a large segment while it waits to be written.
func TestSmallFirstWriteTakesSmallSegment(t *testing.T) {
	l := startLoop(t)
	s, _ := tcpPair(t, l)
	caps := make(chan [2]int, 1)
	onLoop(l, func() {
		s.Write([]byte("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n"), nil)
		first := cap(*s.outp[0])
		b := s.Buffer(100) // the head of a next response goes after it
		b = append(b, "more"...)
		s.Commit(b, nil)
		caps <- [2]int{first, len(s.out)}
	})
	if got := <-caps; got[0] != smallSegSize || got[1] != 1 {
		t.Fatalf("segment capacity %d, %d segments; want %d, 1", got[0], got[1], smallSegSize)
	}
}

// TestLargeWriteGoesStraightToKernel: a large write on an idle stream is
// handed to the kernel at once, not copied into the queue first.
func TestLargeWriteGoesStraightToKernel(t *testing.T) {
	l := startLoop(t)
	s, c := tcpPair(t, l)
	const size = 256 << 10
	pending := make(chan int, 1)
	onLoop(l, func() {
		s.Write(make([]byte, size), nil)
		pending <- s.Pending()
	})
	if p := <-pending; p >= size {
		t.Fatalf("Pending() = %d after a %d-byte write, want less: it was queued whole", p, size)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, make([]byte, size)); err != nil {
		t.Fatal(err)
	}
}

// TestPeerShutdownCallback: with a callback, a peer that shuts down its
// sending side is reported, not taken for gone: the stream still writes.
func TestPeerShutdownCallback(t *testing.T) {
	for _, paused := range []bool{false, true} {
		name := "reading"
		if paused {
			name = "paused"
		}
		t.Run(name, func(t *testing.T) {
			l := startLoop(t)
			s, c := tcpPair(t, l)
			shut := make(chan [2]bool, 2)
			onLoop(l, func() {
				s.SetPeerShutdownCallback(func() { shut <- [2]bool{s.ReadEOF(), s.Closed()} })
				s.ReadFunc(func(d []byte) int { return len(d) })
				if paused {
					s.PauseReading()
				}
			})
			c.(*net.TCPConn).CloseWrite()
			var got [2]bool
			select {
			case got = <-shut:
			case <-time.After(5 * time.Second):
				t.Fatal("the peer's shutdown was not reported")
			}
			if got[0] == paused || got[1] {
				t.Fatalf("at the callback ReadEOF = %v, Closed = %v; want %v, false", got[0], got[1], !paused)
			}
			onLoop(l, func() { s.Write([]byte("answer"), nil) })
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 6)
			if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "answer" {
				t.Fatalf("peer read %q, %v; want %q", buf, err, "answer")
			}
		})
	}
}

// TestOutputBudget: the streams sharing a budget account their queued
// output in it, and the relief runs once it falls back.
func TestOutputBudget(t *testing.T) {
	l := startLoop(t)
	s, c := tcpPair(t, l)
	relieved := make(chan struct{}, 1)
	b := &OutputBudget{Limit: 64 << 10, OnRelief: func() { relieved <- struct{}{} }}
	type state struct {
		used, pending int64
		over          bool
	}
	over := make(chan state, 1)
	onLoop(l, func() {
		s.SetOutputBudget(b)
		for range 256 { // more than the kernel takes from a peer that reads nothing
			s.Write(make([]byte, 64<<10), nil)
		}
		over <- state{b.Used(), int64(s.Pending()), b.Over()}
	})
	got := <-over
	if got.used != got.pending || !got.over {
		t.Fatalf("budget Used = %d for %d pending, Over = %v; want equal, true", got.used, got.pending, got.over)
	}
	go io.Copy(io.Discard, c)
	select {
	case <-relieved:
	case <-time.After(10 * time.Second):
		t.Fatal("no relief once the peer read")
	}
	done := make(chan int64, 1)
	onLoop(l, func() { s.Close(); done <- b.Used() })
	if u := <-done; u != 0 {
		t.Fatalf("Used = %d after the stream closed, want 0", u)
	}
}
