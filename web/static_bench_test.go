package web

import (
	"bufio"
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gotornado/tornado/httputil"
)

// BenchmarkStatic10KB serves one file of 10 KB over a loopback connection,
// one keep-alive request at a time, through StaticFileHandler on
// httpserver and through net/http's http.FileServer, with the same client
// (which allocates nothing itself).
func BenchmarkStatic10KB(b *testing.B) {
	dir := b.TempDir()
	body := strings.Repeat("0123456789abcdef", 640) // 10240 bytes
	if err := os.WriteFile(filepath.Join(dir, "file.txt"), []byte(body), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Run("gotornado", func(b *testing.B) {
		app := NewApplication(nil, Settings{StaticPath: dir, Logger: slog.New(slog.DiscardHandler)})
		base := serveLoop(b, app)
		benchGet(b, base, "/static/file.txt", len(body))
	})
	b.Run("nethttp", func(b *testing.B) {
		srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
		defer srv.Close()
		benchGet(b, srv.URL, "/file.txt", len(body))
	})
}

// benchGet sends GET path to base over one connection b.N times, checking
// each response is a 200 with want bytes of body.
func benchGet(b *testing.B, base, path string, want int) {
	b.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
	br := bufio.NewReaderSize(c, 64<<10)
	b.SetBytes(int64(want))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		code, n, err := readBenchResponse(br)
		if err != nil || code != 200 || n != want {
			b.Fatalf("GET %s = %d with %d bytes, %v", path, code, n, err)
		}
	}
}

// readBenchResponse reads one response with a Content-Length from br,
// without allocating, and returns its status and body length.
func readBenchResponse(br *bufio.Reader) (code, n int, err error) {
	n = -1
	for first := true; ; first = false {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, 0, err
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case first && len(line) >= 12:
			code = int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
		case len(line) == 0:
			if n < 0 {
				return code, 0, http.ErrMissingContentLength
			}
			_, err := br.Discard(n)
			return code, n, err
		case len(line) > 15 && bytes.EqualFold(line[:15], []byte("Content-Length:")):
			n = 0
			for _, c := range bytes.TrimSpace(line[15:]) {
				n = n*10 + int(c-'0')
			}
		}
	}
}

// BenchmarkGzip compresses a 10 KB text response for a client that
// accepts gzip, on an in-memory Connection.
func BenchmarkGzip(b *testing.B) {
	text := gzipText(10 << 10)
	app := NewApplication([]Rule{
		fn(`/text`, func(h *funcHandler) error {
			_, err := h.WriteString(text)
			return err
		}),
	}, Settings{CompressResponse: true, Logger: slog.New(slog.DiscardHandler)})
	req := new(httputil.ServerRequest)
	conn := new(benchConn)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		req.Reset()
		req.Method, req.URI, req.Path, req.Version = "GET", "/text", "/text", "HTTP/1.1"
		req.RemoteIP, req.Host, req.HostName, req.Protocol = "127.0.0.1", "localhost", "localhost", "http"
		req.StartTime = time.Time{}
		req.Header.Add("Host", "localhost")
		req.Header.Add("Accept-Encoding", "gzip, deflate, br")
		*conn = benchConn{}
		d := app.StartRequest(conn)
		d.HeadersReceived(req)
		d.Finish()
		if conn.code != 200 || !conn.finished || conn.n > len(text)/2+1000 {
			b.Fatalf("GET /text = %d, finished %v, %d bytes", conn.code, conn.finished, conn.n)
		}
	}
}
