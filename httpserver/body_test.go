package httpserver

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gotornado/tornado/httputil"
	"github.com/gotornado/tornado/ioloop"
)

// bodyApp is a delegate that steers its body through the connection's
// httputil.BodyController: a limit set from HeadersReceived, and a pause
// after every piece, resumed from a timer.
type bodyApp struct {
	maxBody   int64
	pause     time.Duration
	longPause time.Duration // the first pause, if set
	got       chan int64    // the body bytes seen, when Finish comes
}

func (a *bodyApp) StartRequest(c httputil.Connection) httputil.MessageDelegate {
	return &bodyReq{app: a, conn: c, bc: c.(httputil.BodyController)}
}

type bodyReq struct {
	app     *bodyApp
	conn    httputil.Connection
	bc      httputil.BodyController
	n       int64
	paused  bool
	resumes int
}

func (r *bodyReq) HeadersReceived(*httputil.ServerRequest) error {
	if r.app.maxBody > 0 {
		r.bc.SetMaxBodySize(r.app.maxBody)
	}
	return nil
}

func (r *bodyReq) DataReceived(b []byte) error {
	if r.paused {
		panic("a piece arrived while the body was paused")
	}
	r.n += int64(len(b))
	if r.app.pause > 0 {
		d := r.app.pause
		if r.resumes == 0 && r.app.longPause > 0 {
			d = r.app.longPause
		}
		r.paused = true
		r.bc.PauseBody()
		r.conn.(interface{ Loop() *ioloop.Loop }).Loop().CallLater(d, func() {
			r.paused = false
			r.resumes++
			r.bc.ResumeBody()
		})
	}
	return nil
}

func (r *bodyReq) Finish() {
	if r.paused {
		panic("Finish came while the body was paused")
	}
	r.app.got <- r.n
	respond(r.conn, 200, "got it")
}

func (r *bodyReq) OnConnectionClose() {}

// TestPausedBodyReadInStepsAndNotTimedOut: a body the application pauses
// after every piece arrives whole, Finish comes after the last resume,
// and a pause longer than the BodyTimeout does not earn a 408.
func TestPausedBodyReadInStepsAndNotTimedOut(t *testing.T) {
	app := &bodyApp{pause: 2 * time.Millisecond, longPause: 2500 * time.Millisecond, got: make(chan int64, 1)}
	addr := serve(t, &Server{Handler: app, BodyTimeout: time.Second})
	const size = 4 << 20
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		c.Write([]byte("PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: " + itoa(size) + "\r\n\r\n"))
		c.Write(bytes.Repeat([]byte("z"), size))
	}()
	c.SetReadDeadline(time.Now().Add(60 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	if n := <-app.got; n != size {
		t.Fatalf("the delegate saw %d body bytes, want %d", n, size)
	}
}

// TestPerRequestBodyLimit: a limit set from HeadersReceived answers a
// larger declared body with 413 before reading it, and a larger chunked
// body once it passes the limit.
func TestPerRequestBodyLimit(t *testing.T) {
	app := &bodyApp{maxBody: 100, got: make(chan int64, 1)}
	addr := serve(t, &Server{Handler: app})
	for _, req := range []string{
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n80\r\n" + strings.Repeat("a", 128) + "\r\n0\r\n\r\n",
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(req))
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 413 {
			t.Fatalf("%q: status %d, want 413", req[:40], resp.StatusCode)
		}
	}
	// Within the limit the body is read.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + strings.Repeat("b", 100)))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("within the limit: %v, %v", resp, err)
	}
}
