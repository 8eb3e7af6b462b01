package main

import "testing"

// The expected slugs are those of Tornado's demo (Python's unicodedata and
// re), computed for these titles.
func TestSlugify(t *testing.T) {
	tests := []struct{ title, want string }{
		{"Hello, World!", "hello-world"},
		{"Café au lait", "cafe-au-lait"},
		{"naïve", "nai-ve"},
		{"  spaced   out  ", "spaced-out"},
		{"日本語", "entry"},
		{"a 日本 b", "a--b"},
		{"", "entry"},
		{"!!!", "entry"},
		{"snake_case_Title", "snake_case_title"},
		{"\ufb01ne ligature", "fine-ligature"},
		{"Ⅻ roman", "xii-roman"},
		{"x²", "x2"},
		{"Über-Straße", "u-ber-strae"},
		{"tab\tnew\nline", "tab-new-line"},
		{"İstanbul", "i-stanbul"},
		{"50% off", "50-off"},
		{"a--b", "a-b"},
		{"_", "_"},
		{"ǅemal", "dz-emal"},
		{"Ǆ", "dz"},
	}
	for _, tt := range tests {
		if got := slugify(tt.title); got != tt.want {
			t.Errorf("slugify(%q) = %q, want %q", tt.title, got, tt.want)
		}
	}
}

func TestRenderMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"# Hello\n\nSome *text*", "<h1>Hello</h1>\n<p>Some <em>text</em></p>"},
		{"a  \nb", "<p>a<br />\nb</p>"},
		{"<b>raw</b>", "<p><b>raw</b></p>"},
		{"x & y < z", "<p>x &amp; y &lt; z</p>"},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := renderMarkdown(tt.in)
		if err != nil || string(got) != tt.want {
			t.Errorf("renderMarkdown(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

// FuzzSlugify checks that every slug is a non-empty run of lower-case
// ASCII letters, digits, "_" and "-", safe in /entry/<slug> without
// escaping.
func FuzzSlugify(f *testing.F) {
	f.Add("Hello, World!")
	f.Add("Über-Straße ǅemal ﬁne")
	f.Fuzz(func(t *testing.T, title string) {
		slug := slugify(title)
		if slug == "" {
			t.Fatalf("slugify(%q) is empty", title)
		}
		for i := 0; i < len(slug); i++ {
			if c := slug[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
				t.Fatalf("slugify(%q) = %q holds %q", title, slug, c)
			}
		}
	})
}

// FuzzRenderMarkdown checks that no Markdown fails to render.
func FuzzRenderMarkdown(f *testing.F) {
	f.Add("# Hello\n\nSome *text* and `code`.\n\n* a\n* b\n")
	f.Add("<b>raw</b> & [link](http://example.com)")
	f.Fuzz(func(t *testing.T, text string) {
		if _, err := renderMarkdown(text); err != nil {
			t.Fatalf("renderMarkdown(%q): %v", text, err)
		}
	})
}
