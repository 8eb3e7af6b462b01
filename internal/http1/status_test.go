package http1

import "testing"

func TestStatusText(t *testing.T) {
	for code, want := range map[int]string{
		100: "Continue", 200: "OK", 204: "No Content", 301: "Moved Permanently", 304: "Not Modified",
		400: "Bad Request", 404: "Not Found", 413: "Content Too Large", 414: "URI Too Long",
		418: "I'm a Teapot", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
		505: "HTTP Version Not Supported", 599: "", 0: "", 306: "",
	} {
		if got := StatusText(code); got != want {
			t.Errorf("StatusText(%d) = %q, want %q", code, got, want)
		}
	}
}

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
		{"HTTP/1.1", 420, "", "HTTP/1.1 420 Unknown\r\n"},
		{"HTTP/1.1", 42, "", "HTTP/1.1 42 Unknown\r\n"},
		{"HTTP/1.0", 404, "", "HTTP/1.0 404 Not Found\r\n"},
		{"HTTP/1.1", 599, "", "HTTP/1.1 599 Unknown\r\n"},
		{"HTTP/1.1", 200, "Fine\tThanks", "HTTP/1.1 200 Fine\tThanks\r\n"},
		{"HTTP/1.1", 302, "a\r\nSet-Cookie: x", "HTTP/1.1 302 a  Set-Cookie: x\r\n"},
	} {
		if got := string(AppendStatusLine([]byte(nil), tt.version, tt.code, tt.reason)); got != tt.want {
			t.Errorf("AppendStatusLine(%q, %d, %q) = %q, want %q", tt.version, tt.code, tt.reason, got, tt.want)
		}
	}
}
