package autoreload

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fsnotify/fsnotify"
)

func mkdirs(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestClassify(t *testing.T) {
	root := t.TempDir()
	src, tree, single := filepath.Join(root, "src"), filepath.Join(root, "tmpl"), filepath.Join(root, "conf")
	mkdirs(t, filepath.Join(src, "static"), filepath.Join(tree, "sub"), filepath.Join(tree, ".git"), single)
	writeFile(t, filepath.Join(single, "app.ini"), "x")

	r := newTestReloader(t, &recorder{}, newFakeExec())
	if err := r.watch(tree); err != nil {
		t.Fatal(err)
	}
	if err := r.watch(filepath.Join(single, "app.ini")); err != nil {
		t.Fatal(err)
	}
	inputs := []pkgInputs{{Dir: src, Files: []string{filepath.Join(src, "static", "x.css"), filepath.Join(src, "go.mod")}}}
	if err := r.begin(inputs, nil); err != nil {
		t.Fatal(err)
	}

	w, c, rm, mv, ch := fsnotify.Write, fsnotify.Create, fsnotify.Remove, fsnotify.Rename, fsnotify.Chmod
	tests := []struct {
		name string
		op   fsnotify.Op
		want change
	}{
		{"src/main.go", w, sourceChange},
		{"src/new.go", c, sourceChange},
		{"src/old.go", rm, sourceChange},
		{"src/main.go", ch, noChange},
		{"src/main_test.go", w, noChange},
		{"src/.main.go.swp", w, noChange},
		{"src/README.md", w, noChange},
		{"src/go.mod", w, sourceChange},
		{"src/static/x.css", w, sourceChange},
		{"src/static/y.css", w, noChange},
		{"tmpl/index.html", w, fileChange},
		{"tmpl/index.html", mv, fileChange},
		{"tmpl/index.html", ch, noChange},
		{"tmpl/index.html~", w, noChange},
		{"tmpl/.index.html.swp", c, noChange},
		{"tmpl/sub/page.html", w, fileChange},
		{"tmpl/sub/helper.go", w, fileChange},
		{"tmpl/.git/HEAD", w, noChange},
		{"conf/app.ini", w, fileChange},
		{"conf/other.ini", w, noChange},
		{"elsewhere/x.html", w, noChange},
	}
	for _, tt := range tests {
		ev := fsnotify.Event{Name: filepath.Join(root, tt.name), Op: tt.op}
		if got := r.classify(ev); got != tt.want {
			t.Errorf("classify(%s %s) = %d, want %d", tt.op, tt.name, got, tt.want)
		}
	}
}

func TestWatchMissingPath(t *testing.T) {
	r := newTestReloader(t, &recorder{}, newFakeExec())
	err := r.watch(filepath.Join(t.TempDir(), "absent"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("watch(absent) = %v, want fs.ErrNotExist", err)
	}
}

// A folder created under a watched folder is watched too, once the change
// of its creation has been seen; one removed and created again as well.
func TestNewFolderWatched(t *testing.T) {
	tree := t.TempDir()
	fx := newFakeExec()
	r := newTestReloader(t, &recorder{}, fx)
	if err := r.begin(nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.watch(tree); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(tree, "new")
	mkdirs(t, sub)
	if got := fx.next(t); got != exe {
		t.Errorf("exec(%s) after mkdir, want the current executable %s", got, exe)
	}
	writeFile(t, filepath.Join(sub, "page.html"), "x")
	fx.next(t)

	if err := os.RemoveAll(sub); err != nil {
		t.Fatal(err)
	}
	fx.next(t)
	mkdirs(t, sub)
	fx.next(t)
	if !r.watching(sub) {
		t.Fatalf("%s not watched after it was created again", sub)
	}
	writeFile(t, filepath.Join(sub, "again.html"), "x")
	fx.next(t)
}

// watching reports whether dir is watched.
func (r *reloader) watching(dir string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.dirs[dir]
	return ok && slices.Contains(r.w.WatchList(), dir)
}
