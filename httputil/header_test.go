package httputil

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"unsafe"
)

func TestCanonicalKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"content-type", "Content-Type"},
		{"CONTENT-TYPE", "Content-Type"},
		{"Content-Type", "Content-Type"},
		{"x-real-ip", "X-Real-Ip"},
		{"WWW-authenticate", "Www-Authenticate"},
		{"x-custom-header", "X-Custom-Header"},
		{"a", "A"},
		{"-a-", "-A-"},
		{"", ""},
		{"foo bar", "foo bar"},           // not a token: unchanged
		{"content-typé", "content-typé"}, // not a token: unchanged
		{"x_under", "X_under"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := CanonicalKey(tt.in); got != tt.want {
				t.Errorf("CanonicalKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCanonicalKeyNoAlloc(t *testing.T) {
	for _, s := range []string{"Content-Type", "X-Custom-Header", "content-length", "host"} {
		if n := testing.AllocsPerRun(100, func() { _ = CanonicalKey(s) }); n != 0 {
			t.Errorf("CanonicalKey(%q) allocs = %v, want 0", s, n)
		}
	}
	s := "X-Already-Canonical"
	if got := CanonicalKey(s); unsafe.StringData(got) != unsafe.StringData(s) {
		t.Errorf("CanonicalKey(%q) did not return its argument", s)
	}
}

func TestHeader(t *testing.T) {
	var h Header
	h.Add("content-type", "text/plain")
	h.Add("X-Multi", "1")
	h.Add("x-multi", "2")
	h.Add("Host", "example.com")

	if got, want := h.Get("CONTENT-TYPE"), "text/plain"; got != want {
		t.Errorf("Get(%q) = %q, want %q", "CONTENT-TYPE", got, want)
	}
	if got, want := h.Values("x-MULTI"), []string{"1", "2"}; !slices.Equal(got, want) {
		t.Errorf("Values(%q) = %q, want %q", "x-MULTI", got, want)
	}
	if got := h.Get("missing"); got != "" {
		t.Errorf("Get(%q) = %q, want %q", "missing", got, "")
	}
	if got := h.Values("missing"); got != nil {
		t.Errorf("Values(%q) = %q, want nil", "missing", got)
	}
	if !h.Has("host") || h.Has("hos") {
		t.Errorf("Has: got %v/%v, want true/false", h.Has("host"), h.Has("hos"))
	}
	if got, want := h.Len(), 4; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}

	var names []string
	for k, v := range h.All() {
		names = append(names, k+"="+v)
	}
	want := []string{"Content-Type=text/plain", "X-Multi=1", "X-Multi=2", "Host=example.com"}
	if !slices.Equal(names, want) {
		t.Errorf("All() = %q, want %q", names, want)
	}
	for range h.All() {
		break // stopping early must not panic
	}

	h.Set("x-multi", "3")
	if got, want := h.Values("X-Multi"), []string{"3"}; !slices.Equal(got, want) {
		t.Errorf("after Set, Values = %q, want %q", got, want)
	}
	if got, want := string(h.AppendTo(nil)), "Content-Type: text/plain\r\nX-Multi: 3\r\nHost: example.com\r\n"; got != want {
		t.Errorf("AppendTo = %q, want %q", got, want)
	}
	h.Set("New", "v")
	if got := h.Get("new"); got != "v" {
		t.Errorf("Set new: Get = %q, want %q", got, "v")
	}

	c := h.Clone()
	h.Del("HOST")
	if h.Has("Host") || !c.Has("Host") {
		t.Errorf("Del/Clone: h.Has = %v, clone.Has = %v, want false, true", h.Has("Host"), c.Has("Host"))
	}
	c.Set("Content-Type", "x")
	if h.Get("Content-Type") != "text/plain" {
		t.Errorf("Clone shares storage with the original")
	}
	h.Reset()
	if h.Len() != 0 || h.Get("Content-Type") != "" {
		t.Errorf("Reset left %d fields", h.Len())
	}
	if (*Header)(nil).Clone() != nil {
		t.Errorf("nil Clone != nil")
	}
}

func TestValidHeaderNameValue(t *testing.T) {
	names := []struct {
		in   string
		want bool
	}{
		{"Content-Type", true}, {"x!#$%&'*+-.^_`|~9", true}, {"", false},
		{"a b", false}, {"a:b", false}, {"a\x00", false}, {"é", false}, {"(x)", false},
	}
	for _, tt := range names {
		if got := ValidHeaderName(tt.in); got != tt.want {
			t.Errorf("ValidHeaderName(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	values := []struct {
		in   string
		want bool
	}{
		{"", true}, {"text/html; charset=utf-8", true}, {"a\tb", true}, {"caf\xc3\xa9", true},
		{"a\r\nb", false}, {"a\nb", false}, {"a\x00", false}, {"a\x7f", false}, {"\x1b[31m", false},
	}
	for _, tt := range values {
		if got := ValidHeaderValue(tt.in); got != tt.want {
			t.Errorf("ValidHeaderValue(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestValidHeaderValueWords checks the word-at-a-time scan against the
// byte loop: every byte value at every position, on backgrounds that sit
// next to the edges of the checked ranges.
func TestValidHeaderValueWords(t *testing.T) {
	for _, bg := range []byte{'a', ' ', '\t', 0x7e, 0x80, 0xff} {
		for n := 1; n <= 19; n++ {
			for pos := 0; pos < n; pos++ {
				for c := 0; c < 256; c++ {
					b := bytes.Repeat([]byte{bg}, n)
					b[pos] = byte(c)
					if got, want := ValidHeaderValue(string(b)), validValueBytes(string(b)); got != want {
						t.Fatalf("ValidHeaderValue(%q) = %v, want %v", b, got, want)
					}
				}
			}
		}
	}
}

func FuzzValidHeaderValue(f *testing.F) {
	f.Add("text/html; charset=UTF-8")
	f.Add("a\tb\x7f\x1fcdefghijklmn")
	f.Fuzz(func(t *testing.T, v string) {
		if got, want := ValidHeaderValue(v), validValueBytes(v); got != want {
			t.Fatalf("ValidHeaderValue(%q) = %v, want %v", v, got, want)
		}
	})
}

func TestHeaderReuseNoAlloc(t *testing.T) {
	var h Header
	n := testing.AllocsPerRun(100, headerCycle(&h))
	if n != 0 {
		t.Errorf("Header Add/Get/Reset cycle allocs = %v, want 0", n)
	}
}

func headerCycle(h *Header) func() {
	return func() {
		h.Add("host", "example.com")
		h.Add("User-Agent", "bench")
		h.Add("accept", "*/*")
		h.Add("X-Custom-Header", "1")
		h.Add("content-length", "0")
		_ = h.Get("Content-Length")
		_ = h.Get("x-custom-header")
		_ = h.Has("Cookie")
		h.Reset()
	}
}

func BenchmarkHeaderCycle(b *testing.B) {
	b.ReportAllocs()
	var h Header
	f := headerCycle(&h)
	for b.Loop() {
		f()
	}
}

func BenchmarkCanonicalKey(b *testing.B) {
	for _, s := range []string{"Content-Type", "content-type", "x-custom-header"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = CanonicalKey(s)
			}
		})
	}
}

func TestHeaderChecked(t *testing.T) {
	var h Header
	if err := h.AddChecked("X-Good", "a\tb"); err != nil {
		t.Fatalf("AddChecked(X-Good) = %v", err)
	}
	for _, tc := range []struct{ name, value string }{{"X-Bad", "a\r\nb"}, {"X Bad", "a"}, {"", "a"}, {"X-Nul", "a\x00"}} {
		if err := h.AddChecked(tc.name, tc.value); !errors.Is(err, ErrUnsafeHeader) {
			t.Errorf("AddChecked(%q, %q) = %v, want ErrUnsafeHeader", tc.name, tc.value, err)
		}
		if err := h.SetChecked(tc.name, tc.value); !errors.Is(err, ErrUnsafeHeader) {
			t.Errorf("SetChecked(%q, %q) = %v, want ErrUnsafeHeader", tc.name, tc.value, err)
		}
	}
	h.Add("X-Plain", "p")
	if h.Len() != 2 || !h.Checked(0) || h.Checked(1) {
		t.Fatalf("after AddChecked and Add: %d fields, checked %v %v", h.Len(), h.Checked(0), h.Checked(1))
	}
	h.Set("X-Good", "changed") // an unchecked change clears the mark
	if h.Checked(0) {
		t.Error("Set kept the checked mark")
	}
	if err := h.SetChecked("x-plain", "q"); err != nil || !h.Checked(1) || h.Get("X-Plain") != "q" {
		t.Errorf("SetChecked(x-plain) = %v, checked %v, value %q", err, h.Checked(1), h.Get("X-Plain"))
	}
	var c Header
	c.Add("Old", "1")
	c.CopyFrom(&h)
	if c.Len() != 2 || c.Checked(0) || !c.Checked(1) || c.Get("Old") != "" {
		t.Errorf("CopyFrom: %d fields, checked %v %v", c.Len(), c.Checked(0), c.Checked(1))
	}
}

func TestHeaderFrom(t *testing.T) {
	var src Header
	src.AddChecked("Content-Type", "application/json")
	var h Header
	h.Add("Server", "s")
	h.Add("Content-Type", "text/html")
	h.Add("content-type", "again")
	h.SetFrom(&src)
	if h.Len() != 2 || h.Get("Content-Type") != "application/json" || !h.Checked(1) || h.Checked(0) {
		t.Errorf("SetFrom: %d fields, Content-Type %q, checked %v %v", h.Len(), h.Get("Content-Type"), h.Checked(0), h.Checked(1))
	}
	h.AddFrom(&src)
	if vs := h.Values("Content-Type"); len(vs) != 2 || !h.Checked(2) {
		t.Errorf("AddFrom: Content-Type %q, checked %v", vs, h.Checked(2))
	}
}
