package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDecodeJSONBody(t *testing.T) {
	settings, _ := quietSettings(t)
	app := NewApplication([]Rule{fn(`/`, func(h *funcHandler) error {
		var v struct {
			A int    `json:"a"`
			B string `json:"b"`
		}
		if err := h.DecodeJSONBody(&v); err != nil {
			return err
		}
		return h.Finish(fmt.Sprintf("%d %s", v.A, v.B))
	})}, settings)
	tests := []struct {
		name, ctype, encoding, body string
		code                        int
		reason                      string
	}{
		{"ok", "application/json", "", `{"a": 1, "b": "x"}`, 200, "OK"},
		{"charset utf-8", "application/json; charset=UTF-8", "", `{"a": 2}`, 200, "OK"},
		{"json suffix", "application/merge-patch+json", "", "\n {\"b\": \"y\"} \n", 200, "OK"},
		{"no content type", "", "", `{"a": 1}`, 415, "Content-Type must be application/json"},
		{"form content type", "application/x-www-form-urlencoded", "", `{"a": 1}`, 415, "Content-Type must be application/json"},
		{"bad content type", "application/json; =", "", `{"a": 1}`, 415, "Content-Type must be application/json"},
		{"latin-1", "application/json; charset=iso-8859-1", "", `{"a": 1}`, 415, "JSON must be UTF-8"},
		{"gzip", "application/json", "gzip", `{"a": 1}`, 415, "Unsupported Content-Encoding"},
		{"empty", "application/json", "", "  ", 400, "Empty JSON body"},
		{"malformed", "application/json", "", `{"a": 1,}`, 400, "Malformed JSON body"},
		{"cut short", "application/json", "", `{"a": 1`, 400, "Malformed JSON body"},
		{"wrong type", "application/json", "", `{"a": "one"}`, 400, "Wrong type in JSON body"},
		{"trailing value", "application/json", "", `{"a": 1} {"a": 2}`, 400, "Trailing data after JSON body"},
		{"trailing garbage", "application/json", "", `{"a": 1}x`, 400, "Trailing data after JSON body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var header []string
			if tt.ctype != "" {
				header = append(header, "Content-Type", tt.ctype)
			}
			if tt.encoding != "" {
				header = append(header, "Content-Encoding", tt.encoding)
			}
			req := newRequest("POST", "/", header...)
			c := serveFake(t, app, req, tt.body)
			if c.code != tt.code || c.reason != tt.reason {
				t.Errorf("POST %q (%s) = %d %q, want %d %q", tt.body, tt.ctype, c.code, c.reason, tt.code, tt.reason)
			}
		})
	}
}

// multipartRequest builds a multipart body: fields and files by name.
func multipartRequest(t testing.TB, fields map[string]string, files map[string][]byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for name, content := range files {
		fw, err := w.CreateFormFile(name, name+".bin")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// uploadReport answers with what the handler saw of each file: its
// size, whether it was spilled, whether its temporary file exists, and
// its SHA-256.
func uploadReport(h *funcHandler) error {
	var out []string
	for _, name := range h.Request().FileNames() {
		for _, f := range h.Request().Files()[name] {
			r, err := f.Open()
			if err != nil {
				return err
			}
			sum := sha256.New()
			io.Copy(sum, r)
			r.Close()
			exists := false
			if f.Path != "" {
				_, err := os.Stat(f.Path)
				exists = err == nil
			}
			out = append(out, fmt.Sprintf("%s %d spilled=%v exists=%v body=%d %s", name, f.Size(), f.Path != "", exists, len(f.Body), hex.EncodeToString(sum.Sum(nil))[:8]))
		}
	}
	v, _ := h.GetArgument("note")
	out = append(out, "note="+v, "raw="+strconv.Itoa(len(h.Request().Body)))
	return h.Finish(strings.Join(out, "\n"))
}

func shortSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])[:8]
}

// awaitEmpty waits until dir holds no file.
func awaitEmpty(t *testing.T, dir string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		es, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d temporary files left in %s, first %s", len(es), dir, es[0].Name())
		}
	}
}

// TestSpilledUpload: with SpillThreshold, a multipart body is parsed as
// it arrives: a large file goes to a temporary file, there while the verb
// runs and removed once the request has ended; small files and fields
// stay in memory, and the request's Body is empty.
func TestSpilledUpload(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	big := bytes.Repeat([]byte("0123456789abcdef"), 16<<10) // 256 KiB
	small := []byte("small file")
	ctype, body := multipartRequest(t, map[string]string{"note": "hello"}, map[string][]byte{"big": big})
	ctype2, body2 := multipartRequest(t, nil, map[string][]byte{"small": small})
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		settings.SpillThreshold = 1 << 10
		return NewApplication([]Rule{fn(`/up`, uploadReport)}, settings)
	}, func(t *testing.T, base string) {
		client := &http.Client{}
		_, got := fetch(t, client, "POST", base+"/up", string(body), "Content-Type", ctype)
		want := fmt.Sprintf("big %d spilled=true exists=true body=0 %s\nnote=hello\nraw=0", len(big), shortSum(big))
		if got != want {
			t.Errorf("large upload: got\n%s\nwant\n%s", got, want)
		}
		awaitEmpty(t, dir)
		_, got = fetch(t, client, "POST", base+"/up", string(body2), "Content-Type", ctype2)
		want = fmt.Sprintf("small %d spilled=false exists=false body=%d %s\nnote=\nraw=0", len(small), len(small), shortSum(small))
		if got != want {
			t.Errorf("small upload: got\n%s\nwant\n%s", got, want)
		}
	})
}

// TestSpilledUploadAsynchronous: an asynchronous handler keeps its
// spilled file until it finishes, from another goroutine.
func TestSpilledUploadAsynchronous(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	ctype, body := multipartRequest(t, nil, map[string][]byte{"f": bytes.Repeat([]byte("x"), 10000)})
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		settings.SpillThreshold = 100
		return NewApplication([]Rule{fn(`/up`, func(h *funcHandler) error {
			f := h.Request().Files()["f"][0]
			h.Asynchronous()
			go func() {
				time.Sleep(20 * time.Millisecond)
				_, err := os.Stat(f.Path)
				h.Finish(fmt.Sprint(f.Path != "" && err == nil))
			}()
			return nil
		})}, settings)
	}, func(t *testing.T, base string) {
		if _, got := fetch(t, &http.Client{}, "POST", base+"/up", string(body), "Content-Type", ctype); got != "true" {
			t.Errorf("the spilled file existed until Finish: %s, want true", got)
		}
		awaitEmpty(t, dir)
	})
}

// TestSpilledUploadClientLeaves: a client that goes away in the middle of
// a spilled file: the temporary file is removed, the handler never runs.
func TestSpilledUploadClientLeaves(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	ran := make(chan struct{}, 2)
	ctype, body := multipartRequest(t, nil, map[string][]byte{"f": bytes.Repeat([]byte("y"), 1<<20)})
	servers(t, func(t *testing.T) *Application {
		settings, _ := quietSettings(t)
		settings.SpillThreshold = 1 << 10
		return NewApplication([]Rule{fn(`/up`, func(h *funcHandler) error {
			ran <- struct{}{}
			return nil
		})}, settings)
	}, func(t *testing.T, base string) {
		head := "POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: " + ctype + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
		conn := dialSend(t, base, head+string(body[:len(body)/2]), 10*time.Second)
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(2 * time.Millisecond) {
			es, _ := os.ReadDir(dir)
			if len(es) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no file was spilled")
			}
		}
		conn.Close()
		awaitEmpty(t, dir)
		select {
		case <-ran:
			t.Error("the handler ran for a body cut short")
		default:
		}
	})
}

// TestMultipartLimitSettings: MaxMultipartParts and MaxPartHeaderSize
// refuse a body past them with 400, whether it is parsed whole or as it
// arrives; the defaults are Tornado 6.5's.
func TestMultipartLimitSettings(t *testing.T) {
	parts := func(n int) (string, []byte) {
		fields := map[string]string{}
		for i := range n {
			fields["f"+strconv.Itoa(i)] = "v"
		}
		return multipartRequest(t, fields, nil)
	}
	longHeader := func() (string, []byte) {
		b := "--B\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: " + strings.Repeat("p", 200) + "\r\n\r\nv\r\n--B--\r\n"
		return "multipart/form-data; boundary=B", []byte(b)
	}
	for _, spill := range []int64{0, 1} {
		tests := []struct {
			name     string
			settings func(*Settings)
			body     func() (string, []byte)
			code     int
		}{
			{"3 parts, limit 3", func(s *Settings) { s.MaxMultipartParts = 3 }, func() (string, []byte) { return parts(3) }, 200},
			{"4 parts, limit 3", func(s *Settings) { s.MaxMultipartParts = 3 }, func() (string, []byte) { return parts(4) }, 400},
			{"100 parts, default", func(*Settings) {}, func() (string, []byte) { return parts(100) }, 200},
			{"101 parts, default", func(*Settings) {}, func() (string, []byte) { return parts(101) }, 400},
			{"101 parts, no limit", func(s *Settings) { s.MaxMultipartParts = -1 }, func() (string, []byte) { return parts(101) }, 200},
			{"header over 100", func(s *Settings) { s.MaxPartHeaderSize = 100 }, longHeader, 400},
			{"header within default", func(*Settings) {}, longHeader, 200},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("spill=%d/%s", spill, tt.name), func(t *testing.T) {
				settings, _ := quietSettings(t)
				settings.SpillThreshold = spill
				tt.settings(&settings)
				app := NewApplication([]Rule{fn(`/`, func(h *funcHandler) error { return h.Finish("ok") })}, settings)
				ctype, body := tt.body()
				c := serveFake(t, app, newRequest("POST", "/", "Content-Type", ctype), string(body))
				if c.code != tt.code {
					t.Errorf("status %d, want %d", c.code, tt.code)
				}
			})
		}
	}
}
