package autoreload

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/fsnotify/fsnotify"
)

// dirWatch says which events in one watched folder count. Folders are
// watched rather than single files because editors often save by writing
// a new file and renaming it over the old one, which would end a watch on
// the file itself.
type dirWatch struct {
	tree    bool              // under a folder given to Watch: every file counts, new folders are watched
	sources bool              // a package's folder: its non-test .go files are build inputs
	files   map[string]change // single files: given to Watch, go.mod, embedded files
}

// watch is Watch.
func (r *reloader) watch(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w == nil {
		r.pending = append(r.pending, abs)
		return nil
	}
	return r.addPath(abs)
}

// addPath watches a file or a folder tree. r.mu must be held.
func (r *reloader) addPath(abs string) error {
	fi, err := os.Stat(abs)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return r.addTree(abs)
	}
	return r.addFile(abs, fileChange)
}

// addTree watches root and the folders below it, but for ignored ones.
// r.mu must be held.
func (r *reloader) addTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // a folder that vanished or cannot be read
		}
		if !d.IsDir() {
			return nil
		}
		if p != root && ignoredName(d.Name()) {
			return filepath.SkipDir
		}
		dw, err := r.addDir(p)
		if err != nil {
			return err
		}
		dw.tree = true
		return nil
	})
}

// addFile watches one file for c. r.mu must be held.
func (r *reloader) addFile(abs string, c change) error {
	dw, err := r.addDir(filepath.Dir(abs))
	if err != nil {
		return err
	}
	if dw.files == nil {
		dw.files = map[string]change{}
	}
	dw.files[filepath.Base(abs)] = max(dw.files[filepath.Base(abs)], c)
	return nil
}

// addSources watches a package's build inputs. r.mu must be held.
func (r *reloader) addSources(in pkgInputs) error {
	dw, err := r.addDir(in.Dir)
	if err != nil {
		return err
	}
	dw.sources = true
	for _, f := range in.Files {
		if err := r.addFile(f, sourceChange); err != nil {
			return err
		}
	}
	return nil
}

// addDir returns the watch of dir, adding it to the watcher if it is new.
// r.mu must be held.
func (r *reloader) addDir(dir string) (*dirWatch, error) {
	if dw, ok := r.dirs[dir]; ok {
		return dw, nil
	}
	if err := r.w.Add(dir); err != nil {
		return nil, err
	}
	dw := &dirWatch{}
	r.dirs[dir] = dw
	return dw, nil
}

// classify says what an event asks for. A folder created under a watched
// tree is watched in turn. Safe for concurrent use.
func (r *reloader) classify(ev fsnotify.Event) change {
	if !ev.Has(fsnotify.Create | fsnotify.Write | fsnotify.Remove | fsnotify.Rename) {
		return noChange // Chmod: indexers and backup tools touch files all the time
	}
	dir, name := filepath.Split(ev.Name)
	dir = filepath.Clean(dir)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.dirs[ev.Name]; ok && ev.Has(fsnotify.Remove|fsnotify.Rename) {
		delete(r.dirs, ev.Name) // its watch is gone; a folder created there later is watched anew
		r.w.Remove(ev.Name)
	}
	dw, ok := r.dirs[dir]
	if !ok {
		return noChange
	}
	c := dw.files[name]
	if dw.sources && isGoSource(name) {
		c = sourceChange
	}
	if c == noChange && dw.tree && !ignoredName(name) {
		c = fileChange
		if ev.Has(fsnotify.Create) {
			if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
				if err := r.addTree(ev.Name); err != nil {
					r.loggerLocked().Warn("autoreload: cannot watch", "path", ev.Name, "err", err)
				}
			}
		}
	}
	return c
}

// isGoSource reports whether name is a Go file that goes into a build.
func isGoSource(name string) bool {
	return strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") && !ignoredName(name)
}

// ignoredName reports whether a name in a watched folder is not worth a
// restart: hidden files and folders (.git, editors' .swp files) and
// backups ending in "~".
func ignoredName(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~")
}
