package httputil

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// mp joins lines with CRLF, the way multipart bodies are written.
func mp(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n")) }

func TestParseMultipartFormData(t *testing.T) {
	tests := []struct {
		name      string
		boundary  string
		data      []byte
		wantArgs  url.Values
		wantFiles map[string][]File
		wantErr   error
	}{
		{
			name:     "field and file",
			boundary: "1234",
			data: mp("--1234",
				`Content-Disposition: form-data; name="title"`,
				"",
				"hello",
				"--1234",
				`Content-Disposition: form-data; name="files"; filename="ab.txt"`,
				"Content-Type: text/plain",
				"",
				"Foo",
				"--1234--", ""),
			wantArgs:  url.Values{"title": {"hello"}},
			wantFiles: map[string][]File{"files": {{Filename: "ab.txt", ContentType: "text/plain", Body: []byte("Foo")}}},
		},
		{
			name:     "quoted boundary, unquoted params, default content type",
			boundary: `"1234"`,
			data: mp("--1234",
				`Content-Disposition: form-data; name=files; filename=ab.txt`,
				"",
				"Foo",
				"--1234--"),
			wantArgs:  url.Values{},
			wantFiles: map[string][]File{"files": {{Filename: "ab.txt", ContentType: "application/unknown", Body: []byte("Foo")}}},
		},
		{
			name:     "special characters in filename",
			boundary: "b",
			data: mp("--b",
				`Content-Disposition: form-data; name="f"; filename="a\"b;c\\d.txt"`,
				"",
				"x",
				"--b--"),
			wantArgs:  url.Values{},
			wantFiles: map[string][]File{"f": {{Filename: `a"b;c\d.txt`, ContentType: "application/unknown", Body: []byte("x")}}},
		},
		{
			name:     "rfc 2231 filename wins",
			boundary: "b",
			data: mp("--b",
				`Content-Disposition: form-data; name="f"; filename*=UTF-8''caf%C3%A9%20%E2%82%AC.txt; filename="fallback.txt"`,
				"",
				"x",
				"--b--"),
			wantArgs:  url.Values{},
			wantFiles: map[string][]File{"f": {{Filename: "café €.txt", ContentType: "application/unknown", Body: []byte("x")}}},
		},
		{
			name:     "rfc 2231 continuations and latin-1",
			boundary: "b",
			data: mp("--b",
				`Content-Disposition: form-data; name="f"; filename*1="b.txt"; filename*0*=iso-8859-1'en'%E9`,
				"",
				"x",
				"--b--"),
			wantArgs:  url.Values{},
			wantFiles: map[string][]File{"f": {{Filename: "éb.txt", ContentType: "application/unknown", Body: []byte("x")}}},
		},
		{
			name:     "preamble, empty value, CRLF inside value, folded header",
			boundary: "xyz",
			data: mp("preamble text",
				"--xyz",
				"Content-Disposition: form-data;",
				` name="empty"`,
				"",
				"",
				"--xyz",
				`content-disposition: form-data; name="multi"`,
				"",
				"line1\r\nline2",
				"--xyz",
				`Content-Disposition: form-data; name="multi"`,
				"",
				"again",
				"--xyz--",
				"epilogue"),
			wantArgs:  url.Values{"empty": {""}, "multi": {"line1\r\nline2", "again"}},
			wantFiles: map[string][]File{},
		},
		{
			name:     "no final boundary",
			boundary: "b",
			data:     mp("--b", `Content-Disposition: form-data; name="a"`, "", "x", "--b"),
			wantErr:  ErrBadForm,
		},
		{
			name:     "missing headers",
			boundary: "b",
			data:     mp("--b", "just a value", "--b--"),
			wantErr:  ErrBadForm,
		},
		{
			name:     "not form-data",
			boundary: "b",
			data:     mp("--b", `Content-Disposition: attachment; name="a"`, "", "x", "--b--"),
			wantErr:  ErrBadForm,
		},
		{
			name:     "missing name",
			boundary: "b",
			data:     mp("--b", `Content-Disposition: form-data; filename="a"`, "", "x", "--b--"),
			wantErr:  ErrBadForm,
		},
		{
			name:     "header without colon",
			boundary: "b",
			data:     mp("--b", `Content-Disposition: form-data; name="a"`, "bogus", "", "x", "--b--"),
			wantErr:  ErrBadForm,
		},
		{
			name:     "invalid utf-8 in headers",
			boundary: "b",
			data:     mp("--b", "Content-Disposition: form-data; name=\"\xff\"", "", "x", "--b--"),
			wantErr:  ErrBadForm,
		},
		{
			name:     "empty boundary",
			boundary: `""`,
			data:     mp("----"),
			wantErr:  ErrNoBoundary,
		},
		{
			name:     "header too large",
			boundary: "b",
			data:     mp("--b", `Content-Disposition: form-data; name="a"`, "X-Pad: "+strings.Repeat("p", DefaultMaxPartHeaderSize), "", "x", "--b--"),
			wantErr:  ErrPartHeaderTooLarge,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args, files := url.Values{}, map[string][]*File{}
			err := ParseMultipartFormData(tt.boundary, tt.data, args, files)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !errors.Is(err, ErrBadForm) {
					t.Fatalf("ParseMultipartFormData(%q) error = %v, want %v", tt.data, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMultipartFormData(%q) error = %v, want nil", tt.data, err)
			}
			if !reflect.DeepEqual(args, tt.wantArgs) {
				t.Errorf("ParseMultipartFormData(%q) args = %q, want %q", tt.data, args, tt.wantArgs)
			}
			gotFiles := map[string][]File{}
			for k, fs := range files {
				for _, f := range fs {
					gotFiles[k] = append(gotFiles[k], *f)
				}
			}
			if !reflect.DeepEqual(gotFiles, tt.wantFiles) {
				t.Errorf("ParseMultipartFormData(%q) files = %+v, want %+v", tt.data, gotFiles, tt.wantFiles)
			}
		})
	}
}

// multipartBody returns a body of n simple fields with boundary "B".
func multipartBody(n int) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "--B\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nvalue %d\r\n", i, i)
	}
	b.WriteString("--B--\r\n")
	return []byte(b.String())
}

func TestMultipartLimits(t *testing.T) {
	body := multipartBody(5)
	l := FormLimits{MaxParts: 4}
	if err := l.ParseMultipartFormData("B", body, url.Values{}, map[string][]*File{}); !errors.Is(err, ErrTooManyParts) {
		t.Errorf("MaxParts 4: ParseMultipartFormData(5 parts) error = %v, want %v", err, ErrTooManyParts)
	}
	l = FormLimits{MaxParts: -1, MaxPartHeaderSize: 20}
	err := l.ParseMultipartFormData("B", body, url.Values{}, map[string][]*File{})
	if !errors.Is(err, ErrPartHeaderTooLarge) {
		t.Errorf("MaxPartHeaderSize 20: error = %v, want %v", err, ErrPartHeaderTooLarge)
	}
	if err := ParseMultipartFormData("B", multipartBody(DefaultMaxParts+1), url.Values{}, map[string][]*File{}); !errors.Is(err, ErrTooManyParts) {
		t.Errorf("default limit: error = %v, want %v", err, ErrTooManyParts)
	}
	args := url.Values{}
	if err := ParseMultipartFormData("B", multipartBody(DefaultMaxParts), args, map[string][]*File{}); err != nil || len(args) != DefaultMaxParts {
		t.Errorf("default limit: %d parts parsed, error %v; want %d, nil", len(args), err, DefaultMaxParts)
	}
}

// TestMultipartLinear checks that the work done grows linearly with the
// input: doubling the number of parts (or the size of one part's header
// parameters) must not much more than double the allocated bytes.
func TestMultipartLinear(t *testing.T) {
	measure := func(body []byte) float64 {
		return testing.AllocsPerRun(5, func() {
			l := FormLimits{MaxParts: -1}
			if err := l.ParseMultipartFormData("B", body, url.Values{}, map[string][]*File{}); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := measure(multipartBody(2000)), measure(multipartBody(4000))
	if ratio := large / small; ratio > 2.5 {
		t.Errorf("allocations for 4000 parts / 2000 parts = %.2f, want about 2", ratio)
	}

	// Many quotes and semicolons in one Content-Disposition: Tornado's
	// _parseparam was quadratic here.
	quotes := func(n int) []byte {
		return mp("--B", `Content-Disposition: form-data; name="a"`+strings.Repeat(`; x="a;b\"c"`, n), "", "v", "--B--")
	}
	l := FormLimits{MaxPartHeaderSize: -1}
	opsSmall := paramWork(t, l, quotes(1000))
	opsLarge := paramWork(t, l, quotes(2000))
	if ratio := opsLarge / opsSmall; ratio > 2.5 {
		t.Errorf("allocations for 2000 params / 1000 params = %.2f, want about 2", ratio)
	}
}

func paramWork(t *testing.T, l FormLimits, body []byte) float64 {
	return testing.AllocsPerRun(5, func() {
		if err := l.ParseMultipartFormData("B", body, url.Values{}, map[string][]*File{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestParseBodyArguments(t *testing.T) {
	mpBody := mp("--xx", `Content-Disposition: form-data; name="a"`, "", "1", "--xx--")
	tests := []struct {
		name, contentType, body string
		want                    url.Values
		wantErr                 error
	}{
		{"urlencoded", "application/x-www-form-urlencoded", "a=1&b=&a=%202", url.Values{"a": {"1", " 2"}, "b": {""}}, nil},
		{"urlencoded charset", "Application/X-WWW-Form-Urlencoded; charset=UTF-8", "a=1", url.Values{"a": {"1"}}, nil},
		{"multipart", "multipart/form-data; boundary=xx", string(mpBody), url.Values{"a": {"1"}}, nil},
		{"multipart quoted", `multipart/form-data; charset=utf-8; boundary="xx"`, string(mpBody), url.Values{"a": {"1"}}, nil},
		{"multipart no boundary", "multipart/form-data", string(mpBody), url.Values{}, ErrNoBoundary},
		{"json ignored", "application/json", `{"a":1}`, url.Values{}, nil},
		{"empty", "", "a=1", url.Values{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := url.Values{}
			err := ParseBodyArguments(tt.contentType, []byte(tt.body), args, map[string][]*File{})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseBodyArguments(%q, %q) error = %v, want %v", tt.contentType, tt.body, err, tt.wantErr)
			}
			if !reflect.DeepEqual(args, tt.want) {
				t.Errorf("ParseBodyArguments(%q, %q) = %q, want %q", tt.contentType, tt.body, args, tt.want)
			}
		})
	}
	l := FormLimits{MaxFields: 2}
	if err := l.ParseBodyArguments("application/x-www-form-urlencoded", []byte("a&b&c"), url.Values{}, nil); !errors.Is(err, ErrTooManyFields) {
		t.Errorf("MaxFields 2: ParseBodyArguments(%q) error = %v, want %v", "a&b&c", err, ErrTooManyFields)
	}
}

func FuzzParseMultipartFormData(f *testing.F) {
	f.Add("B", multipartBody(2))
	f.Add("xyz", mp("--xyz", `Content-Disposition: form-data; name="f"; filename*0*=utf-8''a%20; filename*1="b"`, "Content-Type: text/plain", "", "body", "--xyz--"))
	f.Add(`"q"`, mp("pre", "--q", "Content-Disposition: form-data;", "\tname=x", "", "", "--q--"))
	f.Add("b", []byte("--b--"))
	f.Fuzz(func(t *testing.T, boundary string, data []byte) {
		l := FormLimits{MaxParts: 50, MaxPartHeaderSize: 512}
		files := map[string][]*File{}
		var fields Fields
		var fileNames []string
		err := l.parseMultipartFormData(boundary, data, &form{fields: &fields, files: files, fileNames: &fileNames})
		args, argNames := fields.Values()
		if err != nil && !errors.Is(err, ErrBadForm) {
			t.Fatalf("ParseMultipartFormData(%q, %q) error %v does not match ErrBadForm", boundary, data, err)
		}
		// The names are the keys, each once, in the order first seen.
		if got, want := slices.Sorted(slices.Values(argNames)), slices.Sorted(maps.Keys(args)); !slices.Equal(got, want) {
			t.Errorf("argument names %q, want the keys %q", argNames, want)
		}
		if got, want := slices.Sorted(slices.Values(fileNames)), slices.Sorted(maps.Keys(files)); !slices.Equal(got, want) {
			t.Errorf("file names %q, want the keys %q", fileNames, want)
		}
		n := 0
		for _, vs := range args {
			n += len(vs)
		}
		for name, fs := range files {
			if name == "" {
				t.Errorf("file with empty field name")
			}
			for _, f := range fs {
				n++
				if f.Filename == "" || len(f.Body) > len(data) {
					t.Errorf("bad file %+v", f)
				}
			}
		}
		if n > 50 {
			t.Errorf("%d parts accepted, limit 50", n)
		}
	})
}

func BenchmarkParseMultipartFormData(b *testing.B) {
	body := multipartBody(20)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		_ = ParseMultipartFormData("B", body, url.Values{}, map[string][]*File{})
	}
}
