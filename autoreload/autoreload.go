// Package autoreload restarts a program in development when one of its
// files changes (Tornado's tornado.autoreload): it watches the Go sources
// of the program's own module and any file or folder given to [Watch], and
// on a change it replaces the process with a fresh one, rebuilt with
// `go build` when a Go source changed.
//
// The restart is an execve of the new binary with the same arguments and
// environment, so the process keeps its PID (and its parent, terminal and
// standard streams). Every file descriptor the framework opens is
// close-on-exec, as Go's own are: listening sockets close with the exec
// and the new process binds them again; open connections are dropped.
//
// Which Go sources are watched: the folder of package main is found from
// the running program's stack (the file of main.main or any other function
// of package main), and `go list -deps` run there names the packages of
// the main module (and of the other modules of a go.work workspace) that
// the program imports; their non-test .go files, their embedded files and
// their go.mod are build inputs. Packages from other modules (a local
// replace directive included) are not watched. A binary built with
// -trimpath, or run where its sources or the go command are absent,
// watches only the paths given to Watch.
//
// A change to a build input rebuilds package main (in its folder, with
// the -tags, -race, -gcflags and -ldflags the running binary was built
// with) into a temporary folder that the later builds reuse (it is not
// removed: the running binary is in it). If the build fails, the compiler's output is logged and the
// old process keeps running; the next change of any watched file tries
// again. A change to any other watched file re-executes the current
// binary. A burst of changes (an editor writes a file in several steps)
// causes one restart, after the changes have been quiet for the debounce
// time (see [SetDebounce]).
//
// Autoreload is for a single process. In a pre-fork child (see
// [tcpserver.Server.Start]) [Start] refuses with a log line, and it must not
// be used in a pre-fork parent, whose children would be orphaned by the
// restart. It does not start in a test binary, nor on systems without
// execve (Windows), where Start logs that it is not supported.
package autoreload

import (
	"log/slog"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/gotornado/tornado/tcpserver"
)

// defaultDebounce is how long the watcher waits after a change for more
// changes before it restarts, when SetDebounce was not called.
const defaultDebounce = 200 * time.Millisecond

// std is the process's reloader: there is one process to replace.
var std = &reloader{exec: execve}

// Start begins watching: the Go sources of the program (see the package
// documentation) and the paths given to Watch, before or after Start. It
// returns once the watches are in place, having started one goroutine that
// lives for the life of the process and restarts it on a change. Calls
// after the first do nothing. Safe for concurrent use.
func Start() { std.start() }

// Watch adds a file, or a folder and every folder below it (those created
// later as well), to the watched paths; a change to a file there restarts
// the process once Start has been called. In folders, names starting
// with "." (and folders so named) and names ending in "~" (editors'
// backups and swap files) are ignored. It fails if path does not exist.
// Safe for concurrent use.
func Watch(path string) error { return std.watch(path) }

// AddReloadHook adds f to the functions run, in the order added, just
// before the process is replaced; they run on the watcher's goroutine. A
// hook that panics is logged and the restart goes on. Open files and
// sockets need no hook: they are close-on-exec. Safe for concurrent use.
func AddReloadHook(f func()) {
	std.mu.Lock()
	std.hooks = append(std.hooks, f)
	std.mu.Unlock()
}

// SetLogger sets where autoreload logs (the restarts, build failures,
// refusals); nil means slog.Default(). Safe for concurrent use.
func SetLogger(l *slog.Logger) {
	std.mu.Lock()
	std.logger = l
	std.mu.Unlock()
}

// SetDebounce sets how long the changes must have been quiet before the
// process restarts; d <= 0 means 200ms. Safe for concurrent use.
func SetDebounce(d time.Duration) {
	std.mu.Lock()
	std.debounce = d
	std.mu.Unlock()
}

// change is what a file event asks for; a greater change includes the
// smaller ones.
type change int

const (
	noChange change = iota
	fileChange
	sourceChange // a build input: rebuild, then re-execute
)

// reloader watches files and replaces the process. Its fields under mu
// may be used from any goroutine; the others belong to the goroutine
// running loop once begin has started it.
type reloader struct {
	mu       sync.Mutex
	logger   *slog.Logger
	debounce time.Duration
	hooks    []func()
	started  bool
	pending  []string          // paths given to Watch before begin
	w        *fsnotify.Watcher // nil before begin
	dirs     map[string]*dirWatch
	done     chan struct{} // closed when loop returns

	// exec replaces the process; it returns only on failure.
	exec func(argv0 string, argv, env []string) error
	// build rebuilds package main, returning the new binary; nil when the
	// Go sources are not watched.
	build func() (string, error)
	dirty bool // a build input changed and has not been built yet
}

func (r *reloader) log() *slog.Logger {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.loggerLocked()
}

func (r *reloader) loggerLocked() *slog.Logger {
	if r.logger != nil {
		return r.logger
	}
	return slog.Default()
}

// start is Start: it checks that the process may be replaced, finds the
// Go sources and begins watching.
func (r *reloader) start() {
	r.mu.Lock()
	if r.started {
		r.mu.Unlock()
		return
	}
	r.started = true
	r.mu.Unlock()
	log := r.log()
	if !canExec {
		log.Warn("autoreload: not supported on " + runtime.GOOS)
		return
	}
	if testing.Testing() {
		log.Debug("autoreload: not started in a test binary")
		return
	}
	if id, child := tcpserver.TaskID(); child {
		log.Warn("autoreload: not started in a pre-fork child; it is for a single process", "task", id)
		return
	}
	src := findSources(log)
	var build func() (string, error)
	if src != nil {
		build = src.build
	}
	if err := r.begin(src.inputs(), build); err != nil {
		log.Error("autoreload: cannot watch files", "err", err)
	}
}

// begin watches the build inputs and the paths given to Watch so far, and
// starts the loop goroutine.
func (r *reloader) begin(inputs []pkgInputs, build func() (string, error)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.w, r.dirs, r.build, r.done = w, map[string]*dirWatch{}, build, make(chan struct{})
	for _, in := range inputs {
		if err := r.addSources(in); err != nil {
			r.loggerLocked().Warn("autoreload: cannot watch a package's sources", "dir", in.Dir, "err", err)
		}
	}
	for _, p := range r.pending {
		if err := r.addPath(p); err != nil {
			r.loggerLocked().Warn("autoreload: cannot watch", "path", p, "err", err)
		}
	}
	r.pending = nil
	go r.loop(w, r.done)
	return nil
}

// stop ends the loop goroutine and closes the watcher. It is for tests:
// the process's reloader runs until the process is replaced or exits.
func (r *reloader) stop() {
	r.mu.Lock()
	w, done := r.w, r.done
	r.mu.Unlock()
	if w != nil {
		w.Close()
		<-done
	}
}

// loop gathers file events into bursts and reloads after each; it runs
// on its own goroutine until the watcher is closed.
func (r *reloader) loop(w *fsnotify.Watcher, done chan struct{}) {
	defer close(done)
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	defer quiet.Stop()
	what, first := noChange, ""
	for {
		select {
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			c := r.classify(ev)
			if c == noChange {
				continue
			}
			if what == noChange {
				first = ev.Name
			}
			what = max(what, c)
			quiet.Reset(r.debounceTime())
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			r.log().Warn("autoreload: watcher error", "err", err)
		case <-quiet.C:
			r.reload(what, first)
			what = noChange
		}
	}
}

func (r *reloader) debounceTime() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.debounce <= 0 {
		return defaultDebounce
	}
	return r.debounce
}

// reload replaces the process after a burst of changes whose first file
// was name: with a new build if a build input changed since the last
// successful build, else with the current binary.
func (r *reloader) reload(c change, name string) {
	log := r.log()
	if c == sourceChange && r.build != nil {
		r.dirty = true
	}
	var bin string
	var err error
	if r.dirty {
		log.Info("autoreload: " + name + " modified; rebuilding")
		if bin, err = r.build(); err != nil {
			log.Error("autoreload: build failed; the old process keeps running", "err", err)
			return
		}
		r.dirty = false
	} else if bin, err = os.Executable(); err != nil {
		log.Error("autoreload: cannot find the executable; the old process keeps running", "err", err)
		return
	}
	log.Info("autoreload: " + name + " modified; restarting")
	r.mu.Lock()
	hooks := slices.Clone(r.hooks)
	r.mu.Unlock()
	for _, f := range hooks {
		runHook(log, f)
	}
	if err := r.exec(bin, os.Args, os.Environ()); err != nil {
		log.Error("autoreload: exec failed; the old process keeps running", "binary", bin, "err", err)
	}
}

func runHook(log *slog.Logger, f func()) {
	defer func() {
		if v := recover(); v != nil {
			log.Error("autoreload: reload hook panicked", "panic", v)
		}
	}()
	f()
}
