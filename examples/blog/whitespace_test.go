package main

import (
	"io/fs"
	"testing"
	"testing/fstest"
)

// The expected texts are those of Tornado's filter_whitespace("single", ...).
func TestSqueezeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a  b", "a b"},
		{"a\t \tb", "a b"},
		{"\n  x\n\n  y  ", "\nx\ny "},
		{"a \r b", "a \r b"},
		{"a\r\nb", "a\nb"},
		{" \f\n\v ", "\n"},
		{"p\v\tq", "p\v q"},
		{"", ""},
		{"x", "x"},
	}
	for _, tt := range tests {
		if got := squeezeText(tt.in); got != tt.want {
			t.Errorf("squeezeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSqueezeTemplate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>\n    {{if .X}}\n      <b>  x  </b>\n    {{end}}\n</p>\n", "<p>\n{{if .X}}\n<b> x </b>\n{{end}}\n</p>\n"},
		{`{{.T.Format "2006  01"}}  a`, `{{.T.Format "2006  01"}} a`},
		{"a  {{/* a  comment */}}  b", "a {{/* a  comment */}} b"},
		{"a  {{ unclosed  ", "a {{ unclosed  "},
	}
	for _, tt := range tests {
		if got := squeezeTemplate(tt.in); got != tt.want {
			t.Errorf("squeezeTemplate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSqueezedFS(t *testing.T) {
	fsys := squeezedFS{fstest.MapFS{
		"a.html":   {Data: []byte("<p>\n  x  y\n</p>")},
		"feed.xml": {Data: []byte("<feed>\n  x  y\n</feed>")},
	}}
	for name, want := range map[string]string{"a.html": "<p>\nx y\n</p>", "feed.xml": "<feed>\n  x  y\n</feed>"} {
		b, err := fs.ReadFile(fsys, name)
		if err != nil || string(b) != want {
			t.Errorf("ReadFile(%q) = %q, %v, want %q", name, b, err, want)
		}
		f, err := fsys.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.Stat()
		if err != nil || st.Size() != int64(len(want)) {
			t.Errorf("Open(%q).Stat() size = %v, %v, want %d", name, st, err, len(want))
		}
		f.Close()
	}
	if _, err := fsys.ReadFile("missing.html"); err == nil {
		t.Errorf("ReadFile(missing.html) succeeded")
	}
}

// FuzzSqueezeTemplate checks that squeezing never touches an action and
// is idempotent.
func FuzzSqueezeTemplate(f *testing.F) {
	f.Add("<p>\n    {{if .X}}\n      <b>  x  </b>\n    {{end}}\n</p>\n")
	f.Add("a  {{ unclosed  ")
	f.Fuzz(func(t *testing.T, src string) {
		once := squeezeTemplate(src)
		if twice := squeezeTemplate(once); twice != once {
			t.Errorf("squeezeTemplate is not idempotent on %q: %q then %q", src, once, twice)
		}
		if len(once) > len(src) {
			t.Errorf("squeezeTemplate(%q) = %q grew", src, once)
		}
	})
}
