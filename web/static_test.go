package web

import (
	"bufio"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotornado/tornado/httputil"
)

const staticDir = "testdata/static"

// fileHash returns the hex SHA-512 of the file name under staticDir.
func fileHash(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(staticDir, name))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(b)
	return hex.EncodeToString(sum[:])
}

// staticApp serves staticDir at /static/ (with default_filename), and at
// /plain/ without it.
func staticApp(t *testing.T, expected ...string) *Application {
	s, _ := quietSettings(t, expected...)
	s.StaticPath = staticDir
	s.StaticHandler = R[StaticFileHandler]("", Args{"default_filename": "index.html"})
	return NewApplication([]Rule{
		R[StaticFileHandler](`/plain/(.*)`, Args{"path": staticDir}),
	}, s)
}

func TestStaticFiles(t *testing.T) {
	hello, _ := os.ReadFile(filepath.Join(staticDir, "hello.txt"))
	fi, err := os.Stat(filepath.Join(staticDir, "hello.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lastMod := httputil.FormatHTTPDate(fi.ModTime())
	before := httputil.FormatHTTPDate(fi.ModTime().Add(-time.Hour))
	etag := `"` + fileHash(t, "hello.txt") + `"`
	tests := []struct {
		name, method, path string
		header             []string
		code               int
		body               string
		want               map[string]string // headers; "" means absent
	}{
		{name: "file", path: "/static/hello.txt", code: 200, body: string(hello), want: map[string]string{
			"Etag": etag, "Last-Modified": lastMod, "Accept-Ranges": "bytes",
			"Content-Type": "text/plain; charset=utf-8", "Content-Length": "12", "Cache-Control": "", "Expires": ""}},
		{name: "versioned", path: "/static/hello.txt?v=abc", code: 200, body: string(hello), want: map[string]string{
			"Cache-Control": "max-age=315360000"}},
		{name: "robots", path: "/robots.txt", code: 200, body: "User-agent: *\nDisallow:\n"},
		{name: "favicon", path: "/favicon.ico", code: 200, body: "\x00\x00\x01\x00icon"},
		{name: "other rule", path: "/plain/hello.txt", code: 200, body: string(hello)},
		{name: "gzip file", path: "/static/archive.tar.gz", code: 200, want: map[string]string{"Content-Type": "application/gzip"}},
		{name: "head", method: "HEAD", path: "/static/hello.txt", code: 200, want: map[string]string{
			"Content-Length": "12", "Etag": etag}},
		{name: "if-none-match", path: "/static/hello.txt", header: []string{"If-None-Match", etag}, code: 304, want: map[string]string{
			"Etag": etag, "Content-Type": ""}},
		{name: "if-none-match list", path: "/static/hello.txt", header: []string{"If-None-Match", `"x", ` + etag}, code: 304},
		{name: "if-none-match other", path: "/static/hello.txt", header: []string{"If-None-Match", `"x"`, "If-Modified-Since", lastMod}, code: 200, body: string(hello)},
		{name: "if-modified-since", path: "/static/hello.txt", header: []string{"If-Modified-Since", lastMod}, code: 304},
		{name: "modified since", path: "/static/hello.txt", header: []string{"If-Modified-Since", before}, code: 200, body: string(hello)},
		{name: "range", path: "/static/hello.txt", header: []string{"Range", "bytes=0-4"}, code: 206, body: "Hello", want: map[string]string{
			"Content-Range": "bytes 0-4/12", "Content-Length": "5", "Etag": etag}},
		{name: "suffix range", path: "/static/hello.txt", header: []string{"Range", "bytes=-5"}, code: 206, body: "world"},
		{name: "open range", path: "/static/hello.txt", header: []string{"Range", "bytes=7-"}, code: 206, body: "world"},
		{name: "whole range", path: "/static/hello.txt", header: []string{"Range", "bytes=0-"}, code: 200, body: string(hello), want: map[string]string{
			"Content-Range": ""}},
		{name: "bad range", path: "/static/hello.txt", header: []string{"Range", "bytes=a-b"}, code: 200, body: string(hello)},
		{name: "unsatisfiable", path: "/static/hello.txt", header: []string{"Range", "bytes=12-"}, code: 416, want: map[string]string{
			"Content-Range": "bytes */12", "Content-Type": "text/plain"}},
		{name: "head range", method: "HEAD", path: "/static/hello.txt", header: []string{"Range", "bytes=1-2"}, code: 206, want: map[string]string{
			"Content-Length": "2", "Content-Range": "bytes 1-2/12"}},
		{name: "missing", path: "/static/nope.txt", code: 404},
		{name: "under a file", path: "/static/hello.txt/x", code: 404},
		{name: "directory", path: "/plain/sub/", code: 403},
		{name: "root", path: "/plain/", code: 403},
		{name: "directory redirect", path: "/static/sub", code: 301, want: map[string]string{"Location": "/static/sub/"}},
		{name: "default filename", path: "/static/sub/", code: 200, body: "<p>index</p>\n", want: map[string]string{
			"Content-Type": "text/html; charset=utf-8"}},
		{name: "cleaned inside", path: "/static/sub/..%2Fhello.txt", code: 200, body: string(hello)},
	}
	servers(t, func(t *testing.T) *Application {
		return staticApp(t, "403 GET", "404 GET")
	}, func(t *testing.T, base string) {
		client := testClient(t)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				method := tc.method
				if method == "" {
					method = "GET"
				}
				resp, body := fetch(t, client, method, base+tc.path, "", tc.header...)
				if resp.StatusCode != tc.code {
					t.Fatalf("%s %s = %d, want %d (%q)", method, tc.path, resp.StatusCode, tc.code, body)
				}
				if tc.body != "" && body != tc.body {
					t.Errorf("%s %s: body %q, want %q", method, tc.path, body, tc.body)
				}
				if method == "HEAD" && body != "" {
					t.Errorf("HEAD %s: body %q", tc.path, body)
				}
				for k, v := range tc.want {
					if got := resp.Header.Get(k); got != v {
						t.Errorf("%s %s: %s = %q, want %q", method, tc.path, k, got, v)
					}
				}
			})
		}
		resp, _ := fetch(t, client, "GET", base+"/static/hello.txt?v=1", "")
		exp, err := http.ParseTime(resp.Header.Get("Expires"))
		if want := time.Now().Add(staticCacheAge); err != nil || exp.Before(want.Add(-time.Hour)) || exp.After(want.Add(time.Hour)) {
			t.Errorf("Expires = %q, want about %v", resp.Header.Get("Expires"), want)
		}
	})
}

// A path that leads out of the root, however spelt, gets 403 or 404 and
// never a byte of the file outside; a symbolic link inside the root is
// followed.
func TestStaticTraversal(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	secret := "TOP SECRET"
	must(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "secret.txt"), []byte(secret), 0o644))
	must(t, os.WriteFile(filepath.Join(root, "a.txt"), []byte("inside"), 0o644))
	symlinks := os.Symlink("a.txt", filepath.Join(root, "in.txt")) == nil &&
		os.Symlink("../secret.txt", filepath.Join(root, "out.txt")) == nil &&
		os.Symlink(filepath.Join(dir, "secret.txt"), filepath.Join(root, "abs.txt")) == nil &&
		os.Symlink("..", filepath.Join(root, "sub", "up")) == nil &&
		os.Symlink(dir, filepath.Join(root, "dirlink")) == nil
	paths := []string{
		"/s/../secret.txt",
		"/s/..%2fsecret.txt",
		"/s/%2e%2e/secret.txt",
		"/s/%2E%2E%2Fsecret.txt",
		"/s/sub/../../secret.txt",
		"/s/sub/%2e%2e/%2e%2e/secret.txt",
		"/s/" + strings.ReplaceAll(filepath.Join(dir, "secret.txt"), "/", "%2f"),
		"/s//" + strings.TrimPrefix(filepath.Join(dir, "secret.txt"), "/"),
		"/s/..%5csecret.txt",
		"/s/sub%5c..%5c..%5csecret.txt",
		"/s/a.txt%00.png",
		"/s/" + strings.Repeat("../", 20) + "etc/passwd",
	}
	if symlinks {
		paths = append(paths, "/s/out.txt", "/s/abs.txt", "/s/sub/up/../secret.txt", "/s/sub/up/%2e%2e/secret.txt", "/s/dirlink/secret.txt")
	}
	servers(t, func(t *testing.T) *Application {
		s, _ := quietSettings(t)
		return NewApplication([]Rule{R[StaticFileHandler](`/s/(.*)`, Args{"path": root})}, s)
	}, func(t *testing.T, base string) {
		for _, p := range paths {
			resp := rawRequest(t, base, "GET "+p+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			status, _, _ := strings.Cut(resp, "\r\n")
			if strings.Contains(resp, secret) {
				t.Errorf("GET %s served the file outside the root: %q", p, status)
			}
			if !strings.Contains(status, " 403 ") && !strings.Contains(status, " 404 ") && !strings.Contains(status, " 400 ") {
				t.Errorf("GET %s = %q, want 403 or 404", p, status)
			}
		}
		if symlinks {
			resp := rawRequest(t, base, "GET /s/in.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			if !strings.HasPrefix(resp, "HTTP/1.1 200 ") || !strings.HasSuffix(resp, "inside") {
				t.Errorf("GET /s/in.txt (a link inside the root) = %q", resp)
			}
		}
	})
}

// testClient returns an HTTP client that does not follow redirects nor
// decompress, closed when the test ends.
func testClient(t testing.TB) *http.Client {
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestStaticContentType(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"a.gz", "application/gzip"},
		{"a.tar.gz", "application/gzip"},
		{"a.svgz", "application/gzip"},
		{"a.tar.bz2", "application/octet-stream"},
		{"a.xz", "application/octet-stream"},
		{"a.nosuchtype", "application/octet-stream"},
		{"noext", "application/octet-stream"},
		{"a.css", "text/css; charset=utf-8"},
		{"a.txt", "text/plain; charset=utf-8"},
		{"a.TXT", "text/plain; charset=utf-8"},
		{"a.json", "application/json"},
		{"a.svg", "image/svg+xml"},
	} {
		if got := staticContentType(tc.name); got != tc.want {
			t.Errorf("staticContentType(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCleanStaticPath(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"a.txt", "a.txt", nil},
		{"", ".", nil},
		{"sub/", "sub", nil},
		{"sub/../a.txt", "a.txt", nil},
		{"./a//b", "a/b", nil},
		{"..", "", errOutsideRoot},
		{"../a", "", errOutsideRoot},
		{"a/../../b", "", errOutsideRoot},
		{"/etc/passwd", "", errOutsideRoot},
		{`..\a`, "", errOutsideRoot},
		{`a\b`, "", errOutsideRoot},
		{"a\x00b", "", os.ErrNotExist},
	}
	for _, tc := range tests {
		got, err := cleanStaticPath(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("cleanStaticPath(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// FuzzStaticPath checks that no path, whatever it holds, opens a file
// outside the root: not the file beside it, not through the symbolic
// links in it.
func FuzzStaticPath(f *testing.F) {
	dir := f.TempDir()
	root := filepath.Join(dir, "root")
	must(f, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	must(f, os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("secret"), 0o644))
	must(f, os.WriteFile(filepath.Join(root, "a.txt"), []byte("inside"), 0o644))
	os.Symlink("../secret.txt", filepath.Join(root, "out.txt"))
	os.Symlink("..", filepath.Join(root, "sub", "up"))
	os.Symlink(dir, filepath.Join(root, "dirlink"))
	secret, err := os.Stat(filepath.Join(dir, "secret.txt"))
	if err != nil {
		f.Fatal(err)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		f.Fatal(err)
	}
	defer r.Close()
	for _, s := range []string{"a.txt", "../secret.txt", "out.txt", "sub/up/secret.txt", "dirlink/secret.txt", "/etc/passwd", `..\secret.txt`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		name, err := cleanStaticPath(p)
		if err != nil {
			return
		}
		if strings.HasPrefix(name, "..") && (len(name) == 2 || name[2] == '/') || strings.HasPrefix(name, "/") {
			t.Fatalf("cleanStaticPath(%q) = %q, outside the root", p, name)
		}
		file, fi, err := openStatic(r, name)
		if err != nil {
			return
		}
		file.Close()
		if os.SameFile(fi, secret) {
			t.Fatalf("openStatic(%q) opened the file outside the root", p)
		}
	})
}

func TestStaticURL(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.js")
	must(t, os.WriteFile(path, []byte("one();"), 0o644))
	stamp := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	must(t, os.Chtimes(path, stamp, stamp))
	hash := func(s string) string {
		sum := sha512.Sum512([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	newApp := func(s Settings) (*Application, *RequestHandler) {
		s.StaticPath = dir
		app := NewApplication(nil, s)
		return app, &RequestHandler{app: app}
	}
	settings, _ := quietSettings(t, "Could not open static file")
	_, h := newApp(settings)
	url, err := h.StaticURL("app.js")
	if want := "/static/app.js?v=" + hash("one();"); url != want || err != nil {
		t.Fatalf("StaticURL = %q, %v; want %q", url, err, want)
	}
	// Same size and time: the cached hash stays, as in Tornado.
	must(t, os.WriteFile(path, []byte("two();"), 0o644))
	must(t, os.Chtimes(path, stamp, stamp))
	if url, _ := h.StaticURL("app.js"); !strings.HasSuffix(url, hash("one();")) {
		t.Errorf("cached StaticURL = %q, want the first hash", url)
	}
	// Reloading hashes sees the change.
	reloading := settings
	reloading.ReloadStaticHashes = true
	_, hr := newApp(reloading)
	if url, _ := hr.StaticURL("app.js"); !strings.HasSuffix(url, hash("two();")) {
		t.Errorf("StaticURL with ReloadStaticHashes = %q, want the new hash", url)
	}
	debug := settings
	debug.Debug = true
	_, hd := newApp(debug)
	hd.StaticURL("app.js")
	must(t, os.WriteFile(path, []byte("six();"), 0o644))
	must(t, os.Chtimes(path, stamp, stamp))
	if url, _ := hd.StaticURL("app.js"); !strings.HasSuffix(url, hash("six();")) {
		t.Errorf("StaticURL with Debug = %q, want the new hash", url)
	}
	// A new modification time invalidates the cached hash.
	must(t, os.Chtimes(path, stamp.Add(time.Hour), stamp.Add(time.Hour)))
	if url, _ := h.StaticURL("app.js"); !strings.HasSuffix(url, hash("six();")) {
		t.Errorf("StaticURL of a touched file = %q, want the new hash", url)
	}
	prefixed := settings
	prefixed.StaticURLPrefix = "/assets/"
	_, hp := newApp(prefixed)
	if url, _ := hp.StaticURL("app.js"); !strings.HasPrefix(url, "/assets/app.js?v=") {
		t.Errorf("StaticURL with a prefix = %q", url)
	}
	if url, err := h.StaticURL("missing.js"); url != "/static/missing.js" || err != nil {
		t.Errorf("StaticURL(missing) = %q, %v; want no version", url, err)
	}
	if url, err := h.StaticURL("../secret"); url != "/static/../secret" || err != nil {
		t.Errorf("StaticURL(outside) = %q, %v; want no version", url, err)
	}
	if _, err := (&RequestHandler{app: NewApplication(nil, Settings{})}).StaticURL("x"); !errors.Is(err, ErrNoStaticPath) {
		t.Errorf("StaticURL without StaticPath: %v, want ErrNoStaticPath", err)
	}
	// Many loops share the cache.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if url, _ := h.StaticURL("app.js"); !strings.HasSuffix(url, hash("six();")) {
					t.Errorf("concurrent StaticURL = %q", url)
					return
				}
			}
		})
	}
	wg.Wait()
}

// The Etag of a static file is the hash in its StaticURL, and a versioned
// URL is served with the ten-year caching headers.
func TestStaticURLServed(t *testing.T) {
	app := staticApp(t)
	base, client := serve(t, app)
	url, err := (&RequestHandler{app: app}).StaticURL("style.css")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := fetch(t, client, "GET", base+url, "")
	want, _ := os.ReadFile(filepath.Join(staticDir, "style.css"))
	if resp.StatusCode != 200 || body != string(want) {
		t.Fatalf("GET %s = %d", url, resp.StatusCode)
	}
	_, v, _ := strings.Cut(url, "?v=")
	if resp.Header.Get("Etag") != `"`+v+`"` || resp.Header.Get("Cache-Control") != "max-age=315360000" {
		t.Errorf("GET %s: Etag %q, Cache-Control %q", url, resp.Header.Get("Etag"), resp.Header.Get("Cache-Control"))
	}
}

// customStatic overrides the cache time and adds a header.
type customStatic struct{ StaticFileHandler }

func (h *customStatic) CacheTime(path string, modified time.Time, contentType string) time.Duration {
	if strings.HasPrefix(contentType, "text/css") {
		return time.Minute
	}
	return 0
}

func (h *customStatic) SetExtraHeaders(path string) { h.SetHeader("X-Static", path) }

func TestStaticHandlerSetting(t *testing.T) {
	servers(t, func(t *testing.T) *Application {
		s, _ := quietSettings(t)
		s.StaticPath = staticDir
		s.StaticURLPrefix = "/files/"
		s.StaticHandler = R[customStatic]("ignored", Args{"default_filename": "index.html"}, Name("ignored"))
		return NewApplication(nil, s)
	}, func(t *testing.T, base string) {
		client := testClient(t)
		resp, _ := fetch(t, client, "GET", base+"/files/style.css", "")
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "max-age=60" || resp.Header.Get("X-Static") != "style.css" {
			t.Errorf("GET /files/style.css = %d, Cache-Control %q, X-Static %q", resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("X-Static"))
		}
		resp, _ = fetch(t, client, "GET", base+"/files/hello.txt?v=1", "")
		if resp.Header.Get("Cache-Control") != "" {
			t.Errorf("GET /files/hello.txt?v=1: Cache-Control %q, want none (CacheTime says 0)", resp.Header.Get("Cache-Control"))
		}
		if resp, body := fetch(t, client, "GET", base+"/files/sub/", ""); body != "<p>index</p>\n" {
			t.Errorf("GET /files/sub/ = %d %q", resp.StatusCode, body)
		}
		if resp, _ := fetch(t, client, "GET", base+"/robots.txt", ""); resp.Header.Get("X-Static") != "robots.txt" {
			t.Errorf("GET /robots.txt: X-Static %q", resp.Header.Get("X-Static"))
		}
	})
}

// A file larger than a chunk is streamed: ranges of it, and all of it.
func TestStaticStreamed(t *testing.T) {
	dir := t.TempDir()
	content := make([]byte, 5*staticChunk+123)
	for i := range content {
		content[i] = byte(i*7 + i/251)
	}
	must(t, os.WriteFile(filepath.Join(dir, "big.bin"), content, 0o644))
	servers(t, func(t *testing.T) *Application {
		s, _ := quietSettings(t)
		s.StaticPath = dir
		return NewApplication(nil, s)
	}, func(t *testing.T, base string) {
		client := testClient(t)
		for _, tc := range []struct {
			rng        string
			start, end int
		}{
			{"", 0, len(content)},
			{"bytes=100-", 100, len(content)},
			{"bytes=70000-70010", 70000, 70011},
			{"bytes=65536-200000", 65536, 200001},
			{"bytes=-100000", len(content) - 100000, len(content)},
		} {
			var h []string
			if tc.rng != "" {
				h = []string{"Range", tc.rng}
			}
			resp, body := fetch(t, client, "GET", base+"/static/big.bin", "", h...)
			if body != string(content[tc.start:tc.end]) {
				t.Errorf("GET big.bin Range %q: %d, %d bytes, want bytes %d-%d", tc.rng, resp.StatusCode, len(body), tc.start, tc.end)
			}
			if resp.Header.Get("Content-Type") != "application/octet-stream" || resp.Header.Get("Etag") == "" {
				t.Errorf("GET big.bin: Content-Type %q, Etag %q", resp.Header.Get("Content-Type"), resp.Header.Get("Etag"))
			}
		}
		resp, body := fetch(t, client, "HEAD", base+"/static/big.bin", "")
		if resp.StatusCode != 200 || body != "" || resp.ContentLength != int64(len(content)) {
			t.Errorf("HEAD big.bin = %d, %d bytes, Content-Length %d", resp.StatusCode, len(body), resp.ContentLength)
		}
	})
}

// A client that leaves in the middle of a streamed file ends the
// response: the handler stops reading and closes the file (the leak check
// of TestMain counts the descriptors).
func TestStaticStreamClientLeaves(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.bin")
	must(t, os.WriteFile(big, nil, 0o644))
	must(t, os.Truncate(big, 64<<20))
	var rec *logRecorder
	servers(t, func(t *testing.T) *Application {
		var s Settings
		s, rec = quietSettings(t)
		s.StaticPath = dir
		return NewApplication(nil, s)
	}, func(t *testing.T, base string) {
		conn := dialSend(t, base, "GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n", 10*time.Second)
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(io.Discard, resp.Body, 3*staticChunk); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if !rec.await("INFO 200 GET /static/big.bin") {
			t.Errorf("the response did not end when the client left: %q", rec.messages())
		}
	})
}
