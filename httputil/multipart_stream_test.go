package httputil

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// streamParse feeds data to a new MultipartParser in pieces of the given
// sizes (cycled; nil: one piece), then closes it.
func streamParse(t testing.TB, boundary string, data []byte, l FormLimits, spill int64, dir string, sizes []int) (*MultipartParser, error) {
	t.Helper()
	p, err := NewMultipartParser(boundary, &l, spill, dir)
	if err != nil {
		return nil, err
	}
	for i := 0; len(data) > 0; i++ {
		n := len(data)
		if len(sizes) > 0 {
			n = min(n, max(1, sizes[i%len(sizes)]))
		}
		if w, err := p.Write(data[:n]); err != nil {
			if w != 0 {
				t.Fatalf("Write returned %d with error %v", w, err)
			}
			return p, err
		} else if w != n {
			t.Fatalf("Write returned %d, want %d", w, n)
		}
		data = data[n:]
	}
	return p, p.Close()
}

// content returns a file's content, reading a spilled one.
func content(t testing.TB, f *File) []byte {
	t.Helper()
	r, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != f.Size() {
		t.Errorf("file %q: Size() = %d, read %d bytes", f.Filename, f.Size(), len(b))
	}
	return b
}

func TestMultipartParser(t *testing.T) {
	big := strings.Repeat("0123456789", 100)
	tests := []struct {
		name      string
		boundary  string
		data      []byte
		wantArgs  url.Values
		wantFiles map[string]string // field name → content of its one file
		wantErr   error
	}{
		{"fields", "B", multipartBody(3), url.Values{"f0": {"value 0"}, "f1": {"value 1"}, "f2": {"value 2"}}, nil, nil},
		{"small and spilled files", "xyz", mp("preamble", "--xyz",
			`Content-Disposition: form-data; name="small"; filename="s.txt"`, "Content-Type: text/plain", "", "tiny",
			"--xyz", `Content-Disposition: form-data; name="big"; filename="b.bin"`, "", big,
			"--xyz", `Content-Disposition: form-data; name="empty"; filename="e"`, "", "",
			"--xyz", `Content-Disposition: form-data; name="note"`, "", "a\r\nb",
			"--xyz--", "epilogue"),
			url.Values{"note": {"a\r\nb"}}, map[string]string{"small": "tiny", "big": big, "empty": ""}, nil},
		{"quoted boundary", `"q"`, mp("--q", `Content-Disposition: form-data; name="a"`, "", "1", "--q--"), url.Values{"a": {"1"}}, nil, nil},
		{"only a preamble", "b", []byte("hello--b--"), nil, nil, nil},
		{"no final boundary", "b", mp("--b", `Content-Disposition: form-data; name="a"`, "", "1", "--b"), nil, nil, ErrBadForm},
		{"second close delimiter", "b", mp("--b", `Content-Disposition: form-data; name="a"`, "", "1", "--b--", "--b--"), nil, nil, ErrRepeatedCloseDelimiter},
		{"overlapping close delimiters", "x", []byte("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x---x--"), nil, nil, ErrRepeatedCloseDelimiter},
		{"part without CRLF", "b", []byte("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1--b--"), nil, nil, ErrBadForm},
		{"missing name", "b", mp("--b", `Content-Disposition: form-data`, "", "1", "--b--"), nil, nil, ErrBadForm},
		{"not form-data", "b", mp("--b", `Content-Disposition: attachment; name="a"`, "", "1", "--b--"), nil, nil, ErrBadForm},
		{"too many parts", "B", multipartBody(DefaultMaxParts + 1), nil, nil, ErrTooManyParts},
		{"header too large", "b", mp("--b", `Content-Disposition: form-data; name="a"`, "X: "+strings.Repeat("p", DefaultMaxPartHeaderSize), "", "1", "--b--"), nil, nil, ErrPartHeaderTooLarge},
	}
	for _, tt := range tests {
		for _, sizes := range [][]int{nil, {1}, {2, 3, 5}, {7, 64}} {
			t.Run(fmt.Sprintf("%s/%v", tt.name, sizes), func(t *testing.T) {
				dir := t.TempDir()
				p, err := streamParse(t, tt.boundary, tt.data, FormLimits{}, 100, dir, sizes)
				if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
					t.Fatalf("parse(%q) error = %v, want %v", tt.data, err, tt.wantErr)
				}
				defer p.RemoveFiles()
				if err != nil {
					return
				}
				args, _, files, _ := p.Form()
				if len(args) > 0 || len(tt.wantArgs) > 0 {
					if !reflect.DeepEqual(args, tt.wantArgs) {
						t.Errorf("args = %q, want %q", args, tt.wantArgs)
					}
				}
				if len(files) != len(tt.wantFiles) {
					t.Fatalf("files = %v, want %d", files, len(tt.wantFiles))
				}
				for name, want := range tt.wantFiles {
					fs := files[name]
					if len(fs) != 1 {
						t.Fatalf("files[%q] = %v", name, fs)
					}
					if got := content(t, fs[0]); string(got) != want {
						t.Errorf("files[%q] content = %.40q, want %.40q", name, got, want)
					}
					if spilled := fs[0].Path != ""; spilled != (len(want) > 100) {
						t.Errorf("files[%q] (%d bytes) spilled = %v, threshold 100", name, len(want), spilled)
					}
				}
			})
		}
	}
}

func TestMultipartParserBadBoundary(t *testing.T) {
	for _, b := range []string{"", `""`, "a\rb", "a\nb", strings.Repeat("b", MaxBoundaryLength+1)} {
		if _, err := NewMultipartParser(b, nil, 0, ""); !errors.Is(err, ErrBadBoundary) || !errors.Is(err, ErrBadForm) {
			t.Errorf("NewMultipartParser(%q) error = %v, want %v", b, err, ErrBadBoundary)
		}
	}
}

// TestMultipartParserRemovesFiles: RemoveFiles removes the spilled files,
// a file its user moved away is left alone, and a parser dropped without
// RemoveFiles has its files removed by the garbage collector.
func TestMultipartParserRemovesFiles(t *testing.T) {
	dir := t.TempDir()
	body := mp("--b", `Content-Disposition: form-data; name="a"; filename="a"`, "", strings.Repeat("a", 50),
		"--b", `Content-Disposition: form-data; name="b"; filename="b"`, "", strings.Repeat("b", 50), "--b--")
	p, err := streamParse(t, "b", body, FormLimits{}, 10, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.SpilledFiles()); n != 2 {
		t.Fatalf("%d files spilled, want 2", n)
	}
	_, _, files, _ := p.Form()
	kept := filepath.Join(dir, "kept")
	if err := os.Rename(files["a"][0].Path, kept); err != nil {
		t.Fatal(err)
	}
	p.RemoveFiles()
	p.RemoveFiles()
	if left := listDir(t, dir); !reflect.DeepEqual(left, []string{"kept"}) {
		t.Errorf("after RemoveFiles the folder holds %q, want the moved file only", left)
	}
	if _, err := p.Write([]byte("x")); err == nil {
		t.Error("Write after RemoveFiles succeeded")
	}

	dir = t.TempDir()
	func() {
		if _, err := streamParse(t, "b", body, FormLimits{}, 10, dir, []int{7}); err != nil {
			t.Fatal(err)
		}
	}()
	for deadline := time.Now().Add(10 * time.Second); len(listDir(t, dir)) > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("files of a dropped parser not removed: %q", listDir(t, dir))
		}
		runtime.GC()
	}
}

func listDir(t testing.TB, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestMultipartParserErrorStops: a part error ends the parse; the file
// being written is closed, and later Writes return the same error.
func TestMultipartParserErrorStops(t *testing.T) {
	dir := t.TempDir()
	p, err := NewMultipartParser("b", nil, 4, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer p.RemoveFiles()
	p.Write(mp("--b", `Content-Disposition: form-data; name="a"; filename="a"`, "", "0123456789"))
	_, err = p.Write([]byte("x--b\r\n"))
	if !errors.Is(err, ErrBadForm) {
		t.Fatalf("Write(bad part end) error = %v, want ErrBadForm", err)
	}
	if _, err2 := p.Write([]byte("more")); err2 != err {
		t.Errorf("later Write error = %v, want %v", err2, err)
	}
	if err2 := p.Close(); err2 != err {
		t.Errorf("Close error = %v, want %v", err2, err)
	}
}

// countClose counts the occurrences of the close delimiter, overlapping
// ones too.
func countClose(data []byte, boundary string) int {
	if len(boundary) >= 2 && boundary[0] == '"' && boundary[len(boundary)-1] == '"' {
		boundary = boundary[1 : len(boundary)-1]
	}
	c := []byte("--" + boundary + "--")
	n := 0
	for i := 0; i+len(c) <= len(data); i++ {
		if bytes.Equal(data[i:i+len(c)], c) {
			n++
		}
	}
	return n
}

// FuzzMultipartParser checks the parser against ParseMultipartFormData:
// fed in random pieces, with files spilled past a small threshold, it
// finds the same fields and files, and fails where it fails; it may fail
// where ParseMultipartFormData does not only when the body has two close
// delimiters.
func FuzzMultipartParser(f *testing.F) {
	f.Add("B", multipartBody(2), uint64(1), uint8(4))
	f.Add("xyz", mp("pre", "--xyz", `Content-Disposition: form-data; name="f"; filename="a.txt"`, "Content-Type: text/plain", "", "some body text", "--xyz--", "post"), uint64(7), uint8(3))
	f.Add(`"q"`, mp("--q", "Content-Disposition: form-data;", "\tname=x", "", "", "--q--"), uint64(2), uint8(0))
	f.Add("b", []byte("--b--"), uint64(3), uint8(1))
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1--x--\r\n--x---x--"), uint64(5), uint8(2))
	dir := f.TempDir() // one folder: each worker runs its inputs one at a time
	f.Fuzz(func(t *testing.T, boundary string, data []byte, seed uint64, spill uint8) {
		l := FormLimits{MaxParts: 20, MaxPartHeaderSize: 64}
		files := map[string][]*File{}
		var fields Fields
		var fileNames []string
		wholeErr := l.parseMultipartFormData(boundary, data, &form{fields: &fields, files: files, fileNames: &fileNames})
		args, argNames := fields.Values()

		r := rand.New(rand.NewPCG(seed, 0))
		sizes := make([]int, 8)
		for i := range sizes {
			sizes[i] = 1 + r.IntN(max(1, len(data)))
		}
		p, err := streamParse(t, boundary, data, l, int64(spill), dir, sizes)
		if errors.Is(err, ErrBadBoundary) {
			return
		}
		defer func() {
			p.RemoveFiles()
			if left := listDir(t, dir); len(left) > 0 {
				t.Errorf("files left after RemoveFiles: %q", left)
			}
		}()
		if err != nil && !errors.Is(err, ErrBadForm) {
			t.Fatalf("error %v does not match ErrBadForm", err)
		}
		switch {
		case wholeErr != nil && err == nil:
			t.Fatalf("parsed a body ParseMultipartFormData refuses (%v)", wholeErr)
		case wholeErr == nil && err != nil:
			if countClose(data, boundary) < 2 {
				t.Fatalf("refused (%v) a body with one close delimiter that ParseMultipartFormData parses", err)
			}
			return
		case err != nil:
			return
		}
		gotArgs, gotArgNames, gotFiles, gotFileNames := p.Form()
		if len(gotArgs)+len(args) > 0 && !reflect.DeepEqual(gotArgs, args) {
			t.Errorf("args = %q, want %q", gotArgs, args)
		}
		if !reflect.DeepEqual(gotArgNames, argNames) || !reflect.DeepEqual(gotFileNames, fileNames) {
			t.Errorf("names = %q %q, want %q %q", gotArgNames, gotFileNames, argNames, fileNames)
		}
		if len(gotFiles) != len(files) {
			t.Fatalf("files = %v, want %v", gotFiles, files)
		}
		for name, want := range files {
			got := gotFiles[name]
			if len(got) != len(want) {
				t.Fatalf("files[%q] = %v, want %v", name, got, want)
			}
			for i := range want {
				if got[i].Filename != want[i].Filename || got[i].ContentType != want[i].ContentType || !bytes.Equal(content(t, got[i]), want[i].Body) {
					t.Errorf("files[%q][%d] = %+v, want %+v", name, i, got[i], want[i])
				}
				if spilled := got[i].Path != ""; spilled != (spill > 0 && len(want[i].Body) > int(spill)) {
					t.Errorf("files[%q][%d] of %d bytes spilled = %v with threshold %d", name, i, len(want[i].Body), spilled, spill)
				}
			}
		}
	})
}

// TestMultipartParserLinear: the allocations grow linearly with the
// number of parts, and with the pieces the body comes in.
func TestMultipartParserLinear(t *testing.T) {
	measure := func(body []byte, sizes []int) float64 {
		return testing.AllocsPerRun(3, func() {
			if _, err := streamParse(t, "B", body, FormLimits{MaxParts: -1}, 0, "", sizes); err != nil {
				t.Fatal(err)
			}
		})
	}
	if ratio := measure(multipartBody(4000), []int{1000}) / measure(multipartBody(2000), []int{1000}); ratio > 2.5 {
		t.Errorf("allocations for 4000 parts / 2000 parts = %.2f, want about 2", ratio)
	}
	body := mp("--B", `Content-Disposition: form-data; name="f"; filename="a"`, "", strings.Repeat("--Bx", 20000), "--B--")
	if ratio := measure(body, []int{1}) / measure(body, []int{2}); ratio > 2.5 {
		t.Errorf("allocations fed byte by byte / two by two = %.2f, want about 2 or less", ratio)
	}
}

func BenchmarkMultipartParser(b *testing.B) {
	file := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	body := mp("--boundary1234", `Content-Disposition: form-data; name="f"; filename="a.bin"`, "", string(file),
		"--boundary1234", `Content-Disposition: form-data; name="n"`, "", "value", "--boundary1234--")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := NewMultipartParser("boundary1234", nil, 0, "")
		if err != nil {
			b.Fatal(err)
		}
		for rest := body; len(rest) > 0; {
			n := min(len(rest), 64<<10)
			if _, err := p.Write(rest[:n]); err != nil {
				b.Fatal(err)
			}
			rest = rest[n:]
		}
		if err := p.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
