package autoreload

import (
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

func TestMainFileFromTraceback(t *testing.T) {
	tests := []struct {
		name, dump, want string
	}{
		{"main goroutine", "goroutine 7 [running]:\ngithub.com/x/y.f()\n\t/src/y/f.go:10 +0x1d\n\n" +
			"goroutine 1 [select]:\nmain.main()\n\t/home/me/app/main.go:42 +0x2a\n", "/home/me/app/main.go"},
		{"method and closure", "goroutine 1 [chan receive]:\nmain.(*server).run(0xc000010000)\n\t/app/server.go:9 +0x11\n" +
			"main.main()\n\t/app/main.go:5 +0x1\n", "/app/server.go"},
		{"created by is not a frame", "goroutine 9 [running]:\nnet.f()\n\t/go/src/net/f.go:1 +0x1\n" +
			"created by main.main in goroutine 1\n\t/app/main.go:7 +0x5\n", ""},
		{"no offset", "goroutine 1 [running]:\nmain.main()\n\t/app/main.go:3\n", "/app/main.go"},
		{"colon in path", "goroutine 1 [running]:\nmain.main()\n\tC:/work/app/main.go:3 +0x1\n", "C:/work/app/main.go"},
		{"none", "goroutine 1 [running]:\nruntime.main()\n\t/go/src/runtime/proc.go:283 +0x28b\n", ""},
		{"truncated", "goroutine 1 [running]:\nmain.main()", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mainFileFromTraceback(tt.dump); got != tt.want {
				t.Errorf("mainFileFromTraceback(%q) = %q, want %q", tt.dump, got, tt.want)
			}
		})
	}
}

// In a test binary package main is the generated test main, found on the
// main goroutine's stack since the test's own goroutine has none of it.
func TestMainFileOfTestBinary(t *testing.T) {
	if f := mainFile(); filepath.Base(f) != "_testmain.go" {
		t.Errorf("mainFile() = %q, want the generated _testmain.go", f)
	}
}

func TestFlagsFrom(t *testing.T) {
	tests := []struct {
		name     string
		settings []debug.BuildSetting
		flags    []string
		env      []string
	}{
		{"go run", []debug.BuildSetting{{Key: "-buildmode", Value: "exe"}, {Key: "-compiler", Value: "gc"}, {Key: "CGO_ENABLED", Value: "1"}},
			[]string{"-buildvcs=false"}, []string{"CGO_ENABLED=1"}},
		{"flags", []debug.BuildSetting{
			{Key: "-race", Value: "true"}, {Key: "-msan", Value: "false"}, {Key: "-tags", Value: "dev,sqlite"},
			{Key: "-gcflags", Value: "all=-N -l"}, {Key: "-ldflags", Value: "-X main.v=1 -s"},
			{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "abc"}, {Key: "GOARCH", Value: "amd64"},
		}, []string{"-race", "-tags=dev,sqlite", "-gcflags=all=-N -l", "-ldflags=-X main.v=1 -s"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flags, env := flagsFrom(tt.settings)
			if !slices.Equal(flags, tt.flags) || !slices.Equal(env, tt.env) {
				t.Errorf("flagsFrom = %q, %q; want %q, %q", flags, env, tt.flags, tt.env)
			}
		})
	}
}

func TestParseList(t *testing.T) {
	out := `{"Dir": "/go/src/fmt"}
{"Dir": "/mod/cache/github.com/x/y", "Module": {"Path": "github.com/x/y", "GoMod": "/mod/cache/y.mod"}}
{"Dir": "/app/views", "EmbedFiles": ["tmpl/a.html", "tmpl/b.html"], "Module": {"Path": "app", "Main": true, "GoMod": "/app/go.mod"}}
{"Dir": "/app", "Module": {"Path": "app", "Main": true, "GoMod": "/app/go.mod"}}
`
	got, err := parseList([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []pkgInputs{
		{Dir: "/app/views", Files: []string{"/app/views/tmpl/a.html", "/app/views/tmpl/b.html", "/app/go.mod", "/app/go.sum"}},
		{Dir: "/app", Files: []string{"/app/go.mod", "/app/go.sum"}},
	}
	if len(got) != len(want) {
		t.Fatalf("parseList = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Dir != want[i].Dir || !slices.Equal(got[i].Files, want[i].Files) {
			t.Errorf("parseList[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, err := parseList([]byte(`{"Dir": `)); err == nil || !strings.HasPrefix(err.Error(), "go list output") {
		t.Errorf("parseList(truncated) = %v, want an error", err)
	}
}
