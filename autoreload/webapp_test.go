package autoreload

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// webProgramSource is a web application in debug mode, serving its
// version at / on the address in its first argument, with templates in
// the folder in its second; it answers pings as the other program does.
const webProgramSource = `package main

import (
	"bufio"
	"fmt"
	"os"

	"github.com/gotornado/tornado/httpserver"
	"github.com/gotornado/tornado/web"
)

const version = "%s"

type page struct{ web.RequestHandler }

func (h *page) Get() error { return h.Finish(version) }

func main() {
	app := web.NewApplication([]web.Rule{web.R[page]("/")}, web.Settings{Debug: true, TemplatePath: os.Args[2]})
	srv := &httpserver.Server{Handler: app, Loops: 2}
	if err := srv.Listen(os.Args[1]); err != nil {
		fmt.Println("listen failed:", err)
		os.Exit(1)
	}
	go srv.Serve()
	fmt.Printf("start pid=%%d version=%%s\n", os.Getpid(), version)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Printf("pong pid=%%d version=%%s\n", os.Getpid(), version)
	}
}
`

// An Application with Debug restarts on a Go source change and on a
// template change; the restarted process binds the same address again,
// since the listening sockets closed with the exec, and holds no more
// file descriptors than the first.
func TestWebApplicationRestarts(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	tmpl := t.TempDir()
	p := newProgramFrom(t, webProgramSource, "v1", nil, addr, tmpl)
	p.await("start " + p.pidVersion("v1"))
	fds := openFDs(t, p.cmd.Process.Pid)
	get(t, addr, "v1")

	p.writeSource("v2")
	p.await("start " + p.pidVersion("v2"))
	if n := openFDs(t, p.cmd.Process.Pid); n != fds {
		t.Errorf("%d open fds after the restart, %d before", n, fds)
	}
	get(t, addr, "v2")

	writeFile(t, filepath.Join(tmpl, "index.html"), "<p>{{.}}</p>")
	p.await("start " + p.pidVersion("v2"))
	get(t, addr, "v2")
	p.ping("v2")
}

// get fetches / from addr, on a new connection, and checks the body.
func get(t *testing.T, addr, want string) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("GET /: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || string(b) != want {
		t.Errorf("GET / = %d %q (%v), want 200 %q", resp.StatusCode, b, err, want)
	}
}

// openFDs counts the open file descriptors of pid, where /proc tells;
// elsewhere it returns -1.
func openFDs(t *testing.T, pid int) int {
	t.Helper()
	if runtime.GOOS != "linux" {
		return -1
	}
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}
