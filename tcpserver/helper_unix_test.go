//go:build unix

package tcpserver

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gotornado/tornado/iostream"
)

func runHelper(mode string) int {
	switch mode {
	case "prefork":
		return preforkHelper()
	case "crashing":
		return crashingHelper()
	case "emfile":
		return emfileHelper()
	case "rss-loop", "rss-netconn":
		return rssHelper(mode)
	}
	fmt.Fprintf(os.Stderr, "unknown helper %q\n", mode)
	return 2
}

// helper is a subprocess running the test binary as a helper program.
type helper struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // stdout, line by line
	stderr syncBuffer
	exited chan struct{}
	err    error // Wait's result, once exited is closed
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startHelper runs the test binary in helper mode, in a process group of
// its own that is killed when the test ends.
func startHelper(t testing.TB, mode string) *helper {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	h := &helper{lines: make(chan string, 4096), exited: make(chan struct{})}
	h.cmd = exec.Command(exe)
	h.cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	h.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
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
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case h.lines <- sc.Text():
			default: // nobody is listening; drop it
			}
		}
		h.err = h.cmd.Wait()
		close(h.exited)
	}()
	t.Cleanup(func() {
		h.stdin.Close()
		select {
		case <-h.exited:
		case <-time.After(100 * time.Millisecond):
			syscall.Kill(-h.cmd.Process.Pid, syscall.SIGKILL)
			<-h.exited
		}
		if t.Failed() {
			t.Logf("%s helper stderr:\n%s", mode, h.stderr.String())
		}
	})
	return h
}

// expect returns the first stdout line starting with prefix.
func (h *helper) expect(t testing.TB, prefix string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line := <-h.lines:
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-h.exited:
			t.Fatalf("helper exited (%v) before printing %q; stderr:\n%s", h.err, prefix, h.stderr.String())
		case <-deadline:
			t.Fatalf("helper printed no %q in %v; stderr:\n%s", prefix, timeout, h.stderr.String())
		}
	}
}

// wait waits for the helper to exit and returns Wait's error.
func (h *helper) wait(t testing.TB, timeout time.Duration) error {
	t.Helper()
	select {
	case <-h.exited:
		return h.err
	case <-time.After(timeout):
		t.Fatalf("helper still running after %v; stderr:\n%s", timeout, h.stderr.String())
		return nil
	}
}

func stderrLogger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// preforkHelper is a pre-fork server whose children answer each
// connection with "pid task\n". The parent prints "port N" and, once Start
// returns, "parent done".
func preforkHelper() int {
	id, child := TaskID()
	s := &Server{Logger: stderrLogger(slog.LevelInfo), HandleStream: func(st *iostream.Stream, _ net.Addr) {
		// Hold the loop a moment so that the other child wins the next
		// accepts, and both get connections.
		time.Sleep(5 * time.Millisecond)
		st.Write(fmt.Appendf(nil, "%d %d\n", os.Getpid(), id), func(error) { st.Close() })
	}}
	if err := s.Bind("127.0.0.1:0"); err != nil {
		fmt.Fprintln(os.Stderr, "Bind:", err)
		return 1
	}
	if !child {
		fmt.Printf("port %d\n", s.Addr().(*net.TCPAddr).Port)
	}
	if err := s.Start(2); err != nil {
		fmt.Fprintln(os.Stderr, "Start:", err)
		return 1
	}
	if !child {
		fmt.Println("parent done")
	}
	return 0
}

// crashingHelper is a pre-fork server whose children fail at once; the
// parent prints what Start returned.
func crashingHelper() int {
	s := &Server{Logger: stderrLogger(slog.LevelInfo), MaxRestarts: 3, HandleStream: echoLines}
	if err := s.Bind("127.0.0.1:0"); err != nil {
		fmt.Fprintln(os.Stderr, "Bind:", err)
		return 1
	}
	if id, child := TaskID(); child {
		fmt.Printf("child %d\n", id)
		return 3
	}
	fmt.Printf("start: %v\n", s.Start(2))
	return 0
}

// Messages the accept handler logs when it runs out of fds.
const (
	msgFdShortage = "netutil: too many open files; pausing accept"
	msgStillShort = "netutil: accept still failing"
)

// countingHandler counts the accept handler's fd-shortage reports.
type countingHandler struct {
	slog.Handler
	reports, retries atomic.Int64
}

func (h *countingHandler) Handle(ctx context.Context, r slog.Record) error {
	switch r.Message {
	case msgFdShortage:
		if h.reports.Add(1) == 1 {
			fmt.Println("EMFILE")
		}
	case msgStillShort:
		h.retries.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

// emfileHelper serves echo on one loop with RLIMIT_NOFILE lowered to 32,
// prints "port N", and on SIGTERM stops and prints its counts.
func emfileHelper() int {
	counter := &countingHandler{Handler: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})}
	s := &Server{Loops: 1, Logger: slog.New(counter), HandleStream: echoLines}
	if err := s.Listen("127.0.0.1:0"); err != nil {
		fmt.Fprintln(os.Stderr, "Listen:", err)
		return 1
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "Getrlimit:", err)
		return 1
	}
	lim.Cur = 32
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "Setrlimit:", err)
		return 1
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	fmt.Printf("port %d\n", s.Addr().(*net.TCPAddr).Port)
	<-sigs
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Stop(ctx)
	<-served
	fmt.Printf("counts reports=%d retries=%d\n", counter.reports.Load(), counter.retries.Load())
	return 0
}
