package httputil

import (
	"errors"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"
)

func newFormRequest(contentType, body string) *ServerRequest {
	r := &ServerRequest{
		Method: "POST", URI: "/p?a=1&b=&c", Path: "/p", Query: "a=1&b=&c", Version: "HTTP/1.1",
		Protocol: "https", Host: "example.com:8443", HostName: "example.com",
		Body: []byte(body),
	}
	if contentType != "" {
		r.Header.Add("Content-Type", contentType)
	}
	return r
}

func TestServerRequestArguments(t *testing.T) {
	r := newFormRequest("application/x-www-form-urlencoded", "a=2&d=4")
	if got, want := r.QueryArguments(), (url.Values{"a": {"1"}, "b": {""}, "c": {""}}); !reflect.DeepEqual(got, want) {
		t.Errorf("QueryArguments() = %q, want %q", got, want)
	}
	if got, want := r.BodyArguments(), (url.Values{"a": {"2"}, "d": {"4"}}); !reflect.DeepEqual(got, want) {
		t.Errorf("BodyArguments() = %q, want %q", got, want)
	}
	want := url.Values{"a": {"1", "2"}, "b": {""}, "c": {""}, "d": {"4"}}
	if got := r.Arguments(); !reflect.DeepEqual(got, want) {
		t.Errorf("Arguments() = %q, want %q", got, want)
	}
	if got := r.QueryArguments()["a"]; !reflect.DeepEqual(got, []string{"1"}) {
		t.Errorf("Arguments() changed QueryArguments()[%q] to %q", "a", got)
	}
	if err := r.ParseBody(); err != nil {
		t.Errorf("ParseBody() = %v, want nil", err)
	}
	if got, want := r.FullURL(), "https://example.com:8443/p?a=1&b=&c"; got != want {
		t.Errorf("FullURL() = %q, want %q", got, want)
	}
}

func TestServerRequestFiles(t *testing.T) {
	body := string(mp("--b", `Content-Disposition: form-data; name="up"; filename="x.bin"`, "Content-Type: application/octet-stream", "", "\x00\x01", "--b--"))
	r := newFormRequest("multipart/form-data; boundary=b", body)
	files := r.Files()
	if len(files["up"]) != 1 || files["up"][0].Filename != "x.bin" || string(files["up"][0].Body) != "\x00\x01" {
		t.Errorf("Files() = %+v, want one file x.bin", files)
	}
	if len(r.BodyArguments()) != 0 {
		t.Errorf("BodyArguments() = %q, want empty", r.BodyArguments())
	}
}

func TestServerRequestBadBody(t *testing.T) {
	part := func(lines ...string) string {
		return string(mp(append(append([]string{"--b"}, lines...), "--b--")...))
	}
	good := part(`Content-Disposition: form-data; name="a"`, "", "1")
	tests := []struct {
		name, contentType string
		encodings         []string
		body              string
		wantErr           error
	}{
		// Tornado 6.5's parse_body_arguments (CVE-2025-47287) raises for each of these.
		{"bad multipart", "multipart/form-data; boundary=b", nil, "--b\r\nno headers\r\n--b--", ErrBadForm},
		{"no final boundary", "multipart/form-data; boundary=b", nil, string(mp("--b", `Content-Disposition: form-data; name="a"`, "", "1", "--b", "")), ErrBadForm},
		{"final boundary of another", "multipart/form-data; boundary=b", nil, string(mp("--b", `Content-Disposition: form-data; name="a"`, "", "1", "--c--")), ErrBadForm},
		{"empty multipart", "multipart/form-data; boundary=b", nil, "", ErrBadForm},
		{"no boundary parameter", "multipart/form-data", nil, good, ErrNoBoundary},
		{"no Content-Disposition", "multipart/form-data; boundary=b", nil, part("Content-Type: text/plain", "", "1"), ErrBadForm},
		{"not form-data", "multipart/form-data; boundary=b", nil, part(`Content-Disposition: attachment; name="a"`, "", "1"), ErrBadForm},
		{"no name", "multipart/form-data; boundary=b", nil, part(`Content-Disposition: form-data; filename="x.txt"`, "", "1"), ErrBadForm},
		{"empty name", "multipart/form-data; boundary=b", nil, part(`Content-Disposition: form-data; name=""`, "", "1"), ErrBadForm},
		{"gzip form", "application/x-www-form-urlencoded", []string{"gzip"}, "a=1", ErrUnsupportedEncoding},
		{"deflate form", "application/x-www-form-urlencoded; charset=utf-8", []string{"deflate"}, "a=1", ErrUnsupportedEncoding},
		{"gzip multipart", "multipart/form-data; boundary=b", []string{"gzip"}, good, ErrUnsupportedEncoding},
		{"br multipart without boundary", "multipart/form-data", []string{"br"}, good, ErrUnsupportedEncoding},
		{"identity then gzip", "application/x-www-form-urlencoded", []string{"identity", "gzip"}, "a=1", ErrUnsupportedEncoding},
		{"list with gzip", "application/x-www-form-urlencoded", []string{"identity, gzip"}, "a=1", ErrUnsupportedEncoding},
		{"gzip json", "application/json", []string{"gzip"}, "{}", nil},
		{"gzip no type", "", []string{"gzip"}, "a=1", nil},
		{"identity", "application/x-www-form-urlencoded", []string{"identity"}, "a=1", nil},
		{"IDENTITY multipart", "multipart/form-data; boundary=b", []string{" IDENTITY "}, good, nil},
		{"good multipart", "multipart/form-data; boundary=b", nil, good, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newFormRequest(tt.contentType, tt.body)
			for _, ce := range tt.encodings {
				r.Header.Add("Content-Encoding", ce)
			}
			err := r.ParseBody()
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("ParseBody() = %v, want %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrBadForm) {
				t.Errorf("ParseBody() = %v, which does not match %v", err, ErrBadForm)
			}
			if tt.wantErr != nil && len(r.BodyArguments())+len(r.Files())+len(r.BodyArgumentNames())+len(r.FileNames()) != 0 {
				t.Errorf("malformed body gave arguments %q, files %v", r.BodyArguments(), r.Files())
			}
			if r.BodyArguments() == nil || r.Files() == nil {
				t.Errorf("BodyArguments()/Files() returned nil maps")
			}
		})
	}
}

func TestParseBodyNoAlloc(t *testing.T) {
	r := &ServerRequest{Method: "GET", URI: "/", Path: "/", Version: "HTTP/1.1"}
	r.Header.Add("Host", "example.com")
	r.Header.Add("Accept", "*/*")
	n := testing.AllocsPerRun(100, func() {
		r.parsedBody = false
		if err := r.ParseBody(); err != nil {
			t.Fatalf("ParseBody() = %v, want nil", err)
		}
	})
	if n != 0 {
		t.Errorf("ParseBody() on a GET without body: allocs = %v, want 0", n)
	}
	if len(r.BodyArguments()) != 0 || len(r.Files()) != 0 || r.BodyArgumentNames() != nil || r.FileNames() != nil {
		t.Errorf("GET without body: BodyArguments() = %q, Files() = %v", r.BodyArguments(), r.Files())
	}
}

func TestServerRequestNames(t *testing.T) {
	body := string(mp("--b",
		`Content-Disposition: form-data; name="zeta"`, "", "1",
		"--b",
		`Content-Disposition: form-data; name="up2"; filename="b.txt"`, "", "B",
		"--b",
		`Content-Disposition: form-data; name="m"`, "", "2",
		"--b",
		`Content-Disposition: form-data; name="alpha"`, "", "3",
		"--b",
		`Content-Disposition: form-data; name="up1"; filename="a.txt"`, "", "A",
		"--b",
		`Content-Disposition: form-data; name="zeta"`, "", "4",
		"--b",
		`Content-Disposition: form-data; name="up2"; filename="c.txt"`, "", "C",
		"--b--"))
	r := newFormRequest("multipart/form-data; boundary=b", body)
	r.Query = "z=1&m=0&a=2&z=3&&b"
	r.Header.Add("Cookie", "sid=1; theme=dark; path=/; a=x")
	r.Header.Add("Cookie", "z=2; sid=3")
	for _, tt := range []struct {
		name string
		got  func() []string
		want []string
	}{
		{"QueryArgumentNames", r.QueryArgumentNames, []string{"z", "m", "a", "b"}},
		{"BodyArgumentNames", r.BodyArgumentNames, []string{"zeta", "m", "alpha"}},
		{"ArgumentNames", r.ArgumentNames, []string{"z", "m", "a", "b", "zeta", "alpha"}},
		{"FileNames", r.FileNames, []string{"up2", "up1"}},
		{"CookieNames", r.CookieNames, []string{"sid", "theme", "a", "z"}},
	} {
		if got := tt.got(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s() = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got, want := r.Arguments()["m"], []string{"0", "2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Arguments()[%q] = %q, want %q", "m", got, want)
	}
	if got, want := r.Cookies()["sid"], "3"; got != want {
		t.Errorf("Cookies()[%q] = %q, want %q", "sid", got, want)
	}
	names := func(m map[string][]string) []string { return slices.Sorted(maps.Keys(m)) }
	if got, want := slices.Sorted(slices.Values(r.ArgumentNames())), names(r.Arguments()); !reflect.DeepEqual(got, want) {
		t.Errorf("ArgumentNames() sorted = %q, want the keys of Arguments() %q", got, want)
	}

	urlencoded := newFormRequest("application/x-www-form-urlencoded", "y=1&x=2&y=3&a")
	urlencoded.Query = ""
	if got, want := urlencoded.ArgumentNames(), []string{"y", "x", "a"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ArgumentNames() = %q, want %q", got, want)
	}
	var empty ServerRequest
	if got := empty.ArgumentNames(); len(got) != 0 {
		t.Errorf("ArgumentNames() of an empty request = %q, want none", got)
	}
}

func TestServerRequestTime(t *testing.T) {
	start := time.Now()
	r := &ServerRequest{StartTime: start}
	if d := r.RequestTime(); d < 0 {
		t.Errorf("RequestTime() = %v before finish, want >= 0", d)
	}
	r.MarkFinished(start.Add(1500 * time.Millisecond))
	if got, want := r.RequestTime(), 1500*time.Millisecond; got != want {
		t.Errorf("RequestTime() = %v, want %v", got, want)
	}
}

func TestServerRequestReset(t *testing.T) {
	r := newFormRequest("application/x-www-form-urlencoded", "x=1")
	r.Header.Add("Cookie", "a=b")
	_ = r.Arguments()
	_ = r.Cookies()
	r.MarkFinished(time.Now())
	capBefore := cap(r.Header.fields)
	r.Reset()
	if r.ex == nil {
		t.Fatal("Reset dropped the extra state's storage")
	}
	if !reflect.DeepEqual(*r, ServerRequest{Header: Header{fields: r.Header.fields}, ex: r.ex}) || r.Header.Len() != 0 || !reflect.DeepEqual(*r.ex, requestExtra{}) {
		t.Errorf("Reset left state: %+v %+v", *r, *r.ex)
	}
	if cap(r.Header.fields) != capBefore {
		t.Errorf("Reset dropped header storage: cap %d, want %d", cap(r.Header.fields), capBefore)
	}
	if len(r.Arguments()) != 0 || len(r.Cookies()) != 0 {
		t.Errorf("after Reset, Arguments() = %q, Cookies() = %q", r.Arguments(), r.Cookies())
	}

	n := testing.AllocsPerRun(100, func() {
		r.Method, r.URI, r.Path, r.Version = "GET", "/", "/", "HTTP/1.1"
		r.Header.Add("Host", "example.com")
		r.Header.Add("Accept", "*/*")
		r.Reset()
	})
	if n != 0 {
		t.Errorf("fill + Reset allocs = %v, want 0", n)
	}
}

func TestHostName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"example.com", "example.com"},
		{"example.com:8080", "example.com"},
		{"[::1]:8080", "::1"},
		{"[::1]", "::1"},
		{"[::1", "[::1"},
		{"::1", "::1"},
		{"fe80::1:80", "fe80::1:80"},
		{"", ""},
		{":80", ""},
		{"Example.COM:8080", "example.com"},
		{"[FE80::1]:80", "fe80::1"},
	} {
		if got := HostName(tt.in); got != tt.want {
			t.Errorf("HostName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestArgumentsWithoutMerge: a form body with no query (a form POST, a long
// poll) gives its arguments without a merged copy, and a query with no body
// likewise; with both, the merge keeps Tornado's order.
func TestArgumentsWithoutMerge(t *testing.T) {
	body := func(query, form string) *ServerRequest {
		r := &ServerRequest{Method: "POST", Query: query, Body: []byte(form)}
		if form != "" {
			r.Header.Add("Content-Type", "application/x-www-form-urlencoded")
		}
		return r
	}
	r := body("", "cursor=7&x=1")
	if got := r.Arguments(); got.Get("cursor") != "7" || reflect.ValueOf(got).UnsafePointer() != reflect.ValueOf(r.BodyArguments()).UnsafePointer() {
		t.Errorf("body only: Arguments() = %v, want the body's own map", got)
	}
	if got := r.ArgumentNames(); !slices.Equal(got, []string{"cursor", "x"}) {
		t.Errorf("body only: ArgumentNames() = %q", got)
	}
	r = body("a=1&b=2", "")
	if got := r.Arguments(); got.Get("b") != "2" || len(got) != 2 {
		t.Errorf("query only: Arguments() = %v", got)
	}
	r = body("a=1", "a=2&c=3")
	if got := r.Arguments(); !slices.Equal(got["a"], []string{"1", "2"}) || got.Get("c") != "3" {
		t.Errorf("both: Arguments() = %v", got)
	}
	if got := r.ArgumentNames(); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("both: ArgumentNames() = %q", got)
	}
	if len(r.Files()) != 0 {
		t.Errorf("Files() of a urlencoded body = %v", r.Files())
	}
}
