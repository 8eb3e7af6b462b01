package http1

import (
	"bytes"
	"testing"

	"github.com/gotornado/tornado/httputil"
)

// parseWith parses data in pieces: data[:k] for each k in cuts, then all
// of it, on a parser with the given limits, stopping at the first result
// other than "need more".
func parseWith(limits RequestParser, data []byte, cuts ...int) parsed {
	p := limits
	var req httputil.ServerRequest
	for _, k := range append(cuts, len(data)) {
		k = min(k, len(data))
		n, err := p.Parse(data[:k], &req)
		if n > 0 || err != nil || k == len(data) {
			return snapshot(&p, &req, n, err)
		}
	}
	return parsed{}
}

func FuzzRequestParser(f *testing.F) {
	for _, tt := range acceptedRequests {
		f.Add([]byte(tt.raw), uint16(7), false)
	}
	for _, tt := range rejectedRequests {
		if len(tt.raw) < 512 {
			f.Add([]byte(tt.raw), uint16(3), true)
		}
	}
	f.Add(browserRequest, uint16(100), false)
	f.Fuzz(func(t *testing.T, data []byte, cut uint16, small bool) {
		limits := RequestParser{}
		if small {
			limits = RequestParser{MaxRequestLineSize: 40, MaxHeaderSize: 200}
		}
		whole := parseWith(limits, data)
		if whole.status < 0 || whole.n < 0 || whole.n > len(data) {
			t.Fatalf("Parse(%q) = %v", data, whole)
		}
		if whole.n > 0 {
			if !bytes.HasSuffix(data[:whole.n], []byte("\r\n\r\n")) && !bytes.Equal(data[:whole.n], []byte("\r\n")) {
				t.Fatalf("Parse(%q) consumed %d bytes, not ending in an empty line", data, whole.n)
			}
			checkRequest(t, data, whole)
		}
		if len(data) > 0 {
			k := int(cut) % (len(data) + 1)
			if got := parseWith(limits, data, k); got.String() != whole.String() {
				t.Fatalf("split at %d %q\n got %v\nwant %v", k, data, got, whole)
			}
			if got := parseWith(limits, data, k/2, k); got.String() != whole.String() {
				t.Fatalf("split at %d, %d %q\n got %v\nwant %v", k/2, k, data, got, whole)
			}
		}
		if len(data) <= 1024 {
			cuts := make([]int, len(data))
			for i := range cuts {
				cuts[i] = i + 1
			}
			if got := parseWith(limits, data, cuts...); got.String() != whole.String() {
				t.Fatalf("byte by byte %q\n got %v\nwant %v", data, got, whole)
			}
		}
		// A reused parser gives the same answer from its caches.
		p := limits
		var req httputil.ServerRequest
		for range 2 {
			n, err := p.Parse(data, &req)
			if got := snapshot(&p, &req, n, err); got.String() != whole.String() {
				t.Fatalf("reused parser %q\n got %v\nwant %v", data, got, whole)
			}
		}
	})
}

// checkRequest checks what an accepted request must look like.
func checkRequest(t *testing.T, data []byte, r parsed) {
	t.Helper()
	if r.version != "HTTP/1.1" && r.version != "HTTP/1.0" {
		t.Fatalf("Parse(%q) version %q", data, r.version)
	}
	if !isTokenString(r.method) || r.uri == "" || r.path+"?"+r.query != r.uri && r.path != r.uri {
		t.Fatalf("Parse(%q) = %v: bad request line", data, r)
	}
	for _, c := range []byte(r.uri) {
		if !targetChars[c] {
			t.Fatalf("Parse(%q) URI %q", data, r.uri)
		}
	}
	for _, f := range r.header {
		name, value, _ := bytes.Cut([]byte(f), []byte(": "))
		if !isToken(name) || httputil.CanonicalKey(string(name)) != string(name) || !validValue(value) ||
			len(trimOWS(value)) != len(value) {
			t.Fatalf("Parse(%q) field %q", data, f)
		}
	}
}

func FuzzChunkedDecoder(f *testing.F) {
	for _, tt := range chunkedCases {
		if len(tt.raw) < 512 {
			f.Add([]byte(tt.raw), uint16(5), uint16(0))
		}
	}
	f.Add([]byte("3;x=\"y\"\r\nabc\r\n0\r\nA: b\r\n\r\n"), uint16(4), uint16(9))
	f.Fuzz(func(t *testing.T, data []byte, cut uint16, limit uint16) {
		d := ChunkedDecoder{MaxBodySize: int64(limit), MaxTrailerSize: int(limit)}
		whole := decodeWhole(d, data)
		if whole.status < 0 || whole.consumed < 0 || whole.consumed > len(data) {
			t.Fatalf("Decode(%q) = %+v", data, whole)
		}
		if whole.status == 0 && !whole.done && whole.consumed != len(data) {
			t.Fatalf("Decode(%q) = %+v: stopped early without finishing", data, whole)
		}
		if whole.done {
			// The decoded body, encoded again, decodes to the same body.
			enc := append(AppendChunk(nil, []byte(whole.body)), LastChunk...)
			if again := decodeWhole(ChunkedDecoder{MaxBodySize: -1}, enc); again.body != whole.body || !again.done {
				t.Fatalf("re-encoding %q: got %+v", whole.body, again)
			}
		}
		k := 0
		if len(data) > 0 {
			k = int(cut) % (len(data) + 1)
		}
		if got := decodeChunks(d, data, k); got != whole {
			t.Fatalf("split at %d %q = %+v, want %+v", k, data, got, whole)
		}
		if len(data) <= 1024 {
			if got := decodeBytewise(d, data); got != whole {
				t.Fatalf("byte by byte %q = %+v, want %+v", data, got, whole)
			}
		}
	})
}

func FuzzResponseParser(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: a\r\n b\r\n\r\nhello"), uint16(20))
	f.Add([]byte("HTTP/1.0 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"), uint16(3))
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		var p ResponseParser
		whole := parseResponse(&p, data)
		if whole.status < 0 || whole.n > len(data) {
			t.Fatalf("Parse(%q) = %+v", data, whole)
		}
		if len(data) == 0 {
			return
		}
		k := int(cut) % (len(data) + 1)
		var q ResponseParser
		got := parseResponse(&q, data[:k])
		if got.n == 0 && got.status == 0 {
			got = parseResponse(&q, data)
		}
		if a, b := got, whole; a.n != b.n || a.status != b.status || a.code != b.code || a.reason != b.reason ||
			a.kind != b.kind || a.length != b.length || a.keepAlive != b.keepAlive || len(a.header) != len(b.header) {
			t.Fatalf("split at %d %q = %+v, want %+v", k, data, got, whole)
		}
	})
}
