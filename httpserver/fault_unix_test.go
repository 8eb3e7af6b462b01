//go:build unix

package httpserver

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// faultHelperEnv, when set to "fdlimit", makes the test binary run
// fdLimitHelper instead of the tests; TestFaultFDExhaustion starts it.
// It is read in init, before TestMain, so that the helper runs without
// the test framework or its leak check.
const faultHelperEnv = "HTTPSERVER_FAULT_HELPER"

// helperNoFile is the helper's RLIMIT_NOFILE.
const helperNoFile = 64

func init() {
	if os.Getenv(faultHelperEnv) == "fdlimit" {
		os.Exit(fdLimitHelper())
	}
}

// fdLimitHelper serves faultApp on one loop with RLIMIT_NOFILE lowered to
// helperNoFile, prints "port N", and answers each line "cpu" on stdin with
// "cpu NS", the CPU time (user and system) it has used. When stdin ends
// it shuts down and exits.
func fdLimitHelper() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "Getrlimit:", err)
		return 1
	}
	lim.Cur = helperNoFile
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "Setrlimit:", err)
		return 1
	}
	srv := &Server{
		Handler: &faultApp{},
		Loops:   1,
		Logger:  slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		fmt.Fprintln(os.Stderr, "Listen:", err)
		return 1
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	fmt.Printf("port %d\n", srv.Addr().(*net.TCPAddr).Port)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() == "cpu" {
			var ru syscall.Rusage
			if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
				fmt.Fprintln(os.Stderr, "Getrusage:", err)
				return 1
			}
			fmt.Printf("cpu %d\n", ru.Utime.Nano()+ru.Stime.Nano())
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "Shutdown:", err)
		return 1
	}
	<-served
	return 0
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// fdHelper is a running fdLimitHelper.
type fdHelper struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr lockedBuffer
}

func startFDHelper(t *testing.T) (*fdHelper, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	h := &fdHelper{lines: make(chan string, 16)}
	h.cmd = exec.Command(exe)
	h.cmd.Env = append(os.Environ(), faultHelperEnv+"=fdlimit")
	h.cmd.Stderr = &h.stderr
	h.cmd.WaitDelay = 5 * time.Second
	if h.stdin, err = h.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := h.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		close(h.lines)
		exited <- h.cmd.Wait()
	}()
	t.Cleanup(func() {
		h.stdin.Close()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("helper exited with %v; stderr:\n%s", err, h.stderr.String())
			}
		case <-time.After(10 * time.Second):
			h.cmd.Process.Kill()
			<-exited
			t.Errorf("helper did not exit when its stdin closed; stderr:\n%s", h.stderr.String())
		}
	})
	port := strings.TrimPrefix(h.line(t, "port "), "port ")
	return h, "127.0.0.1:" + port
}

// line returns the helper's next stdout line, which must start with prefix.
func (h *fdHelper) line(t *testing.T, prefix string) string {
	t.Helper()
	select {
	case l, ok := <-h.lines:
		if !ok || !strings.HasPrefix(l, prefix) {
			t.Fatalf("helper printed %q (open: %v), want a line starting %q; stderr:\n%s", l, ok, prefix, h.stderr.String())
		}
		return l
	case <-time.After(10 * time.Second):
		t.Fatalf("helper printed no %q line; stderr:\n%s", prefix, h.stderr.String())
		return ""
	}
}

// cpu returns the CPU time the helper has used.
func (h *fdHelper) cpu(t *testing.T) time.Duration {
	t.Helper()
	io.WriteString(h.stdin, "cpu\n")
	ns, err := strconv.ParseInt(strings.TrimPrefix(h.line(t, "cpu "), "cpu "), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.Duration(ns)
}

// TestFaultFDExhaustion floods a server limited to 64 fds with 300
// connections: while it is out of fds it must not spin (its CPU use over
// three seconds stays well under one core), and once the flood leaves it
// serves again.
func TestFaultFDExhaustion(t *testing.T) {
	h, addr := startFDHelper(t)
	if err := getOK(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}, addr, "/seq/1", "1"); err != nil {
		t.Fatalf("before the flood: %v", err)
	}

	const flood = 300
	conns := make([]net.Conn, 0, flood)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range flood {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("flood connection %d: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(h.stderr.String(), "too many open files") {
		if time.Now().After(deadline) {
			t.Fatalf("the helper never ran out of fds; stderr:\n%s", h.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	const window = 3 * time.Second
	cpu0, t0 := h.cpu(t), time.Now()
	time.Sleep(window)
	cpu1, t1 := h.cpu(t), time.Now()
	share := float64(cpu1-cpu0) / float64(t1.Sub(t0))
	t.Logf("helper CPU while out of fds: %v in %v (%.1f%% of a core)", cpu1-cpu0, t1.Sub(t0).Round(time.Millisecond), 100*share)
	if share >= 0.5 {
		t.Errorf("helper used %.0f%% of a core while out of fds, want under 50%% (it spins)", 100*share)
	}

	for _, c := range conns {
		c.Close()
	}
	conns = conns[:0]
	// Recovery: the flood's connections are accepted, seen closed, and
	// let go; then a normal request is served.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Second}
	deadline = time.Now().Add(15 * time.Second)
	for {
		err := getOK(client, addr, "/seq/2", "2")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no request served after the flood left: %v; stderr:\n%s", err, h.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
