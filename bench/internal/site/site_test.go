package site

import (
	"bytes"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStaticContent(t *testing.T) {
	b := StaticContent()
	if len(b) != StaticSize {
		t.Fatalf("len(StaticContent()) = %d, want %d", len(b), StaticSize)
	}
	if !bytes.Equal(b, StaticContent()) {
		t.Error("StaticContent() differs between calls")
	}
	for i, c := range b {
		if (c < ' ' || c > '~') && c != '\n' {
			t.Fatalf("StaticContent()[%d] = %q, want printable ASCII", i, c)
		}
	}
}

func TestWriteStatic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "static")
	for i := range 2 { // the second call finds the file in place
		if err := WriteStatic(dir); err != nil {
			t.Fatalf("WriteStatic #%d: %v", i+1, err)
		}
	}
	got, err := os.ReadFile(filepath.Join(dir, StaticName))
	if err != nil || !bytes.Equal(got, StaticContent()) {
		t.Errorf("file after WriteStatic: %d bytes, %v; want StaticContent()", len(got), err)
	}
	if err := os.WriteFile(filepath.Join(dir, StaticName), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteStatic(dir); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, StaticName)); !bytes.Equal(got, StaticContent()) {
		t.Error("WriteStatic left a stale file as it was")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("folder holds %d entries after WriteStatic, want 1", len(ents))
	}
}

func TestPage(t *testing.T) {
	tmpl, err := template.ParseFS(Templates, PageName)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, PageData); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		"<h1>Today&#39;s menu: &#34;Fish &amp; Chips&#34; &lt;fresh&gt;</h1>",
		`<li><a href="/item/10">Coffee</a> <span class="price">3.50</span></li>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	if n := strings.Count(page, "<li>"); n != 10 {
		t.Errorf("page has %d items, want 10", n)
	}
}

func TestAllocCounters(t *testing.T) {
	s := AllocCounters()
	if !strings.HasPrefix(s, "mallocs: ") || !strings.Contains(s, "\nalloc_bytes: ") {
		t.Errorf("AllocCounters() = %q, want mallocs and alloc_bytes lines", s)
	}
}
