package autoreload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
)

// envBuildDir names, in the environment of a rebuilt process, the folder
// its binary was built in, which the next builds reuse.
const envBuildDir = "GOTORNADO_AUTORELOAD_DIR"

// sources is what rebuilding the running program takes.
type sources struct {
	goCmd   string
	mainDir string   // the folder of package main
	flags   []string // the go build flags the running binary was built with
	env     []string // and its environment settings, such as CGO_ENABLED
	pkgs    []pkgInputs
}

// pkgInputs is a package's folder, whose .go files are build inputs, and
// its other inputs (embedded files, the module's go.mod and go.sum).
type pkgInputs struct {
	Dir   string
	Files []string
}

func (s *sources) inputs() []pkgInputs {
	if s == nil {
		return nil
	}
	return s.pkgs
}

// findSources finds the running program's sources and the go command, or
// logs why it cannot and returns nil.
func findSources(log *slog.Logger) *sources {
	file := mainFile()
	if file == "" || !filepath.IsAbs(file) {
		log.Info("autoreload: the folder of package main is not known (a -trimpath build?); Go sources are not watched", "file", file)
		return nil
	}
	if _, err := os.Stat(file); err != nil {
		log.Info("autoreload: the sources of package main are absent; Go sources are not watched", "err", err)
		return nil
	}
	goCmd, err := goCommand()
	if err != nil {
		log.Warn("autoreload: the go command is not found; Go sources are not watched", "err", err)
		return nil
	}
	s := &sources{goCmd: goCmd, mainDir: filepath.Dir(file)}
	s.flags, s.env = buildFlags()
	if s.pkgs, err = s.list(); err != nil {
		log.Warn("autoreload: listing the packages failed; only package main's sources are watched", "err", err)
		s.pkgs = []pkgInputs{{Dir: s.mainDir}}
	}
	return s
}

// mainFile returns the path of a source file of package main, as compiled
// into the binary: from the calling goroutine's stack if package main is
// on it (Start called from main, or from one of its init functions or
// goroutines), else from any goroutine's.
func mainFile() string {
	pcs := make([]uintptr, 100)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, "main.") {
			return f.File
		}
		if !more {
			break
		}
	}
	buf := make([]byte, 1<<20)
	return mainFileFromTraceback(string(buf[:runtime.Stack(buf, true)]))
}

// mainFileFromTraceback returns the file of the first function of package
// main in a goroutine dump (runtime.Stack's format: a function's line,
// then its file and line number after a tab), or "".
func mainFileFromTraceback(s string) string {
	for {
		i := strings.Index(s, "\nmain.")
		if i < 0 {
			return ""
		}
		s = s[i+1:]
		_, rest, ok := strings.Cut(s, "\n\t")
		if !ok {
			return ""
		}
		loc, _, _ := strings.Cut(rest, "\n")
		loc, _, _ = strings.Cut(loc, " +0x")
		if j := strings.LastIndexByte(loc, ':'); j > 0 {
			return loc[:j]
		}
	}
}

// goCommand finds the go command: on PATH, else in $GOROOT/bin.
func goCommand() (string, error) {
	p, err := exec.LookPath("go")
	if err == nil {
		return p, nil
	}
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); isFile(p) {
			return p, nil
		}
	}
	return "", err
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// buildFlags returns the go build flags and environment that the running
// binary recorded it was built with, so that a rebuild matches it.
func buildFlags() (flags, env []string) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, nil
	}
	return flagsFrom(bi.Settings)
}

func flagsFrom(settings []debug.BuildSetting) (flags, env []string) {
	vcs := false
	for _, s := range settings {
		switch s.Key {
		case "-tags", "-gcflags", "-ldflags", "-asmflags":
			flags = append(flags, s.Key+"="+s.Value)
		case "-race", "-msan", "-asan":
			if s.Value == "true" {
				flags = append(flags, s.Key)
			}
		case "CGO_ENABLED":
			env = append(env, s.Key+"="+s.Value)
		case "vcs":
			vcs = true
		}
	}
	if !vcs {
		// The original build was not stamped (go run, or no repository):
		// a rebuild need not fail for want of a working git either.
		flags = append(flags, "-buildvcs=false")
	}
	return flags, env
}

// command returns `go args...` run in the folder of package main.
func (s *sources) command(args ...string) *exec.Cmd {
	cmd := exec.Command(s.goCmd, args...)
	cmd.Dir = s.mainDir
	cmd.Env = append(os.Environ(), s.env...)
	return cmd
}

// list returns the build inputs of the packages of the main module (or
// workspace) that package main imports, itself included.
func (s *sources) list() ([]pkgInputs, error) {
	args := append([]string{"list", "-deps", "-json=Dir,EmbedFiles,Module"}, s.flags...)
	cmd := s.command(append(args, ".")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return parseList(out)
}

// parseList reads the output of go list -json.
func parseList(out []byte) ([]pkgInputs, error) {
	var pkgs []pkgInputs
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			Dir        string
			EmbedFiles []string
			Module     *struct {
				Main  bool
				GoMod string
			}
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs, nil
		} else if err != nil {
			return nil, fmt.Errorf("go list output: %w", err)
		}
		if p.Module == nil || !p.Module.Main || p.Dir == "" {
			continue
		}
		in := pkgInputs{Dir: p.Dir}
		for _, f := range p.EmbedFiles {
			in.Files = append(in.Files, filepath.Join(p.Dir, f))
		}
		if p.Module.GoMod != "" {
			in.Files = append(in.Files, p.Module.GoMod, filepath.Join(filepath.Dir(p.Module.GoMod), "go.sum"))
		}
		pkgs = append(pkgs, in)
	}
}

// build rebuilds package main and returns the new binary's path. The
// binary goes into one temporary folder per process (kept across the
// restarts through the environment), replacing the one built before.
func (s *sources) build() (string, error) {
	dir, err := buildDir()
	if err != nil {
		return "", err
	}
	name := "main"
	if exe, err := os.Executable(); err == nil {
		name = filepath.Base(exe)
	}
	bin := filepath.Join(dir, name)
	args := append([]string{"build", "-o", bin + ".new"}, s.flags...)
	if out, err := s.command(append(args, ".")...).CombinedOutput(); err != nil {
		os.Remove(bin + ".new")
		return "", fmt.Errorf("go build: %w\n%s", err, bytes.TrimSpace(out))
	}
	if err := os.Rename(bin+".new", bin); err != nil {
		return "", err
	}
	return bin, nil
}

// buildDir returns the folder rebuilt binaries go in, creating it for the
// first build.
func buildDir() (string, error) {
	if d := os.Getenv(envBuildDir); d != "" {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d, nil
		}
	}
	d, err := os.MkdirTemp("", "gotornado-autoreload-")
	if err != nil {
		return "", err
	}
	return d, os.Setenv(envBuildDir, d)
}
