package httputil

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestStatusText(t *testing.T) {
	// Python 3.11's http.HTTPStatus phrases, which Tornado sends.
	for _, tt := range []struct {
		code int
		want string
	}{
		{100, "Continue"},
		{200, "OK"},
		{204, "No Content"},
		{304, "Not Modified"},
		{404, "Not Found"},
		{413, "Request Entity Too Large"},
		{414, "Request-URI Too Long"},
		{416, "Requested Range Not Satisfiable"},
		{418, "I'm a Teapot"},
		{422, "Unprocessable Entity"},
		{431, "Request Header Fields Too Large"},
		{505, "HTTP Version Not Supported"},
		{306, ""},
		{599, ""},
		{0, ""},
		{-1, ""},
		{600, ""},
		{1000, ""},
	} {
		if got := StatusText(tt.code); got != tt.want {
			t.Errorf("StatusText(%d) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestReason(t *testing.T) {
	// Cases from Tornado 6.5.3's StatusReasonTest and the reason-phrase
	// grammar it checks (HTAB / SP / VCHAR / obs-text, no '<').
	for _, tt := range []struct {
		code   int
		reason string
		want   string
	}{
		{200, "", "OK"},
		{413, "", "Request Entity Too Large"},
		{599, "", "Unknown"},
		{682, "", "Unknown"},
		{42, "", "Unknown"},
		{682, "Foo", "Foo"},
		{404, "Gone Away", "Gone Away"},
		{200, "Fine\tThanks", "Fine\tThanks"},
		{200, " ", " "},
		{200, "\t", "\t"},
		{200, "~!#$%&'()*+,-./:;=>?@[\\]^_`{|}", "~!#$%&'()*+,-./:;=>?@[\\]^_`{|}"},
		{200, "Caf\u00e9", "Caf\u00e9"},
		{200, "\u00ff\u0080\u0085", "\u00ff\u0080\u0085"},
		{200, "OK\r\nX-Injection: injected", "Unknown"},
		{200, "OK\nX", "Unknown"},
		{200, "OK\rX", "Unknown"},
		{200, "a\x00b", "Unknown"},
		{200, "a\x7fb", "Unknown"},
		{200, "\x1f", "Unknown"},
		{400, "<script>alert(1)</script>", "Unknown"},
		{400, "a<b", "Unknown"},
		{400, "a>b", "a>b"},
		{200, "\u65e5\u672c", "Unknown"},
		{200, "\u0100", "Unknown"},
		{200, "\ufffd", "Unknown"},
		{200, "caf\xe9", "Unknown"},
		{200, "\xc3", "Unknown"},
	} {
		if got := Reason(tt.code, tt.reason); got != tt.want {
			t.Errorf("Reason(%d, %q) = %q, want %q", tt.code, tt.reason, got, tt.want)
		}
	}
}

func TestReasonNoAlloc(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		_ = Reason(200, "")
		_ = Reason(299, "Custom Thing")
		_ = Reason(200, "bad\r\n")
	})
	if n != 0 {
		t.Errorf("Reason allocs = %v, want 0", n)
	}
}

func FuzzReason(f *testing.F) {
	for _, s := range []string{"", "OK", "Fine\tThanks", "a\r\nb", "<b>", "Caf\u00e9", "\u65e5", "\xff", "\x7f"} {
		f.Add(200, s)
	}
	f.Add(599, "")
	f.Fuzz(func(t *testing.T, code int, reason string) {
		got := Reason(code, reason)
		if got == "" {
			t.Fatalf("Reason(%d, %q) = %q, want a phrase", code, reason, got)
		}
		if got != reason && got != "Unknown" && got != StatusText(code) {
			t.Errorf("Reason(%d, %q) = %q, want the reason, StatusText or Unknown", code, reason, got)
		}
		if strings.ContainsAny(got, "\r\n<\x7f") || !utf8.ValidString(got) {
			t.Errorf("Reason(%d, %q) = %q, which holds CR, LF, '<', DEL or invalid UTF-8", code, reason, got)
		}
		for _, r := range got {
			if r < ' ' && r != '\t' || r > 0xff {
				t.Errorf("Reason(%d, %q) = %q, which holds %U", code, reason, got, r)
			}
		}
	})
}

func BenchmarkReason(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Reason(299, "A Custom Reason Phrase")
	}
}
