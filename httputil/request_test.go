package httputil

import (
	"errors"
	"net/url"
	"reflect"
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
	tests := []struct {
		name, contentType, encoding, body string
		wantErr                           error
	}{
		{"bad multipart", "multipart/form-data; boundary=b", "", "--b\r\nno headers\r\n--b--", ErrBadForm},
		{"gzip form", "application/x-www-form-urlencoded", "gzip", "a=1", ErrUnsupportedEncoding},
		{"gzip json", "application/json", "gzip", "{}", nil},
		{"identity", "application/x-www-form-urlencoded", "identity", "a=1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newFormRequest(tt.contentType, tt.body)
			if tt.encoding != "" {
				r.Header.Add("Content-Encoding", tt.encoding)
			}
			if err := r.ParseBody(); !errors.Is(err, tt.wantErr) {
				t.Errorf("ParseBody() = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil && len(r.BodyArguments())+len(r.Files()) != 0 {
				t.Errorf("malformed body gave arguments %q, files %v", r.BodyArguments(), r.Files())
			}
			if r.BodyArguments() == nil || r.Files() == nil {
				t.Errorf("BodyArguments()/Files() returned nil maps")
			}
		})
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
	if !reflect.DeepEqual(*r, ServerRequest{Header: Header{fields: r.Header.fields}}) || r.Header.Len() != 0 {
		t.Errorf("Reset left state: %+v", *r)
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
