package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gotornado/tornado/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// fakeServer answers as the upload example's server does, from net/http's
// own parsing, and records what it got; corrupt makes it report a wrong
// hash.
type fakeServer struct {
	mu      sync.Mutex
	puts    map[string]string // name → Content-Type
	corrupt bool
}

func (s *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	summarize := func(r io.Reader) summary {
		h := sha256.New()
		n, _ := io.Copy(h, r)
		if s.corrupt {
			h.Write([]byte("x"))
		}
		return summary{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	}
	switch {
	case r.Method == "PUT" && strings.HasPrefix(r.URL.Path, "/stream/"):
		if r.ContentLength < 0 {
			http.Error(w, "no Content-Length", 400)
			return
		}
		s.mu.Lock()
		s.puts[strings.TrimPrefix(r.URL.Path, "/stream/")] = r.Header.Get("Content-Type")
		s.mu.Unlock()
		json.NewEncoder(w).Encode(summarize(r.Body))
	case r.Method == "POST" && r.URL.Path == "/post":
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		var files []summary
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			sum := summarize(p)
			sum.Field, sum.Filename = p.FormName(), p.FileName()
			files = append(files, sum)
		}
		json.NewEncoder(w).Encode(map[string]any{"files": files})
	default:
		http.NotFound(w, r)
	}
}

func writeFiles(t *testing.T) []string {
	dir := t.TempDir()
	var paths []string
	for name, content := range map[string]string{
		"a.txt":         "hello\n",
		`quote"d b.bin`: strings.Repeat("\x00\xff", 100000),
		"empty.json":    "",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// TestRun: the client uploads files by PUT, each with its length and
// type, and in one multipart POST, and checks the server's hashes.
func TestRun(t *testing.T) {
	paths := writeFiles(t)
	fs := &fakeServer{puts: map[string]string{}}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	for _, usePut := range []bool{true, false} {
		if err := run(io.Discard, srv.URL, usePut, paths); err != nil {
			t.Errorf("run(put=%v) = %v", usePut, err)
		}
	}
	if got := fs.puts["a.txt"]; !strings.HasPrefix(got, "text/plain") {
		t.Errorf("a.txt was PUT as %q, want text/plain", got)
	}
	if _, ok := fs.puts[`quote"d b.bin`]; !ok {
		t.Errorf("PUT names %q, want the file names, escaped and read back", fs.puts)
	}

	fs.corrupt = true
	for _, usePut := range []bool{true, false} {
		if err := run(io.Discard, srv.URL, usePut, paths); err == nil {
			t.Errorf("run(put=%v) with wrong hashes from the server succeeded", usePut)
		}
	}
	if err := run(io.Discard, srv.URL+"/nowhere", true, paths); err == nil {
		t.Error("run against a 404 succeeded")
	}
	if err := run(io.Discard, srv.URL, false, []string{filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Error("run with a missing file succeeded")
	}
}
