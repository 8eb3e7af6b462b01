package http1

import (
	"strconv"
	"testing"

	"github.com/gotornado/tornado/httputil"
)

func TestAppendStatusLine(t *testing.T) {
	for _, tt := range []struct {
		version string
		code    int
		reason  string
		want    string
	}{
		{"HTTP/1.1", 200, "", "HTTP/1.1 200 OK\r\n"},
		{"HTTP/1.1", 200, "OK", "HTTP/1.1 200 OK\r\n"},
		{"HTTP/1.1", 404, "Not Found", "HTTP/1.1 404 Not Found\r\n"},
		{"HTTP/1.1", 404, "Gone Away", "HTTP/1.1 404 Gone Away\r\n"},
		{"HTTP/1.1", 100, "", "HTTP/1.1 100 Continue\r\n"},
		{"HTTP/1.1", 413, "", "HTTP/1.1 413 Request Entity Too Large\r\n"},
		{"HTTP/1.1", 418, "", "HTTP/1.1 418 I'm a Teapot\r\n"},
		{"HTTP/1.1", 420, "", "HTTP/1.1 420 Unknown\r\n"},
		{"HTTP/1.1", 42, "", "HTTP/1.1 42 Unknown\r\n"},
		{"HTTP/1.0", 404, "", "HTTP/1.0 404 Not Found\r\n"},
		{"HTTP/1.1", 599, "", "HTTP/1.1 599 Unknown\r\n"},
		{"HTTP/1.1", 682, "Foo", "HTTP/1.1 682 Foo\r\n"},
		{"HTTP/1.1", 200, "Fine\tThanks", "HTTP/1.1 200 Fine\tThanks\r\n"},
		{"HTTP/1.1", 200, "Caf\u00e9", "HTTP/1.1 200 Caf\u00e9\r\n"},
		{"HTTP/1.1", 302, "a\r\nSet-Cookie: x", "HTTP/1.1 302 Unknown\r\n"},
		{"HTTP/1.0", 200, "OK\nX-Injection: 1", "HTTP/1.0 200 Unknown\r\n"},
		{"HTTP/1.1", 400, "<script>alert(1)</script>", "HTTP/1.1 400 Unknown\r\n"},
		{"HTTP/1.1", 200, "\u65e5\u672c", "HTTP/1.1 200 Unknown\r\n"},
	} {
		if got := string(AppendStatusLine([]byte(nil), tt.version, tt.code, tt.reason)); got != tt.want {
			t.Errorf("AppendStatusLine(%q, %d, %q) = %q, want %q", tt.version, tt.code, tt.reason, got, tt.want)
		}
	}
}

func TestStatusLinesTable(t *testing.T) {
	// The precomputed lines and the slow path write the same bytes.
	for code := 100; code < 600; code++ {
		reason := httputil.StatusText(code)
		want := "HTTP/1.1 " + strconv.Itoa(code) + " " + httputil.Reason(code, "") + "\r\n"
		for _, r := range []string{"", reason} {
			if got := string(AppendStatusLine(nil, "HTTP/1.1", code, r)); got != want {
				t.Errorf("AppendStatusLine(%q, %d, %q) = %q, want %q", "HTTP/1.1", code, r, got, want)
			}
		}
	}
}

func TestAppendStatusLineNoAlloc(t *testing.T) {
	buf := make([]byte, 0, 128)
	n := testing.AllocsPerRun(100, func() {
		buf = AppendStatusLine(buf[:0], "HTTP/1.1", 200, "")
		buf = AppendStatusLine(buf[:0], "HTTP/1.1", 299, "Custom")
		buf = AppendStatusLine(buf[:0], "HTTP/1.1", 302, "a\r\nb")
	})
	if n != 0 {
		t.Errorf("AppendStatusLine allocs = %v, want 0", n)
	}
}
