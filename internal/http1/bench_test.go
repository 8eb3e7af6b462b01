package http1

import (
	"testing"

	"github.com/gotornado/tornado/httputil"
)

var (
	wrkRequest     = []byte("GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\n\r\n")
	browserRequest = []byte("GET /static/app.js?v=3 HTTP/1.1\r\n" +
		"Host: www.example.com\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
		"Accept-Language: en-US,en;q=0.5\r\n" +
		"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
		"Referer: https://www.example.com/index.html\r\n" +
		"Connection: keep-alive\r\n" +
		"Cookie: session=2f1e8c0a9b7d4e6f; _xsrf=2|8c2b1f0d|a3c9e1|1700000000\r\n" +
		"Upgrade-Insecure-Requests: 1\r\n" +
		"Sec-Fetch-Dest: document\r\n" +
		"\r\n")
)

func benchmarkParse(b *testing.B, raw []byte) {
	var p RequestParser
	var req httputil.ServerRequest
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if n, err := p.Parse(raw, &req); n != len(raw) || err != nil {
			b.Fatalf("Parse = %d, %v", n, err)
		}
	}
}

func BenchmarkParseWrk(b *testing.B)     { benchmarkParse(b, wrkRequest) }
func BenchmarkParseBrowser(b *testing.B) { benchmarkParse(b, browserRequest) }

// BenchmarkParseBytewise measures a head that arrives one byte at a time.
func BenchmarkParseBytewise(b *testing.B) {
	var p RequestParser
	var req httputil.ServerRequest
	b.ReportAllocs()
	b.SetBytes(int64(len(browserRequest)))
	for b.Loop() {
		for i := 1; i <= len(browserRequest); i++ {
			if _, err := p.Parse(browserRequest[:i], &req); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkChunkedDecode(b *testing.B) {
	var body []byte
	chunk := make([]byte, 4096)
	for range 16 {
		body = AppendChunk(body, chunk)
	}
	body = append(body, LastChunk...)
	emit := func([]byte) error { return nil }
	var d ChunkedDecoder
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		d.Reset()
		if n, done, err := d.Decode(body, emit); n != len(body) || !done || err != nil {
			b.Fatalf("Decode = %d, %v, %v", n, done, err)
		}
	}
}

func BenchmarkAppendStatusLine(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendStatusLine(buf[:0], "HTTP/1.1", 200, "")
	}
}
