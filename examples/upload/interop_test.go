package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// requireTornado returns the Python with Tornado installed, or skips the
// test (fails it with GOTORNADO_CI=1).
func requireTornado(t *testing.T) string {
	t.Helper()
	const python = "/usr/bin/python3"
	out, err := exec.Command(python, "-c", "import tornado.httpclient").CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("python3 with tornado is not available (%v: %s)", err, bytes.TrimSpace(out))
		if os.Getenv("GOTORNADO_CI") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return python
}

// TestTornadoClient: Python Tornado's HTTP client, streaming a file from
// a body_producer (chunked), uploads it both ways, and both answers carry
// the file's SHA-256.
func TestTornadoClient(t *testing.T) {
	python := requireTornado(t)
	content := make([]byte, 3<<20+5)
	rand.Read(content)
	path := filepath.Join(t.TempDir(), "random file.bin")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	want := sum(content)
	t.Setenv("TMPDIR", t.TempDir())
	servers(t, &limits{maxStream: 1 << 30, bodyTimeout: time.Minute}, 64<<10, func(t *testing.T, base string) {
		out, err := exec.Command(python, "testdata/tornado_client.py", base, path).CombinedOutput()
		if err != nil {
			t.Fatalf("tornado_client.py: %v\n%s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != 2 {
			t.Fatalf("tornado_client.py printed %q, want two answers", out)
		}
		var put fileSummary
		var post postAnswer
		if json.Unmarshal([]byte(lines[0]), &put) != nil || json.Unmarshal([]byte(lines[1]), &post) != nil {
			t.Fatalf("answers %q", lines)
		}
		if put.Bytes != int64(len(content)) || put.SHA256 != want {
			t.Errorf("PUT: %+v, want %d bytes with sha256 %s", put, len(content), want)
		}
		if len(post.Files) != 1 || post.Files[0].SHA256 != want || post.Files[0].Filename != "random file.bin" {
			t.Errorf("POST: %+v, want the file with sha256 %s", post.Files, want)
		}
	})
}
