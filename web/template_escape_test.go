package web

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// The expected strings in this file were made with Tornado 6.2's
// tornado.escape, run by /usr/bin/python3 (xhtml_escape(s),
// url_escape(s), url_escape(s, plus=False), squeeze(s), json_encode(v),
// linkify(s, **options)), and copied here.

func TestXHTMLEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"},
		{"a & b \"c\"", "a &amp; b &quot;c&quot;"},
		{"café ☃ &amp;", "café ☃ &amp;amp;"},
	} {
		if got := xhtmlEscape(tc.in); got != tc.want {
			t.Errorf("xhtmlEscape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := xhtmlEscapeFunc([]byte("<b>")); got != "&lt;b&gt;" {
		t.Errorf("xhtml_escape of []byte = %q", got)
	}
	if got := xhtmlEscapeFunc(42); got != "42" {
		t.Errorf("xhtml_escape of 42 = %q", got)
	}
}

func TestURLEscape(t *testing.T) {
	for _, tc := range []struct{ in, plus, path string }{
		{"", "", ""},
		{"a b", "a+b", "a%20b"},
		{"a/b?c=d&e", "a%2Fb%3Fc%3Dd%26e", "a/b%3Fc%3Dd%26e"},
		{"café", "caf%C3%A9", "caf%C3%A9"},
		{"~_.-!*'()", "~_.-%21%2A%27%28%29", "~_.-%21%2A%27%28%29"},
		{"100%+", "100%25%2B", "100%25%2B"},
	} {
		if got := urlEscapeFunc(tc.in); string(got) != tc.plus {
			t.Errorf("url_escape(%q) = %q, want %q", tc.in, got, tc.plus)
		}
		if got := urlEscapeFunc(tc.in, false); string(got) != tc.path {
			t.Errorf("url_escape(%q, false) = %q, want %q", tc.in, got, tc.path)
		}
	}
}

func TestSqueeze(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"  a  b\t\nc  ", "a b c"},
		{"\x00x\x1fy\x7fz", "x y\x7fz"},
		{"\u00a0 pad \u3000", "pad"},
		{"one", "one"},
		{"\u0085lead", "lead"},
	} {
		if got := squeeze(tc.in); got != tc.want {
			t.Errorf("squeeze(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJSONEncode(t *testing.T) {
	type named struct {
		Name string `json:"name"`
		N    int    `json:"n"`
	}
	for _, tc := range []struct {
		in   any
		want string
	}{
		{map[string]any{"a": 1, "b": []any{1, 2, "x"}}, `{"a": 1, "b": [1, 2, "x"]}`},
		{"</script>", `"<\/script>"`},
		{"café 😀", `"caf\u00e9 \ud83d\ude00"`},
		{[]any{true, nil, "tab\there"}, `[true, null, "tab\there"]`},
		{"del\x7f", `"del\u007f"`},
		{map[string]any{"k": map[string]any{"n": "</"}}, `{"k": {"n": "<\/"}}`},
		{"\u2028", `"\u2028"`},
		{"a\"b\\c\b\f\n\r\x01", `"a\"b\\c\b\f\n\r\u0001"`},
		{1.5, `1.5`},
		{named{"x", 2}, `{"name": "x", "n": 2}`},
		// Not Tornado's: "<!" is escaped as well (Tornado writes "<!--<script>").
		{"<!--<script>", `"\u003c!--<script>"`},
	} {
		got, err := jsonEncode(tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("jsonEncode(%#v) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
		var back any
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("jsonEncode(%#v) = %s, not JSON: %v", tc.in, got, err)
		}
	}
	if _, err := jsonEncode(make(chan int)); err == nil {
		t.Error("jsonEncode(chan) succeeded")
	}
}

// linkifyCases are Tornado's linkify outputs for the input and options.
var linkifyCases = []struct {
	in      string
	options []any
	want    string
}{
	{"Hello http://tornadoweb.org!", nil, "Hello <a href=\"http://tornadoweb.org\">http://tornadoweb.org</a>!"},
	{"see www.example.com/path?a=1&b=2.", nil, "see <a href=\"http://www.example.com/path?a=1&amp;b=2\">www.example.com/path?a=1&amp;b=2</a>."},
	{"(http://example.com/a_(b))", nil, "(<a href=\"http://example.com/a_(b)\">http://example.com/a_(b)</a>)"},
	{"javascript:alert(1) and ftp://x.org/f", nil, "javascript:alert(1) and ftp://x.org/f"},
	{"ftp://x.org/f mailto:a@b.c", []any{"permitted_protocols", []string{"ftp", "mailto"}}, "<a href=\"ftp://x.org/f\">ftp://x.org/f</a> mailto:a@b.c"},
	{"ftp://x.org/f", []any{"permitted_protocols", "ftp mailto"}, "<a href=\"ftp://x.org/f\">ftp://x.org/f</a>"},
	{"www.x.com and http://y.com", []any{"require_protocol", true}, "www.x.com and <a href=\"http://y.com\">http://y.com</a>"},
	{"http://x.com", []any{"extra_params", `  rel="nofollow" `}, "<a href=\"http://x.com\" rel=\"nofollow\">http://x.com</a>"},
	{"http://www.example.com/wiki/Some_really_long_page_name_here?with=query&and=more", []any{"shorten", true}, "<a href=\"http://www.example.com/wiki/Some_really_long_page_name_here?with=query&amp;and=more\" title=\"http://www.example.com/wiki/Some_really_long_page_name_here?with=query&amp;and=more\">http://www.example.com/wiki...</a>"},
	{"https://github.com/tornadoweb/tornado/blob/master/tornado/escape.py", []any{"shorten", true}, "<a href=\"https://github.com/tornadoweb/tornado/blob/master/tornado/escape.py\" title=\"https://github.com/tornadoweb/tornado/blob/master/tornado/escape.py\">https://github.com/tornadow...</a>"},
	{"http://averyveryveryveryveryverylonghostnamethatgoesonandon.example.com", []any{"shorten", true}, "<a href=\"http://averyveryveryveryveryverylonghostnamethatgoesonandon.example.com\" title=\"http://averyveryveryveryveryverylonghostnamethatgoesonandon.example.com\">http://averyveryveryveryveryve...</a>"},
	{"<b>http://x.com/?q=\"a\"</b> 'quoted'", nil, "&lt;b&gt;<a href=\"http://x.com/?q=&quot;a\">http://x.com/?q=&quot;a</a>&quot;&lt;/b&gt; &#39;quoted&#39;"},
	{"café-http://été.fr/é éwww.x.com -www.y.com", nil, "café-http://été.fr/é éwww.x.com -<a href=\"http://www.y.com\">www.y.com</a>"},
	{"a-http://x.com http:///x http://", nil, "a-http://x.com <a href=\"http:///x\">http:///x</a> <a href=\"http://\">http://</a>"},
	{"x:/y x:////y word_www.site.org", []any{"permitted_protocols", []string{"x"}}, "<a href=\"x:/y\">x:/y</a> <a href=\"x:////y\">x:////y</a> word_www.site.org"},
	{"http://example.com/a&amp;b&c &lt;", nil, "<a href=\"http://example.com/a&amp;amp;b&amp;c\">http://example.com/a&amp;amp;b&amp;c</a> &amp;lt;"},
	{"http://ééééééééééééééééééééééééé/ééééééééééé", []any{"shorten", true}, "<a href=\"http://ééééééééééééééééééééééééé/ééééééééééé\">http://ééééééééééééééééééééééééé/ééééééééééé</a>"},
	{"http://example.com/?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8", []any{"shorten", true}, "<a href=\"http://example.com/?a=1&amp;b=2&amp;c=3&amp;d=4&amp;e=5&amp;f=6&amp;g=7&amp;h=8\" title=\"http://example.com/?a=1&amp;b=2&amp;c=3&amp;d=4&amp;e=5&amp;f=6&amp;g=7&amp;h=8\">http://example.com/...</a>"},
	{"http://x.com/\u00a0http://y.com\u3000z", nil, "<a href=\"http://x.com/\">http://x.com/</a>\u00a0<a href=\"http://y.com\">http://y.com</a>\u3000z"},
	{"١http://x.com _http://y.com", nil, "١http://x.com _http://y.com"},
}

func TestLinkify(t *testing.T) {
	for _, tc := range linkifyCases {
		got, err := linkifyFunc(tc.in, tc.options...)
		if err != nil || string(got) != tc.want {
			t.Errorf("linkify(%q, %v) = %q, %v\nwant %q", tc.in, tc.options, got, err, tc.want)
		}
	}
	extra := func(href string) string {
		if strings.HasPrefix(href, "http://example.com") {
			return `class="internal"`
		}
		return ` class="external" `
	}
	got, _ := linkifyFunc("http://example.com/a http://other.org", "extra_params", extra)
	if want := `<a href="http://example.com/a" class="internal">http://example.com/a</a> <a href="http://other.org" class="external">http://other.org</a>`; string(got) != want {
		t.Errorf("linkify with an extra_params func = %q, want %q", got, want)
	}
	for _, bad := range [][]any{{"shorten"}, {"shorten", "yes"}, {"nofollow", true}, {1, true}} {
		if _, err := linkifyFunc("x", bad...); err == nil {
			t.Errorf("linkify options %v accepted", bad)
		}
	}
}

// linkifyPython runs Tornado's linkify on each input, or skips the test
// when python3-tornado is missing (fails instead with GOTORNADO_CI=1).
func linkifyPython(t *testing.T, inputs []string) []string {
	t.Helper()
	const python = "/usr/bin/python3"
	script := `import json, sys
from tornado.escape import linkify
print(json.dumps([linkify(s) for s in json.load(sys.stdin)]))`
	if err := exec.Command(python, "-c", "import tornado.escape").Run(); err != nil {
		if os.Getenv("GOTORNADO_CI") == "1" {
			t.Fatalf("python3-tornado is needed: %v", err)
		}
		t.Skipf("python3-tornado not found: %v", err)
	}
	in, _ := json.Marshal(inputs)
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python output: %v", err)
	}
	return got
}

// linkify agrees with Tornado's on text built from the pieces its
// pattern cares about.
func TestLinkifyAgainstTornado(t *testing.T) {
	pieces := []string{"http://", "https://", "www.", "x", "é", "-", "_", ".", "/", "(", ")", "&", "&amp;", "'", `"`, " ", "\u00a0", ":", "!", "?", "a=1", "ftp:", "١", "\u3000", "<", "\t"}
	var inputs []string
	seed := uint32(1)
	for range 400 {
		var b strings.Builder
		n := 1 + int(seed%12)
		for range n {
			seed = seed*1664525 + 1013904223
			b.WriteString(pieces[(seed>>16)%uint32(len(pieces))])
		}
		inputs = append(inputs, b.String())
	}
	want := linkifyPython(t, inputs)
	links := 0
	for i, in := range inputs {
		if got := linkify(in, linkifyOptions{}); got != want[i] {
			t.Errorf("linkify(%q) = %q, Tornado %q", in, got, want[i])
		}
		links += strings.Count(want[i], "<a ")
	}
	if links < 100 {
		t.Errorf("only %d links in Tornado's output: the inputs test too little", links)
	}
}

// anchorTag matches the tags linkify adds without options.
var anchorTag = regexp.MustCompile(`<a href="[^"]*">|</a>`)

// linkify only adds links: without them its output is the escaped text.
func FuzzLinkify(f *testing.F) {
	for _, tc := range linkifyCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, text string) {
		out := linkify(text, linkifyOptions{})
		if got, want := anchorTag.ReplaceAllString(out, ""), xhtmlEscape(strings.ToValidUTF8(text, "\uFFFD")); got != want {
			t.Fatalf("linkify(%q) = %q: the text without links is %q, want %q", text, out, got, want)
		}
		if !utf8.ValidString(out) {
			t.Fatalf("linkify(%q) = %q, not UTF-8", text, out)
		}
		linkify(text, linkifyOptions{shorten: true, requireProtocol: true}) // must not panic
	})
}

func BenchmarkLinkify(b *testing.B) {
	text := strings.Repeat("Tornado lives at http://www.tornadoweb.org/en/stable/ and www.python.org. ", 20)
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		linkify(text, linkifyOptions{})
	}
}
