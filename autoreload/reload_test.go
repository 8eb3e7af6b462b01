package autoreload

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeBuild is a build that fails while fail is set.
type fakeBuild struct {
	mu    sync.Mutex
	fail  bool
	calls int
}

func (b *fakeBuild) build() (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls++
	if b.fail {
		return "", errors.New("go build: exit status 1\n./main.go:3:1: syntax error")
	}
	return "/rebuilt/app", nil
}

func (b *fakeBuild) set(fail bool) {
	b.mu.Lock()
	b.fail = fail
	b.mu.Unlock()
}

func (b *fakeBuild) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls
}

// A source change rebuilds and executes the new binary; a failed build
// keeps the process and is retried on the next change of any kind; a
// change to another file executes the current binary. Hooks run in
// order before each exec, past one that panics.
func TestReloadDecisions(t *testing.T) {
	src, tree := t.TempDir(), t.TempDir()
	rec, fx, fb := &recorder{}, newFakeExec(), &fakeBuild{}
	r := newTestReloader(t, rec, fx)
	var mu sync.Mutex
	var ran []string
	hook := func(name string) func() {
		return func() {
			mu.Lock()
			ran = append(ran, name)
			mu.Unlock()
		}
	}
	r.hooks = []func(){hook("first"), func() { panic("hook failed") }, hook("last")}
	if err := r.watch(tree); err != nil {
		t.Fatal(err)
	}
	if err := r.begin([]pkgInputs{{Dir: src}}, fb.build); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}

	writeFile(t, filepath.Join(src, "main.go"), "package main")
	if got := fx.next(t); got != "/rebuilt/app" {
		t.Errorf("exec(%s) after a source change, want the rebuilt binary", got)
	}
	mu.Lock()
	if want := []string{"first", "last"}; !slices.Equal(ran, want) {
		t.Errorf("hooks ran %q, want %q", ran, want)
	}
	mu.Unlock()
	if !rec.has("ERROR autoreload: reload hook panicked") {
		t.Errorf("panicking hook not logged: %q", rec.messages())
	}

	writeFile(t, filepath.Join(tree, "page.html"), "x")
	if got := fx.next(t); got != exe {
		t.Errorf("exec(%s) after a template change, want the current executable %s", got, exe)
	}

	fb.set(true)
	before := fb.count()
	writeFile(t, filepath.Join(src, "main.go"), "package main\nfunc")
	for deadline := time.Now().Add(10 * time.Second); !rec.has("ERROR autoreload: build failed"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no build failure logged: %q", rec.messages())
		}
	}
	if fb.count() != before+1 {
		t.Errorf("build called %d times for one change, want 1", fb.count()-before)
	}
	fb.set(false)
	writeFile(t, filepath.Join(tree, "page.html"), "y") // not a source, but the failed build is retried
	if got := fx.next(t); got != "/rebuilt/app" {
		t.Errorf("exec(%s) after a template change following a failed build, want the rebuilt binary", got)
	}
	select {
	case b := <-fx.bins:
		t.Errorf("exec(%s) after the failed build", b)
	default:
	}
}

// Start refuses to run in a test binary: an Application in debug mode
// under test must not replace the test process.
func TestStartInTestBinary(t *testing.T) {
	rec := &recorder{}
	r := &reloader{logger: slog.New(rec), exec: func(string, []string, []string) error {
		t.Error("exec called")
		return nil
	}}
	r.start()
	r.start()
	if r.w != nil {
		t.Fatal("watcher started in a test binary")
	}
	if got := rec.messages(); len(got) != 1 || got[0] != "DEBUG autoreload: not started in a test binary" {
		t.Errorf("logged %q, want one refusal", got)
	}
}
