package httputil

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseCookies(t *testing.T) {
	// Cases from Tornado's httputil_test.ParseCookieTest and Django's cookie tests.
	tests := []struct {
		in   string
		want map[string]string
	}{
		{"", map[string]string{}},
		{"chips=ahoy; vienna=finger", map[string]string{"chips": "ahoy", "vienna": "finger"}},
		{`keebler="E=mc2; L=\"Loves\"; fudge=\012;"`, map[string]string{"keebler": `"E=mc2`, "L": `\"Loves\"`, "fudge": `\012`, "": `"`}},
		{"keebler=E=mc2", map[string]string{"keebler": "E=mc2"}},
		{"key:term=value:term", map[string]string{"key:term": "value:term"}},
		{"a=b; c=[; d=r; f=h", map[string]string{"a": "b", "c": "[", "d": "r", "f": "h"}},
		{"a=b; =c; d=", map[string]string{"a": "b", "": "c", "d": ""}},
		{"  a  =  b  ;;; c", map[string]string{"a": "b", "": "c"}},
		{"nothing", map[string]string{"": "nothing"}},
		{"a=1; a=2", map[string]string{"a": "2"}},
		{`q="a\"b\\c"; o="\303\251t\351"`, map[string]string{"q": `a"b\c`, "o": "Ã©té"}},
		{`s=""; t="x`, map[string]string{"s": "", "t": `"x`}},
		{"unicode=caf\xc3\xa9", map[string]string{"unicode": "café"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := ParseCookies(tt.in); !maps.Equal(got, tt.want) {
				t.Errorf("ParseCookies(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCookieString(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	tests := []struct {
		c       Cookie
		want    string
		wantErr bool
	}{
		{Cookie{Name: "a", Value: "b"}, "a=b", false},
		{Cookie{Name: "sid", Value: "", Path: "/", Domain: "example.com", Expires: exp, MaxAge: 60,
			HTTPOnly: true, Secure: true, SameSite: "lax", Partitioned: true},
			`sid=""; Path=/; Domain=example.com; Expires=Wed, 02 Jan 2030 02:04:05 GMT; Max-Age=60; HttpOnly; Secure; SameSite=Lax; Partitioned`, false},
		{Cookie{Name: "d", Value: "x", MaxAge: -1, SameSite: "STRICT"}, "d=x; Max-Age=0; SameSite=Strict", false},
		{Cookie{Name: "q", Value: `"quoted"`, SameSite: "None", Secure: true}, `q="\"quoted\""; Secure; SameSite=None`, false},
		{Cookie{Name: "tok", Value: "YWJj|1234|abc=="}, `tok="YWJj|1234|abc=="`, false},
		{Cookie{Name: "tok", Value: "2|1:0|10:1700000000|4:user|8:YWxpY2U|abc"}, "tok=2|1:0|10:1700000000|4:user|8:YWxpY2U|abc", false},
		{Cookie{Name: "key:term", Value: "value:term"}, "key:term=value:term", false},
		{Cookie{Name: "a", Value: "x;y"}, `a="x\073y"`, false},
		{Cookie{Name: "a", Value: "x,y"}, `a="x\054y"`, false},
		{Cookie{Name: "a", Value: `x"y`}, `a="x\"y"`, false},
		{Cookie{Name: "a", Value: `x\y`}, `a="x\\y"`, false},
		{Cookie{Name: "a", Value: `a,b"c;d\e`}, `a="a\054b\"c\073d\\e"`, false},
		{Cookie{Name: "a", Value: "()/<=>?@[]{}"}, `a="()/<=>?@[]{}"`, false},
		{Cookie{Name: "a", Value: "\x7f"}, `a="\177"`, false},
		{Cookie{Name: "a", Value: "caf\xc3\xa9"}, `a="caf\351"`, false},
		{Cookie{Name: "a", Value: "\u0080\u00ff"}, `a="\200\377"`, false},
		{Cookie{Name: "", Value: "x"}, "", true},
		{Cookie{Name: "a b", Value: "x"}, "", true},
		{Cookie{Name: "a=b", Value: "x"}, "", true},
		{Cookie{Name: "a\x00", Value: "x"}, "", true},
		{Cookie{Name: "Path", Value: "x"}, "", true},
		{Cookie{Name: "expires", Value: "x"}, "", true},
		{Cookie{Name: "a", Value: "x y"}, "", true},
		{Cookie{Name: "a", Value: " "}, "", true},
		{Cookie{Name: "a", Value: "x\ty"}, "", true},
		{Cookie{Name: "a", Value: "x\x00"}, "", true},
		{Cookie{Name: "a", Value: "x\r\nSet-Cookie: evil=1"}, "", true},
		{Cookie{Name: "a", Value: "\u65e5\u672c"}, "", true},
		{Cookie{Name: "a", Value: "\u0100"}, "", true},
		{Cookie{Name: "a", Value: "\ufffd"}, "", true},
		{Cookie{Name: "a", Value: "caf\xe9"}, "", true},
		{Cookie{Name: "a", Value: "x", Path: "/; Domain=evil"}, "", true},
		{Cookie{Name: "a", Value: "x", Path: "/\n"}, "", true},
		{Cookie{Name: "a", Value: "x", Domain: "a b"}, "", true},
		{Cookie{Name: "a", Value: "x", SameSite: "Loose"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.c.Name+"="+tt.c.Value, func(t *testing.T) {
			got, err := tt.c.String()
			if tt.wantErr {
				if !errors.Is(err, ErrBadCookie) {
					t.Errorf("(%+v).String() = %q, %v, want error %v", tt.c, got, err, ErrBadCookie)
				}
				if b, _ := tt.c.AppendTo([]byte("x")); string(b) != "x" {
					t.Errorf("(%+v).AppendTo(%q) = %q, want %q", tt.c, "x", b, "x")
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("(%+v).String() = %q, %v, want %q", tt.c, got, err, tt.want)
			}
		})
	}
}

// quoteCookieValues returns values covering every byte, each quoting rule
// and their mixtures.
func quoteCookieValues() []string {
	vals := []string{
		"", "a", "a,b\"c;d\\e", `"`, `\`, `\\`, `\"`, `""`, `"x"`, `\012`, `\\012`, `\0`, `\3777`,
		"=", "==", "a=b", "()/<=>?@[]{}", "!#$%&'*+-.^_`|~:", "\x7f", "caf\u00e9", "\u0080\u0085\u00a0\u00ff",
	}
	for c := 0x21; c < 0x100; c++ {
		r := string(rune(c))
		vals = append(vals, r, "x"+r, r+"y", r+r+r)
	}
	for c := 0x21; c < 0x100; c += 7 {
		var b strings.Builder
		for d := c; d < c+40 && d < 0x100; d++ {
			b.WriteRune(rune(d))
		}
		vals = append(vals, b.String())
	}
	return vals
}

func TestCookieQuoteRoundTrip(t *testing.T) {
	for _, v := range quoteCookieValues() {
		q, ok := quoteCookieValue(nil, v)
		if !ok {
			t.Errorf("quoteCookieValue(%q) refused, want it quoted", v)
			continue
		}
		if got := unquoteCookie(string(q)); got != v {
			t.Errorf("unquoteCookie(%q) = %q, want %q", q, got, v)
		}
		checkQuotedCookie(t, v, string(q))
		c := Cookie{Name: "k", Value: v, Path: "/"}
		h, err := c.String()
		if err != nil {
			t.Errorf("(%+v).String() = %v, want nil", c, err)
			continue
		}
		if got := ParseCookies(h)["k"]; got != v {
			t.Errorf("ParseCookies(%q)[%q] = %q, want %q", h, "k", got, v)
		}
	}
}

// checkQuotedCookie checks what quoteCookieValue(v) wrote: ASCII without
// control characters, SPACE, ';' or ','; a value is left bare only when it
// is all _LegalChars.
func checkQuotedCookie(t *testing.T, v, q string) {
	t.Helper()
	for i := 0; i < len(q); i++ {
		if c := q[i]; c <= ' ' || c >= 0x7f || c == ';' || c == ',' {
			t.Errorf("quoteCookieValue(%q) = %q, which holds %q", v, q, c)
		}
	}
	bare := v != ""
	for i := 0; i < len(v); i++ {
		bare = bare && pythonLegalChar(v[i])
	}
	switch {
	case bare && q != v:
		t.Errorf("quoteCookieValue(%q) = %q, want %q", v, q, v)
	case !bare && (len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"'):
		t.Errorf("quoteCookieValue(%q) = %q, want it in double quotes", v, q)
	}
}

// pythonLegalChar reports whether c is in Python's http.cookies._LegalChars.
func pythonLegalChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~:", c) >= 0
}

func TestCookieQuoteNoAlloc(t *testing.T) {
	buf := make([]byte, 0, 64)
	n := testing.AllocsPerRun(100, func() {
		buf, _ = quoteCookieValue(buf[:0], "2|1:0|10:1700000000|4:user")
		buf, _ = quoteCookieValue(buf[:0], `a,b"c;d\e`)
	})
	if n != 0 {
		t.Errorf("quoteCookieValue allocs = %v, want 0", n)
	}
}

func FuzzCookieQuote(f *testing.F) {
	for _, v := range []string{"", "a", `a,b"c;d\e`, "caf\u00e9", "\x7f", "\u65e5", "\xff", "x y", `\012`} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		q, ok := quoteCookieValue(nil, v)
		refuse := !utf8.ValidString(v)
		for _, r := range v {
			refuse = refuse || r <= ' ' || r > 0xff
		}
		if ok == refuse {
			t.Fatalf("quoteCookieValue(%q) accepted = %v, want %v", v, ok, !refuse)
		}
		if !ok {
			if len(q) != 0 {
				t.Errorf("quoteCookieValue(%q) refused but wrote %q", v, q)
			}
			return
		}
		if got := unquoteCookie(string(q)); got != v {
			t.Errorf("unquoteCookie(%q) = %q, want %q", q, got, v)
		}
		checkQuotedCookie(t, v, string(q))
	})
}

func TestRequestCookies(t *testing.T) {
	var r ServerRequest
	r.Header.Add("Cookie", "a=1; path=/x; bad name=2; =3; lone")
	r.Header.Add("cookie", `b="two"; a=override`)
	want := map[string]string{"a": "override", "b": "two"}
	if got := r.Cookies(); !maps.Equal(got, want) {
		t.Errorf("Cookies() = %q, want %q", got, want)
	}
}

func TestParseCookiesLinear(t *testing.T) {
	// Tornado's CVE-2024-52804: quadratic unquoting of many backslashes.
	measure := func(n int) float64 {
		h := `a="` + strings.Repeat(`\"\\`, n) + `"; ` + strings.Repeat("k=v; ", n)
		return testing.AllocsPerRun(5, func() { _ = ParseCookies(h) })
	}
	small, large := measure(5000), measure(10000)
	if ratio := large / small; ratio > 2.5 {
		t.Errorf("allocations for 2n / n cookie bytes = %.2f, want about 2 or less", ratio)
	}
}

func FuzzParseCookies(f *testing.F) {
	for _, s := range []string{"", "a=b; c=d", `k="\"q\"\012"`, "x; =y; ;;", "a=\"", "\x00=\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for k, v := range ParseCookies(s) {
			if strings.Contains(k, ";") || k != strings.TrimSpace(k) {
				t.Errorf("ParseCookies(%q): bad key %q", s, k)
			}
			if len(v) > len(s)*2 {
				t.Errorf("ParseCookies(%q): value %q longer than possible", s, v)
			}
		}
		// Whatever is accepted by Cookie.String parses back to itself.
		for k, v := range ParseCookies(s) {
			c := Cookie{Name: k, Value: v}
			if str, err := c.String(); err == nil {
				if got := ParseCookies(str); got[k] != v {
					t.Errorf("ParseCookies(%q)[%q] = %q, want %q", str, k, got[k], v)
				}
			}
		}
	})
}

func BenchmarkParseCookies(b *testing.B) {
	h := `_xsrf=2|abcdef|0123456789abcdef|1700000000; sid="2|1:0|10:1700000000|4:user|8:YWxpY2U=|abc"; theme=dark`
	b.ReportAllocs()
	for b.Loop() {
		_ = ParseCookies(h)
	}
}

func BenchmarkCookieString(b *testing.B) {
	c := Cookie{Name: "sid", Value: "abc123", Path: "/", Expires: time.Unix(1700000000, 0), HTTPOnly: true, SameSite: "Lax"}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = c.String()
	}
}
