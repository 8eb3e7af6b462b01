package tornado_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/gotornado/tornado/"

// allowed lists, for each package of the module, the module packages it may
// import: imports point down the layers only (see the design notes). Test
// files and examples may import anything.
var allowed = map[string][]string{
	"httputil":           {},
	"internal/poll":      {},
	"internal/leakcheck": {},
	"internal/goid":      {},
	"internal/lograte":   {},
	"internal/waitlist":  {"ioloop"},
	"ioloop":             {"internal/poll", "internal/goid"},
	"locks":              {"ioloop", "internal/waitlist"},
	"queues":             {"ioloop", "internal/waitlist"},
	"iostream":           {"ioloop", "internal/poll"},
	"netutil":            {"ioloop", "internal/poll"},
	"tcpserver":          {"netutil", "iostream", "ioloop", "internal/poll"},
	"tcpclient":          {"netutil", "iostream", "ioloop", "internal/poll"},
	"internal/http1":     {"httputil"},
	"httpserver":         {"internal/http1", "internal/lograte", "tcpserver", "netutil", "iostream", "ioloop", "httputil"},
	"httpclient":         {"internal/http1", "tcpclient", "netutil", "iostream", "ioloop", "httputil"},
	"autoreload":         {"tcpserver"},
	"web":                {"httpserver", "internal/http1", "internal/lograte", "internal/goid", "iostream", "ioloop", "httputil", "autoreload"},
	"websocket":          {"web", "httpserver", "iostream", "ioloop", "httputil"},
	"tornadotest":        {"web", "httpserver", "httpclient", "tcpserver", "iostream", "ioloop", "httputil"},
}

func TestLayering(t *testing.T) {
	seen := map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "examples" || name == "bench") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || filepath.Dir(path) == "." {
			return nil
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		ok, known := allowed[pkg]
		if !known {
			t.Errorf("package %s is not in the allowed-imports table", pkg)
			return nil
		}
		seen[pkg] = true
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if !strings.HasPrefix(p, module) {
				continue
			}
			dep := strings.TrimPrefix(p, module)
			if !contains(ok, dep) {
				t.Errorf("%s imports %s, which is not below it", path, dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"ioloop", "iostream", "httputil"} {
		if !seen[must] {
			t.Errorf("package %s not found; is the test running at the module root?", must)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
