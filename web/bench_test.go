package web

import (
	"bytes"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotornado/tornado/httputil"
)

// benchConn is a Connection that counts bytes and keeps nothing.
type benchConn struct {
	code     int
	n        int
	finished bool
}

func (c *benchConn) WriteHeaders(code int, _ string, h *httputil.Header, chunk []byte, cb func(error)) error {
	c.code, c.n = code, h.Len()+len(chunk)
	return nil
}
func (c *benchConn) Write(chunk []byte, cb func(error)) error { c.n += len(chunk); return nil }
func (c *benchConn) Finish() error                            { c.finished = true; return nil }
func (c *benchConn) SetCloseCallback(func())                  {}
func (c *benchConn) AddCallback(f func())                     { f() }

type plainHandler struct{ RequestHandler }

func (h *plainHandler) Get() error {
	_, err := h.WriteString("Hello, world")
	return err
}

type jsonHandler struct{ RequestHandler }

type message struct {
	Message string `json:"message"`
}

func (h *jsonHandler) Get() error { return h.WriteJSON(message{"Hello, world"}) }

// benchServe serves GET uri through app on a reused request and Connection.
func benchServe(b *testing.B, app *Application, uri string) {
	b.Helper()
	req := new(httputil.ServerRequest)
	conn := new(benchConn)
	b.ReportAllocs()
	for b.Loop() {
		req.Reset()
		req.Method, req.URI, req.Path, req.Version = "GET", uri, uri, "HTTP/1.1"
		req.RemoteIP, req.Host, req.HostName, req.Protocol = "127.0.0.1", "localhost", "localhost", "http"
		req.StartTime = time.Time{}
		req.Header.Add("Host", "localhost")
		*conn = benchConn{}
		d := app.StartRequest(conn)
		d.HeadersReceived(req)
		d.Finish()
		if conn.code != 200 || !conn.finished {
			b.Fatalf("GET %s = %d, finished %v", uri, conn.code, conn.finished)
		}
	}
}

func benchApp() *Application {
	return NewApplication([]Rule{
		R[plainHandler](`/plaintext`),
		R[jsonHandler](`/json`),
		R[echoHandler](`/user/([0-9]+)`),
	}, Settings{Logger: slog.New(slog.DiscardHandler)})
}

func BenchmarkPlaintext(b *testing.B) { benchServe(b, benchApp(), "/plaintext") }

func BenchmarkJSON(b *testing.B) { benchServe(b, benchApp(), "/json") }

func BenchmarkRegexpRoute(b *testing.B) { benchServe(b, benchApp(), "/user/42") }

// BenchmarkServerPlaintext serves the plaintext handler through
// httpserver over a loopback connection (16 requests pipelined per write),
// so allocations count the whole path: parsing, routing, the handler and
// the response. The client allocates nothing per request.
func BenchmarkServerPlaintext(b *testing.B) {
	for _, tc := range []struct{ name, path, marker string }{
		{"plaintext", "/plaintext", "Hello, world"},
		{"json", "/json", `{"message":"Hello, world"}`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			const depth = 16
			url := serveLoop(b, benchApp())
			c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			req := bytes.Repeat([]byte("GET "+tc.path+" HTTP/1.1\r\nHost: localhost:8080\r\n\r\n"), depth)
			buf := make([]byte, 64<<10)
			marker := []byte(tc.marker)
			b.ReportAllocs()
			b.ResetTimer()
			for done := 0; done < b.N; done += depth {
				if _, err := c.Write(req); err != nil {
					b.Fatal(err)
				}
				for got := 0; got < depth; {
					n, err := c.Read(buf)
					if err != nil {
						b.Fatal(err)
					}
					got += bytes.Count(buf[:n], marker)
				}
			}
		})
	}
}

// varyingHandler answers a body that changes with every request.
type varyingHandler struct{ RequestHandler }

var varyingCount int

func (h *varyingHandler) Get() error {
	varyingCount++
	var b [20]byte
	_, err := h.Write(strconv.AppendInt(append(b[:0], "n="...), int64(varyingCount), 10))
	return err
}

// bigVaryingHandler answers a changing body of 200 bytes, whose
// Content-Length is not one of strconv's static strings.
type bigVaryingHandler struct{ RequestHandler }

func (h *bigVaryingHandler) Get() error {
	varyingCount++
	var b [200]byte
	copy(b[:], "n=")
	strconv.AppendInt(b[2:2], int64(varyingCount), 10)
	_, err := h.Write(b[:])
	return err
}

// The plaintext and JSON paths, and a body that changes each time (its
// Etag and Content-Length included), allocate nothing per request.
func TestZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items; .ci/run runs this test without it")
	}
	app := NewApplication([]Rule{
		R[plainHandler](`/plaintext`),
		R[jsonHandler](`/json`),
		R[varyingHandler](`/varying`),
		R[bigVaryingHandler](`/bigvarying`),
	}, Settings{Logger: slog.New(slog.DiscardHandler)})
	for _, uri := range []string{"/plaintext", "/json", "/varying", "/bigvarying"} {
		req := new(httputil.ServerRequest)
		conn := new(benchConn)
		serveOnce := func() {
			req.Reset()
			req.Method, req.URI, req.Path, req.Version = "GET", uri, uri, "HTTP/1.1"
			req.RemoteIP, req.Host, req.HostName, req.Protocol = "127.0.0.1", "localhost", "localhost", "http"
			req.Header.Add("Host", "localhost")
			*conn = benchConn{}
			d := app.StartRequest(conn)
			d.HeadersReceived(req)
			d.Finish()
		}
		serveOnce()
		if allocs := testing.AllocsPerRun(200, serveOnce); allocs != 0 {
			t.Errorf("GET %s: %v allocations per request, want 0", uri, allocs)
		}
		if conn.code != 200 || !conn.finished {
			t.Errorf("GET %s = %d, finished %v", uri, conn.code, conn.finished)
		}
	}
}
