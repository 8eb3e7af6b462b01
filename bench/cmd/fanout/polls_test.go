package main

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	ok := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
	tests := []struct {
		name   string
		in     string
		done   bool
		err    string
		status int
		body   string
	}{
		{"whole", ok, true, "", 200, "{}"},
		{"head only", ok[:len(ok)-2], false, "", 0, ""},
		{"half a head", ok[:20], false, "", 0, ""},
		{"lower-case length", "HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\nabc", true, "", 404, "abc"},
		{"after a 100", "HTTP/1.1 100 Continue\r\n\r\n" + ok, true, "", 200, "{}"},
		{"a 100 alone", "HTTP/1.1 100 Continue\r\n\r\n", false, "", 0, ""},
		{"no length", "HTTP/1.1 200 OK\r\n\r\n", false, "without a Content-Length", 0, ""},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, "chunked", 0, ""},
		{"extra bytes", ok + "x", false, "bytes after", 0, ""},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", false, "bad Content-Length", 0, ""},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", false, "bad Content-Length", 0, ""},
		{"not HTTP", "SSH-2.0\r\n\r\n", false, "bad status line", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p poll
			done, err := p.parse([]byte(tt.in))
			if done != tt.done || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("parse(%q) = %v, %v; want %v, error with %q", tt.in, done, err, tt.done, tt.err)
			}
			if done && (p.status != tt.status || string(p.body) != tt.body) {
				t.Errorf("parse(%q): status %d, body %q; want %d, %q", tt.in, p.status, p.body, tt.status, tt.body)
			}
		})
	}
}

// FuzzParse checks that no input makes the answer parser panic or claim a
// body longer than the input.
func FuzzParse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"))
	f.Add([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p poll
		done, err := p.parse(b)
		if done && err != nil {
			t.Fatalf("parse(%q) = done with error %v", b, err)
		}
		if done && len(p.body) > len(b) {
			t.Fatalf("parse(%q): body of %d bytes from %d", b, len(p.body), len(b))
		}
	})
}
