// Package leakcheck fails a package's tests when they leave goroutines or
// file descriptors behind. Call it from TestMain:
//
//	func TestMain(m *testing.M) { leakcheck.Main(m) }
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// Main runs the tests, then waits up to five seconds for the goroutine and
// open-fd counts to fall back to where they were before, and exits non-zero
// (listing what is left) if they do not.
func Main(m *testing.M) {
	// The runtime's own poller (an epoll fd and an eventfd) is created on
	// first use and never closed: make it exist before counting.
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	fds := openFDs()
	code := m.Run()
	if code == 0 {
		if err := check(fds); err != nil {
			fmt.Fprintf(os.Stderr, "leakcheck: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

func check(before map[string]string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		gs := interesting()
		extra := extraFDs(before)
		if len(gs) == 0 && len(extra) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			if len(gs) > 0 {
				fmt.Fprintf(&b, "%d leaked goroutine(s):\n%s\n", len(gs), strings.Join(gs, "\n\n"))
			}
			if len(extra) > 0 {
				fmt.Fprintf(&b, "%d leaked fd(s): %s\n", len(extra), strings.Join(extra, ", "))
			}
			return fmt.Errorf("%s", b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// interesting returns the stacks of goroutines that are neither the caller
// nor part of the runtime or the testing framework.
func interesting() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 || g == "" {
			continue // the calling goroutine
		}
		if ignored(g) {
			continue
		}
		out = append(out, g)
	}
	return out
}

func ignored(stack string) bool {
	for _, s := range []string{
		"testing.(*M).",
		"testing.tRunner(",
		"testing.(*T).Run(",
		"testing.runFuzzing",
		"testing.(*F).",
		"internal/fuzz.",
		"os/signal.signal_recv",
		"os/signal.loop",
		"runtime.ensureSigM",
		"leakcheck.check",
	} {
		if strings.Contains(stack, s) {
			return true
		}
	}
	return !strings.Contains(stack, "github.com/gotornado/")
}

// openFDs maps each open fd to what it points at (Linux /proc; elsewhere empty).
func openFDs() map[string]string {
	m := map[string]string{}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return m
	}
	for _, e := range ents {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		m[e.Name()] = target
	}
	return m
}

func extraFDs(before map[string]string) []string {
	var out []string
	for fd, target := range openFDs() {
		if _, ok := before[fd]; ok {
			continue
		}
		if strings.HasPrefix(target, "/proc/") { // the ReadDir handle itself
			continue
		}
		out = append(out, fd+" -> "+target)
	}
	sort.Strings(out)
	return out
}
