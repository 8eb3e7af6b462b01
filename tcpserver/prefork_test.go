//go:build unix

package tcpserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// askPid connects to a pre-fork helper child and returns its pid and task.
func askPid(addr string) (pid, task int, err error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0, 0, err
	}
	_, err = fmt.Sscanf(line, "%d %d", &pid, &task)
	return pid, task, err
}

// askMany asks n times at once and returns pid → task for the answers.
func askMany(addr string, n int) map[int]int {
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if pid, task, err := askPid(addr); err == nil {
				mu.Lock()
				got[pid] = task
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return got
}

// TestPrefork runs Start(2) in a subprocess: both children serve, a child
// killed with SIGKILL is replaced by a new one with the same task id, and
// SIGTERM to the parent stops everything, with Start returning in the
// parent.
func TestPrefork(t *testing.T) {
	h := startHelper(t, "prefork")
	addr := "127.0.0.1:" + strings.TrimPrefix(h.expect(t, "port ", 10*time.Second), "port ")

	children := map[int]int{} // pid → task
	deadline := time.Now().Add(15 * time.Second)
	for len(children) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("answers only from %v, want two children", children)
		}
		for pid, task := range askMany(addr, 8) {
			children[pid] = task
		}
	}
	if len(children) != 2 {
		t.Fatalf("answers from %v, want exactly two children", children)
	}
	tasks := map[int]bool{}
	for pid, task := range children {
		if pid == h.cmd.Process.Pid {
			t.Fatalf("the parent (pid %d) served a connection", pid)
		}
		tasks[task] = true
	}
	if !tasks[0] || !tasks[1] {
		t.Fatalf("task ids %v, want 0 and 1", children)
	}

	var victim int
	for pid := range children {
		victim = pid
		break
	}
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	replaced := false
	for deadline := time.Now().Add(15 * time.Second); !replaced && time.Now().Before(deadline); {
		for pid, task := range askMany(addr, 8) {
			if _, old := children[pid]; old {
				continue
			}
			if task != children[victim] {
				t.Fatalf("new child %d has task %d, want the killed child's %d", pid, task, children[victim])
			}
			replaced = true
		}
	}
	if !replaced {
		t.Fatalf("killed child %d was not replaced", victim)
	}

	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	h.expect(t, "parent done", 15*time.Second)
	if err := h.wait(t, 15*time.Second); err != nil {
		t.Fatalf("parent exited with %v, want success; stderr:\n%s", err, h.stderr.String())
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("still listening after the parent returned")
	}
	if s := h.stderr.String(); !strings.Contains(s, "signal: killed") {
		t.Errorf("the parent did not log the killed child; stderr:\n%s", s)
	}
}

// TestAcceptEMFILE runs an echo server limited to 32 fds, opens more
// connections than it can accept, and checks that it reports the shortage
// once, backs off instead of spinning, and accepts again once clients
// leave.
func TestAcceptEMFILE(t *testing.T) {
	h := startHelper(t, "emfile")
	addr := "127.0.0.1:" + strings.TrimPrefix(h.expect(t, "port ", 10*time.Second), "port ")

	const total, leave = 60, 40
	conns := make([]net.Conn, 0, total)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range total {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("dial %d: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	h.expect(t, "EMFILE", 10*time.Second)
	time.Sleep(2 * time.Second) // let it retry for a while

	for _, c := range conns[:leave] {
		c.Close()
	}
	// The connections still queued are accepted and served.
	for i, c := range conns[leave:] {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		msg := fmt.Sprintf("ping %d\n", i)
		if _, err := io.WriteString(c, msg); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		got, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || got != msg {
			t.Fatalf("echo %d = %q, %v; want %q", i, got, err, msg)
		}
	}

	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for _, c := range conns[leave:] {
		c.Close()
	}
	var reports, retries int
	line := h.expect(t, "counts ", 10*time.Second)
	if _, err := fmt.Sscanf(line, "counts reports=%d retries=%d", &reports, &retries); err != nil {
		t.Fatalf("bad counts line %q: %v", line, err)
	}
	t.Logf("fd shortage reports=%d, retries=%d", reports, retries)
	if reports != 1 {
		t.Errorf("fd shortage reported %d times at Error level, want once", reports)
	}
	if retries >= 1000 || retries < 1 {
		t.Errorf("%d retries while short of fds, want a few (back-off, not a spin)", retries)
	}
	if err := h.wait(t, 10*time.Second); err != nil {
		t.Errorf("helper exited with %v", err)
	}
}

// TestPreforkTooManyRestarts checks that the parent gives up on children
// that keep failing.
func TestPreforkTooManyRestarts(t *testing.T) {
	h := startHelper(t, "crashing")
	line := h.expect(t, "start: ", 15*time.Second)
	if want := "start: " + ErrTooManyRestarts.Error(); line != want {
		t.Fatalf("parent printed %q, want %q", line, want)
	}
	if err := h.wait(t, 10*time.Second); err != nil {
		t.Fatalf("parent exited with %v", err)
	}
	// 2 children started and 3 restarts; the last one may be stopped
	// before it fails.
	if n := strings.Count(h.stderr.String(), "tcpserver: child exited"); n != 5 {
		t.Errorf("%d children exited, want 5 (2 started, 3 restarts); stderr:\n%s", n, h.stderr.String())
	}
}
