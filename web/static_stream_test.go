package web

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// residentBytes returns the process's resident memory (VmRSS), or 0 where
// /proc/self/status does not tell it.
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// A file of 256 MiB (sparse: it takes no disk) read by a slow client
// keeps the server's memory flat: it never queues more than one chunk of
// it, and on Linux the process's resident memory grows by far less than
// the file.
func TestStaticLargeFileMemory(t *testing.T) {
	size := int64(256 << 20)
	if testing.Short() {
		size = 32 << 20
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "big.bin")
	must(t, os.WriteFile(big, nil, 0o644))
	must(t, os.Truncate(big, size))
	servers(t, func(t *testing.T) *Application {
		s, _ := quietSettings(t)
		s.StaticPath = dir
		return NewApplication(nil, s)
	}, func(t *testing.T, base string) {
		staticPeakQueued.Store(0)
		runtime.GC()
		before := residentBytes()
		conn := dialSend(t, base, "GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n", 2*time.Minute)
		defer conn.Close()
		resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 4096), nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.ContentLength != size || len(resp.Header.Get("Etag")) != 130 {
			t.Fatalf("GET big.bin = %d, Content-Length %d, Etag %q", resp.StatusCode, resp.ContentLength, resp.Header.Get("Etag"))
		}
		buf := make([]byte, 32<<10)
		zeros := make([]byte, len(buf))
		var got, peak int64
		for i := 0; ; i++ {
			n, err := resp.Body.Read(buf)
			if !bytes.Equal(buf[:n], zeros[:n]) {
				t.Fatalf("byte %d onwards: not the file's zeros", got)
			}
			got += int64(n)
			if i%64 == 0 {
				time.Sleep(time.Millisecond) // a slow reader: the server waits on it
				peak = max(peak, residentBytes())
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("after %d bytes: %v", got, err)
			}
		}
		if got != size {
			t.Fatalf("read %d bytes, want %d", got, size)
		}
		if q := staticPeakQueued.Load(); q == 0 || q > staticChunk {
			t.Errorf("peak of queued output = %d bytes, want at most one chunk (%d)", q, staticChunk)
		}
		if before > 0 && peak-before > 64<<20 {
			t.Errorf("resident memory grew by %d MiB serving a %d MiB file", (peak-before)>>20, size>>20)
		}
		t.Logf("%d MiB served; resident memory %d MiB before, %d MiB at most while serving; peak queued %d KiB",
			size>>20, before>>20, peak>>20, staticPeakQueued.Load()>>10)
	})
}
