package autoreload

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests below build a small program using this package, run it, edit
// its files and watch it replace itself. The program prints
// "start pid=N version=V banner=B" when it starts (V is the version in
// package main followed by the tag in package ver, and B is a file
// embedded in package ver), "hook pid=N version=V" from its
// reload hook, and "pong pid=N version=V" for each line on its standard
// input; it exits when its standard input closes.
const programSource = `package main

import (
	"bufio"
	"fmt"
	"os"
	"time"

	"github.com/gotornado/tornado/autoreload"

	"example.com/reloaded/ver"
)

const version = "%s"

func main() {
	autoreload.SetDebounce(300 * time.Millisecond)
	if len(os.Args) > 1 {
		if err := autoreload.Watch(os.Args[1]); err != nil {
			fmt.Println("watch failed:", err)
		}
	}
	autoreload.AddReloadHook(func() { fmt.Printf("hook pid=%%d version=%%s%%s\n", os.Getpid(), version, ver.Tag) })
	autoreload.Start()
	fmt.Printf("start pid=%%d version=%%s%%s banner=%%s\n", os.Getpid(), version, ver.Tag, ver.Banner)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Printf("pong pid=%%d version=%%s%%s\n", os.Getpid(), version, ver.Tag)
	}
}
`

// verSource is the program's package ver, with a tag.
const verSource = `package ver

import _ "embed"

// Tag follows the version.
const Tag = "%s"

// Banner is embedded.
//
//go:embed banner.txt
var Banner string
`

// waitLimit bounds every wait for the program; a rebuild of the small
// program with a warm build cache takes a second or two.
const waitLimit = 30 * time.Second

// program is a running instance of the test program.
type program struct {
	t     *testing.T
	src   string // main.go, with %s for the version
	dir   string // its module, package main at the root
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	seen  []string // every line read, for failure messages
}

// goEnv is the environment the program is built and run in: the module
// resolves from the local module cache only.
func goEnv(t *testing.T) []string {
	return append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off",
		"TMPDIR="+t.TempDir()) // where the rebuilt binaries go
}

// newProgram writes the program with version into a new module, builds it
// and starts it with args.
func newProgram(t *testing.T, version string, env []string, args ...string) *program {
	t.Helper()
	return newProgramFrom(t, programSource, version, env, args...)
}

// newProgramFrom is newProgram for another main.go, src, with %s for the
// version.
func newProgramFrom(t *testing.T, src, version string, env []string, args ...string) *program {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("autoreload is not supported on windows")
	}
	goCmd, err := goCommand()
	if err != nil {
		if os.Getenv("GOTORNADO_CI") == "1" {
			t.Fatalf("the go command is needed: %v", err)
		}
		t.Skipf("the go command is needed: %v", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	p := &program{t: t, src: src, dir: t.TempDir(), lines: make(chan string, 100)}
	mod := "module example.com/reloaded\n\ngo 1.26\n\nrequire github.com/gotornado/tornado v0.0.0\n\n" +
		"replace github.com/gotornado/tornado => " + root + "\n"
	writeFile(t, filepath.Join(p.dir, "go.mod"), mod)
	writeFile(t, filepath.Join(p.dir, "go.sum"), string(sum))
	p.writeSource(version)
	p.writeFile("ver/ver.go", fmt.Sprintf(verSource, ""))
	p.writeFile("ver/banner.txt", "hello")
	env = append(goEnv(t), env...)
	bin := filepath.Join(t.TempDir(), "reloaded")
	build := exec.Command(goCmd, "build", "-o", bin, ".")
	build.Dir, build.Env = p.dir, env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir, p.cmd.Env = p.dir, env
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = w, w // one pipe, so that the lines keep their order
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		r.Close()
	}()
	t.Cleanup(p.stop)
	return p
}

// stop ends the program: it exits when its standard input closes; it is
// killed if it has not within the wait limit.
func (p *program) stop() {
	p.stdin.Close()
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(waitLimit):
		p.t.Errorf("the program did not exit when its input closed; killing it")
		p.cmd.Process.Kill()
		<-exited
	}
	for range p.lines { // let the reader finish
	}
}

func (p *program) writeSource(version string) {
	p.writeFile("main.go", fmt.Sprintf(p.src, version))
}

func (p *program) writeFile(name, content string) {
	p.t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	writeFile(p.t, path, content)
}

// await returns the first line that starts with prefix, and the lines
// read before it; it fails the test if none comes within the wait limit
// or the program's output ends.
func (p *program) await(prefix string) (string, []string) {
	p.t.Helper()
	var before []string
	timeout := time.After(waitLimit)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("output ended before a line %q; seen:\n%s", prefix, strings.Join(p.seen, "\n"))
			}
			p.seen = append(p.seen, l)
			if strings.HasPrefix(l, prefix) {
				return l, before
			}
			before = append(before, l)
		case <-timeout:
			p.t.Fatalf("no line %q within %v; seen:\n%s", prefix, waitLimit, strings.Join(p.seen, "\n"))
		}
	}
}

// awaitContains is await for the first line that contains s.
func (p *program) awaitContains(s string) (string, []string) {
	p.t.Helper()
	var before []string
	for {
		l, b := p.await("")
		before = append(before, b...)
		if strings.Contains(l, s) {
			return l, before
		}
		before = append(before, l)
	}
}

// ping asks the running program for its version and returns the lines
// printed before the answer.
func (p *program) ping(want string) []string {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, "ping\n"); err != nil {
		p.t.Fatal(err)
	}
	l, before := p.await("pong ")
	if l != "pong "+p.pidVersion(want) {
		p.t.Errorf("ping answered %q, want version %s", l, want)
	}
	return before
}

func (p *program) pidVersion(version string) string {
	return "pid=" + strconv.Itoa(p.cmd.Process.Pid) + " version=" + version
}

// noRestart fails the test if a start line is among lines.
func noRestart(t *testing.T, lines []string, when string) {
	t.Helper()
	for _, l := range lines {
		if strings.HasPrefix(l, "start ") {
			t.Errorf("the program restarted %s: %q", when, l)
		}
	}
}

// An edited Go source rebuilds the program, which replaces the process:
// the same PID runs the new version, after the reload hook ran.
func TestRestartOnSourceChange(t *testing.T) {
	p := newProgram(t, "v1", nil)
	p.await("start " + p.pidVersion("v1"))
	p.writeSource("v2")
	p.await("hook " + p.pidVersion("v1"))
	p.await("start " + p.pidVersion("v2"))
	p.ping("v2")
}

// Another package of the program's module, and a file it embeds, are
// build inputs too.
func TestRestartOnPackageChange(t *testing.T) {
	p := newProgram(t, "v1", nil)
	p.await("start " + p.pidVersion("v1") + " banner=hello")
	p.writeFile("ver/ver.go", fmt.Sprintf(verSource, "-tagged"))
	p.await("start " + p.pidVersion("v1-tagged") + " banner=hello")
	p.writeFile("ver/banner.txt", "bye")
	p.await("start " + p.pidVersion("v1-tagged") + " banner=bye")
	p.writeFile("ver/ver_test.go", "package ver\n") // not a build input
	p.writeFile("ver/notes.txt", "not embedded")
	time.Sleep(3 * 300 * time.Millisecond) // three debounce times: long enough for a restart to begin
	noRestart(t, p.ping("v1-tagged"), "after a change to a file that is not a build input")
}

// A change in a folder given to Watch, in a folder below it, restarts the
// current binary.
func TestRestartOnTemplateChange(t *testing.T) {
	tmpl := t.TempDir()
	mkdirs(t, filepath.Join(tmpl, "blog"))
	writeFile(t, filepath.Join(tmpl, "blog", "post.html"), "<p>{{.}}</p>")
	p := newProgram(t, "v1", nil, tmpl)
	p.await("start " + p.pidVersion("v1"))
	writeFile(t, filepath.Join(tmpl, "blog", "post.html"), "<div>{{.}}</div>")
	_, before := p.await("start " + p.pidVersion("v1"))
	if !containsPrefix(before, "hook ") || !containsSubstring(before, "post.html modified; restarting") {
		t.Errorf("restart without the hook and the log line; seen:\n%s", strings.Join(before, "\n"))
	}
	if containsSubstring(before, "rebuilding") {
		t.Errorf("a template change rebuilt the program; seen:\n%s", strings.Join(before, "\n"))
	}
	p.ping("v1")
}

// A broken edit logs the compiler's output and leaves the old process
// running; the next edit, once fixed, is built and run.
func TestBrokenEditKeepsRunning(t *testing.T) {
	p := newProgram(t, "v1", nil)
	p.await("start " + p.pidVersion("v1"))
	p.writeSource(`v2" + undefinedName + "`)
	l, before := p.awaitContains("build failed")
	noRestart(t, before, "after a broken edit")
	if !strings.Contains(l, "undefinedName") {
		t.Errorf("the compiler's output was not logged: %q", l)
	}
	noRestart(t, p.ping("v1"), "after a broken edit")
	p.writeSource("v3")
	p.await("start " + p.pidVersion("v3"))
}

// Three quick writes make one restart, with the last version.
func TestDebounce(t *testing.T) {
	p := newProgram(t, "v1", nil)
	p.await("start " + p.pidVersion("v1"))
	for _, v := range []string{"v2", "v3", "v4"} {
		p.writeSource(v)
	}
	got, before := p.await("start ")
	if !strings.HasPrefix(got, "start "+p.pidVersion("v4")+" ") {
		t.Fatalf("first start after three writes = %q, want version v4", got)
	}
	if n := countPrefix(before, "hook "); n != 1 {
		t.Errorf("%d reload hooks ran for three writes, want 1", n)
	}
	time.Sleep(3 * 300 * time.Millisecond) // three debounce times: long enough for a second restart to begin
	noRestart(t, p.ping("v4"), "twice for one burst")
}

// In a pre-fork child Start refuses, saying so.
func TestPreforkChildRefuses(t *testing.T) {
	p := newProgram(t, "v1", []string{"GOTORNADO_TASK_ID=2", "GOTORNADO_LISTEN_FDS=1"})
	_, before := p.await("start " + p.pidVersion("v1"))
	if !containsSubstring(before, "autoreload: not started in a pre-fork child") {
		t.Errorf("no refusal logged before the start; seen:\n%s", strings.Join(before, "\n"))
	}
}

func containsPrefix(lines []string, prefix string) bool { return countPrefix(lines, prefix) > 0 }

func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

func containsSubstring(lines []string, s string) bool {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}
