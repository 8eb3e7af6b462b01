// Package site holds what the static and page tests of the benchmark
// serve, shared by the Go peers that serve them so that they send the same
// bytes: a deterministic 10 KB text file, a small html/template page with
// its data, and the allocation counters that bench/run reads around each
// load run.
package site

import (
	"bytes"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
)

// StaticName is the file of the static test, served as /static/StaticName.
const StaticName = "10k.txt"

// StaticSize is its size in bytes.
const StaticSize = 10 << 10

// PageName is the template of the page test, in Templates.
const PageName = "page.html"

// Templates holds PageName.
//
//go:embed page.html
var Templates embed.FS

// Item is one line of the page.
type Item struct {
	ID    int
	Name  string
	Price string
}

// Page is the data the page renders: one value that needs escaping (Title)
// and a loop over the items.
type Page struct {
	Title string
	Items []Item
}

// PageData is the page's data, the same for every request. Safe for
// concurrent use: nothing changes it.
var PageData = func() Page {
	p := Page{Title: `Today's menu: "Fish & Chips" <fresh>`}
	names := []string{"Soup", "Salad", "Bread", "Fish", "Chips", "Peas", "Pie", "Cake", "Tea", "Coffee"}
	for i, n := range names {
		p.Items = append(p.Items, Item{ID: i + 1, Name: n, Price: strconv.Itoa(2+i%4) + ".50"})
	}
	return p
}()

// StaticContent returns the static file's bytes: 160 numbered lines of 64
// bytes of printable ASCII, the same on every call.
func StaticContent() []byte {
	const line = 64
	var b bytes.Buffer
	b.Grow(StaticSize)
	for i := 0; b.Len() < StaticSize; i++ {
		fmt.Fprintf(&b, "%04d ", i)
		for j := 5; j < line-1; j++ {
			b.WriteByte(byte('a' + (i+j)%26))
		}
		b.WriteByte('\n')
	}
	return b.Bytes()[:StaticSize]
}

// WriteStatic creates dir if needed and writes the static file into it,
// through a temporary file renamed into place, so that a server already
// serving the folder never reads a part of it. It leaves a file that
// already has the right content as it is.
func WriteStatic(dir string) error {
	want := StaticContent()
	dst := filepath.Join(dir, StaticName)
	if got, err := os.ReadFile(dst); err == nil && bytes.Equal(got, want) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, StaticName+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(want)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("site: writing %s: %w", dst, err)
	}
	return nil
}

// DefaultStaticDir is the folder a peer writes the static file into when
// it is given none.
func DefaultStaticDir() string {
	return filepath.Join(os.TempDir(), "gotornado-bench-static")
}

// AllocPath is the path of the allocation counters.
const AllocPath = "/debug/allocs"

// AllocCounters returns the process's allocation counters as "key: value"
// lines: mallocs (heap objects allocated since start, runtime.MemStats
// Mallocs) and alloc_bytes (TotalAlloc). bench/run reads them before and
// after a load run. It stops the world for a moment (ReadMemStats), so it
// is for once per run, not per request. Safe for concurrent use.
func AllocCounters() string {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return "mallocs: " + strconv.FormatUint(m.Mallocs, 10) + "\nalloc_bytes: " + strconv.FormatUint(m.TotalAlloc, 10) + "\n"
}
