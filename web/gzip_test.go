package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotornado/tornado/httputil"
)

// gzipText returns n bytes of compressible text.
func gzipText(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "line %d of the text, ", i)
	}
	return b.String()[:n]
}

// gunzip decompresses body, failing t if it is not gzip.
func gunzip(t testing.TB, body string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not gzip: %v (%q)", err, body[:min(len(body), 40)])
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return string(b)
}

// gzipRules are the handlers of the gzip tests.
func gzipRules() []Rule {
	return []Rule{
		fn(`/text`, func(h *funcHandler) error {
			n, _ := strconv.Atoi(h.GetQueryArguments("n")[0])
			_, err := h.WriteString(gzipText(n))
			return err
		}),
		fn(`/png`, func(h *funcHandler) error {
			h.SetHeader("Content-Type", "image/png")
			_, err := h.WriteString(gzipText(2000))
			return err
		}),
		fn(`/encoded`, func(h *funcHandler) error {
			h.SetHeader("Content-Encoding", "br")
			_, err := h.WriteString(gzipText(2000))
			return err
		}),
		fn(`/vary`, func(h *funcHandler) error {
			h.SetHeader("Vary", "Cookie")
			_, err := h.WriteString(gzipText(2000))
			return err
		}),
		fn(`/json`, func(h *funcHandler) error {
			return h.WriteJSON(map[string]string{"text": gzipText(3000)})
		}),
		fn(`/nocontent`, func(h *funcHandler) error { return h.SetStatus(204) }),
	}
}

func gzipApp(t *testing.T) *Application {
	s, _ := quietSettings(t)
	s.CompressResponse = true
	return NewApplication(gzipRules(), s)
}

func TestGzip(t *testing.T) {
	sha := func(s string) string {
		sum := sha1.Sum([]byte(s))
		return `"` + hex.EncodeToString(sum[:]) + `"`
	}
	big := gzipText(2000)
	gz := []string{"Accept-Encoding", "gzip"}
	tests := []struct {
		name, method, path string
		header             []string
		code               int
		gzip               bool
		body               string // uncompressed; "" means not checked
		vary, encoding     string
	}{
		{name: "compressed", path: "/text?n=2000", header: gz, code: 200, gzip: true, body: big},
		{name: "small body", path: "/text?n=100", header: gz, code: 200, body: big[:100]},
		{name: "just long enough", path: "/text?n=1024", header: gz, code: 200, gzip: true, body: big[:1024]},
		{name: "not accepted", path: "/text?n=2000", code: 200, body: big},
		{name: "q=0", path: "/text?n=2000", header: []string{"Accept-Encoding", "br, gzip;q=0"}, code: 200, body: big},
		{name: "among others", path: "/text?n=2000", header: []string{"Accept-Encoding", "deflate, gzip;q=0.5"}, code: 200, gzip: true, body: big},
		{name: "x-gzip", path: "/text?n=2000", header: []string{"Accept-Encoding", "x-gzip"}, code: 200, gzip: true, body: big},
		{name: "image", path: "/png", header: gz, code: 200, body: big},
		{name: "encoded already", path: "/encoded", header: gz, code: 200, body: big, encoding: "br"},
		{name: "vary kept", path: "/vary", header: gz, code: 200, gzip: true, body: big, vary: "Cookie, Accept-Encoding"},
		{name: "json", path: "/json", header: gz, code: 200, gzip: true},
		{name: "no content", path: "/nocontent", header: gz, code: 204},
		{name: "error page", path: "/missing", header: gz, code: 404},
		{name: "head", method: "HEAD", path: "/text?n=2000", header: gz, code: 200, gzip: true},
		{name: "not modified", path: "/text?n=2000", header: []string{"Accept-Encoding", "gzip", "If-None-Match", sha(big)}, code: 304},
	}
	servers(t, gzipApp, func(t *testing.T, base string) {
		client := testClient(t)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				method := tc.method
				if method == "" {
					method = "GET"
				}
				resp, body := fetch(t, client, method, base+tc.path, "", tc.header...)
				if resp.StatusCode != tc.code {
					t.Fatalf("%s %s = %d, want %d", method, tc.path, resp.StatusCode, tc.code)
				}
				wantVary, wantEnc := tc.vary, tc.encoding
				if wantVary == "" {
					wantVary = "Accept-Encoding"
				}
				if tc.gzip {
					wantEnc = "gzip"
				}
				if v := strings.Join(resp.Header.Values("Vary"), ", "); v != wantVary {
					t.Errorf("Vary = %q, want %q", v, wantVary)
				}
				if e := resp.Header.Get("Content-Encoding"); e != wantEnc {
					t.Errorf("Content-Encoding = %q, want %q", e, wantEnc)
				}
				if method == "HEAD" || tc.code == 304 || tc.code == 204 {
					if body != "" {
						t.Errorf("%s %s: body %q", method, tc.path, body)
					}
					return
				}
				if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
					t.Errorf("Content-Length = %q for %d bytes", cl, len(body))
				}
				got := body
				if tc.gzip {
					got = gunzip(t, body)
					if len(body) >= len(got) {
						t.Errorf("compressed %d bytes into %d", len(got), len(body))
					}
				}
				if tc.body != "" && got != tc.body {
					t.Errorf("body = %q, want %q", got, tc.body)
				}
				if tc.code == 200 && resp.Header.Get("Etag") != sha(got) {
					t.Errorf("Etag = %q, want the uncompressed body's %q", resp.Header.Get("Etag"), sha(got))
				}
			})
		}
		// HEAD announces the length GET sends.
		get, body := fetch(t, client, "GET", base+"/text?n=2000", "", gz...)
		head, _ := fetch(t, client, "HEAD", base+"/text?n=2000", "", gz...)
		if head.Header.Get("Content-Length") != strconv.Itoa(len(body)) || get.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
			t.Errorf("HEAD Content-Length %q, GET %q, GET body %d bytes", head.Header.Get("Content-Length"), get.Header.Get("Content-Length"), len(body))
		}
		// Pooled transforms serve each response on its own.
		for i := range 20 {
			n := 1500 + i*37
			h := gz
			if i%3 == 0 {
				h = nil
			}
			resp, body := fetch(t, client, "GET", base+"/text?n="+strconv.Itoa(n), "", h...)
			if resp.Header.Get("Content-Encoding") == "gzip" {
				body = gunzip(t, body)
			}
			if body != gzipText(n) {
				t.Fatalf("request %d: wrong body", i)
			}
		}
	})
}

// Gzip, the old name of CompressResponse, turns compression on too.
func TestGzipOldName(t *testing.T) {
	s, _ := quietSettings(t)
	s.Gzip = true
	base, client := serve(t, NewApplication(gzipRules(), s))
	client.Transport.(*http.Transport).DisableCompression = true
	resp, body := fetch(t, client, "GET", base+"/text?n=2000", "", "Accept-Encoding", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || gunzip(t, body) != gzipText(2000) {
		t.Errorf("Gzip: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
}

// Each Flush goes out as a compressed piece the client decodes before the
// response is finished.
func TestGzipFlush(t *testing.T) {
	one, two := gzipText(300), strings.ToUpper(gzipText(5000))
	var wg sync.WaitGroup
	defer wg.Wait()
	next := make(chan struct{}, 1)
	servers(t, func(t *testing.T) *Application {
		s, _ := quietSettings(t)
		s.CompressResponse = true
		return NewApplication([]Rule{fn(`/stream`, func(h *funcHandler) error {
			h.Asynchronous()
			h.SetHeader("Content-Length", strconv.Itoa(len(one)+len(two))) // dropped: the body is compressed
			h.WriteString(one)
			h.Flush(nil)
			wg.Go(func() {
				select {
				case <-next:
					h.WriteString(two)
				case <-time.After(10 * time.Second):
				}
				h.Finish()
			})
			return nil
		})}, s)
	}, func(t *testing.T, base string) {
		conn := dialSend(t, base, "GET /stream HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n", 10*time.Second)
		defer conn.Close()
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Content-Encoding") != "gzip" || resp.ContentLength != -1 {
			t.Fatalf("Content-Encoding %q, Content-Length %d; want gzip, none", resp.Header.Get("Content-Encoding"), resp.ContentLength)
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(one))
		if _, err := io.ReadFull(zr, got); err != nil || string(got) != one {
			t.Fatalf("first piece: %q, %v", got, err)
		}
		next <- struct{}{} // only now is the rest written
		rest, err := io.ReadAll(zr)
		if err != nil || string(rest) != two {
			t.Fatalf("second piece: %d bytes, %v", len(rest), err)
		}
	})
}

// Static files are compressed like any response: a whole small file with
// its Content-Length, a streamed one chunk by chunk; a range is not, and
// the Etag stays the file's hash.
func TestGzipStatic(t *testing.T) {
	dir := t.TempDir()
	bigText := gzipText(3*staticChunk + 99)
	must(t, os.WriteFile(filepath.Join(dir, "big.txt"), []byte(bigText), 0o644))
	css, _ := os.ReadFile(filepath.Join(staticDir, "style.css"))
	must(t, os.WriteFile(filepath.Join(dir, "style.css"), css, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "small.txt"), []byte("small"), 0o644))
	servers(t, func(t *testing.T) *Application {
		s, _ := quietSettings(t)
		s.CompressResponse = true
		s.StaticPath = dir
		return NewApplication(nil, s)
	}, func(t *testing.T, base string) {
		client := testClient(t)
		gz := []string{"Accept-Encoding", "gzip"}
		resp, body := fetch(t, client, "GET", base+"/static/style.css", "", gz...)
		if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) || gunzip(t, body) != string(css) {
			t.Errorf("style.css: Content-Encoding %q, Content-Length %q for %d bytes", resp.Header.Get("Content-Encoding"), resp.Header.Get("Content-Length"), len(body))
		}
		etag := resp.Header.Get("Etag")
		if len(etag) != 130 || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("style.css: Etag %q, Vary %q", etag, resp.Header.Get("Vary"))
		}
		if resp, _ := fetch(t, client, "GET", base+"/static/style.css", "", "Accept-Encoding", "gzip", "If-None-Match", etag); resp.StatusCode != 304 {
			t.Errorf("style.css with If-None-Match = %d, want 304", resp.StatusCode)
		}
		resp, body = fetch(t, client, "GET", base+"/static/big.txt", "", gz...)
		if resp.Header.Get("Content-Encoding") != "gzip" || resp.ContentLength != -1 || gunzip(t, body) != bigText {
			t.Errorf("big.txt: Content-Encoding %q, Content-Length %d", resp.Header.Get("Content-Encoding"), resp.ContentLength)
		}
		resp, body = fetch(t, client, "GET", base+"/static/big.txt", "", "Accept-Encoding", "gzip", "Range", "bytes=10-1999")
		if resp.StatusCode != 206 || resp.Header.Get("Content-Encoding") != "" || body != bigText[10:2000] {
			t.Errorf("big.txt range = %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		resp, body = fetch(t, client, "GET", base+"/static/small.txt", "", gz...)
		if resp.Header.Get("Content-Encoding") != "" || body != "small" {
			t.Errorf("small.txt: Content-Encoding %q, body %q", resp.Header.Get("Content-Encoding"), body)
		}
		resp, _ = fetch(t, client, "HEAD", base+"/static/style.css", "", gz...)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Length") == "" {
			t.Errorf("HEAD style.css = %d, Content-Length %q", resp.StatusCode, resp.Header.Get("Content-Length"))
		}
	})
}

// recordingTransform upper-cases the body and records what it was given.
type recordingTransform struct {
	mu    *sync.Mutex
	calls *[]string
}

func (r recordingTransform) TransformFirstChunk(status int, h *httputil.Header, chunk []byte, finishing bool) (int, []byte) {
	r.record(fmt.Sprintf("first %d %v %s", len(chunk), finishing, h.Get("Content-Encoding")))
	h.Set("X-Transformed", "yes")
	if status == 200 {
		status = 203
	}
	return status, bytes.ToUpper(chunk)
}

func (r recordingTransform) TransformChunk(chunk []byte, finishing bool) []byte {
	r.record(fmt.Sprintf("chunk %d %v", len(chunk), finishing))
	return bytes.ToUpper(chunk)
}

func (r recordingTransform) record(s string) {
	r.mu.Lock()
	*r.calls = append(*r.calls, s)
	r.mu.Unlock()
}

func TestTransforms(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	s, _ := quietSettings(t)
	s.Transforms = []func(*httputil.ServerRequest) OutputTransform{
		nil,
		func(*httputil.ServerRequest) OutputTransform { return nil },
		func(req *httputil.ServerRequest) OutputTransform { return recordingTransform{&mu, &calls} },
	}
	app := NewApplication([]Rule{
		fn(`/one`, func(h *funcHandler) error { return h.Finish("one") }),
		fn(`/flushed`, func(h *funcHandler) error {
			h.WriteString("a")
			h.Flush(nil)
			h.WriteString("bc")
			return nil
		}),
		fn(`/flushedall`, func(h *funcHandler) error {
			h.WriteString("a")
			h.Flush(nil)
			h.WriteString("bc")
			return h.Flush(nil)
		}),
	}, s)
	base, client := serve(t, app)
	for _, tc := range []struct {
		path, body string
		calls      []string
	}{
		{"/one", "ONE", []string{"first 3 true "}},
		{"/flushed", "ABC", []string{"first 1 false ", "chunk 2 true"}},
		{"/flushedall", "ABC", []string{"first 1 false ", "chunk 2 false", "chunk 0 true"}},
	} {
		calls = nil
		resp, body := fetch(t, client, "GET", base+tc.path, "")
		if resp.StatusCode != 203 || resp.Status != "203 Non-Authoritative Information" || body != tc.body || resp.Header.Get("X-Transformed") != "yes" {
			t.Errorf("GET %s = %q %q, X-Transformed %q", tc.path, resp.Status, body, resp.Header.Get("X-Transformed"))
		}
		mu.Lock()
		if strings.Join(calls, "|") != strings.Join(tc.calls, "|") {
			t.Errorf("GET %s: transform calls %q, want %q", tc.path, calls, tc.calls)
		}
		mu.Unlock()
	}
}

// With compression on, the transforms of Settings.Transforms come after
// GZipContentEncoding and see its output.
func TestTransformsAfterGzip(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	s, _ := quietSettings(t)
	s.CompressResponse = true
	s.Transforms = []func(*httputil.ServerRequest) OutputTransform{
		func(req *httputil.ServerRequest) OutputTransform { return recordingTransform{&mu, &calls} },
	}
	app := NewApplication(gzipRules(), s)
	c := serveFake(t, app, newRequest("GET", "/text?n=2000", "Accept-Encoding", "gzip"), "")
	if c.header.Get("Content-Encoding") != "gzip" {
		t.Errorf("Content-Encoding %q, want gzip", c.header.Get("Content-Encoding"))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 1 || !strings.HasPrefix(calls[0], "first ") || !strings.HasSuffix(calls[0], " true gzip") {
		t.Errorf("transform calls %q, want one first chunk, compressed", calls)
	}
}

func TestListsGzip(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{
		{"gzip", true},
		{"GZIP", true},
		{"gzip, deflate, br", true},
		{"br;q=1.0, gzip;q=0.8, *;q=0.1", true},
		{"x-gzip", true},
		{" gzip ; q=1", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"gzip;Q=0.", false},
		{"gzip;q=0.001", true},
		{"deflate", false},
		{"gzipped", false},
		{"", false},
		{",,;", false},
	} {
		if got := listsGzip(tc.v); got != tc.want {
			t.Errorf("listsGzip(%q) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

// FuzzListsGzip checks that any Accept-Encoding parses without a panic,
// and that one that does not mention gzip never selects it.
func FuzzListsGzip(f *testing.F) {
	for _, s := range []string{"gzip", "gzip;q=0", "br, gzip;q=0.5", "x-gzip;q=0.000", ";;,=q", "gzip;q=0;q=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if listsGzip(v) && !strings.Contains(strings.ToLower(v), "gzip") {
			t.Fatalf("listsGzip(%q) = true without gzip in it", v)
		}
	})
}

func TestCompressible(t *testing.T) {
	for _, tc := range []struct {
		ct   string
		want bool
	}{
		{"text/html; charset=UTF-8", true},
		{"TEXT/CSS", true},
		{"application/json; charset=UTF-8", true},
		{"image/svg+xml", true},
		{"application/javascript", true},
		{"image/png", false},
		{"application/gzip", false},
		{"application/octet-stream", false},
		{"text/", false},
		{"", false},
	} {
		if got := compressible(tc.ct); got != tc.want {
			t.Errorf("compressible(%q) = %v, want %v", tc.ct, got, tc.want)
		}
	}
}
