package httpserver

import (
	"bytes"
	"net"
	"testing"

	"github.com/gotornado/tornado/httputil"
)

// plainApp answers every request with a fixed plaintext body, reusing one
// delegate and one header, so that the benchmark measures the server.
type plainApp struct {
	conn httputil.Connection
	h    httputil.Header
	body []byte
}

func (a *plainApp) StartRequest(c httputil.Connection) httputil.MessageDelegate {
	a.conn = c
	return a
}

func (a *plainApp) HeadersReceived(*httputil.ServerRequest) error { return nil }
func (a *plainApp) DataReceived([]byte) error                     { return nil }
func (a *plainApp) OnConnectionClose()                            {}

func (a *plainApp) Finish() {
	a.h.Reset()
	a.h.Set("Content-Type", "text/plain")
	a.h.Set("Content-Length", "13")
	a.conn.WriteHeaders(200, "", &a.h, a.body, nil)
	a.conn.Finish()
}

// BenchmarkServerPlaintext sends pipelined requests over one loopback
// connection and reads the responses; allocations count the server's
// whole request path (the client allocates nothing per request).
func BenchmarkServerPlaintext(b *testing.B) {
	for _, depth := range []int{1, 16} {
		b.Run("pipeline="+itoa(depth), func(b *testing.B) {
			addr := serve(b, &Server{Handler: &plainApp{body: []byte("Hello, World!")}})
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			req := bytes.Repeat([]byte("GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\n\r\n"), depth)
			buf := make([]byte, 64<<10)
			marker := []byte("Hello, World!")
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
