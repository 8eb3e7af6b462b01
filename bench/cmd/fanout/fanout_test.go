package main

import (
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gotornado/tornado/bench/internal/chat"

	"github.com/gotornado/tornado/bench/internal/proc"
)

// testOptions builds the servers into a temporary folder and returns
// options for small fan-outs with them.
func testOptions(t *testing.T) *options {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command to build the servers")
	}
	if _, err := proc.RaiseNoFile(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	for _, s := range servers {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, s), "../../servers/"+s)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", s, err, out)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	return &options{
		n: 30, rounds: 1, batch: 10, warm: 5, settle: 10 * time.Millisecond,
		roundTimeout: 60 * time.Second, procs: 2, bin: dir, out: dir,
	}
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestRound(t *testing.T) {
	o := testOptions(t)
	bodies := map[string]string{}
	for _, name := range servers {
		t.Run(name, func(t *testing.T) {
			r, err := runRound(o, name, freeAddr(t), 1)
			if err != nil {
				t.Fatal(err)
			}
			if r.Answered != o.n || r.Failed != 0 {
				t.Fatalf("%d of %d answered, %d failed (%s)", r.Answered, o.n, r.Failed, r.Failure)
			}
			if r.FirstMs > r.LastMs || r.LastMs <= 0 {
				t.Errorf("first answer at %v ms, last at %v ms", r.FirstMs, r.LastMs)
			}
			// net/http holds a goroutine per waiting request, and one
			// reading its connection; GoTornado none.
			perWaiter := name == "chatnethttp"
			if got := r.GoroutinesWaiting-r.GoroutinesBefore >= o.n; got != perWaiter {
				t.Errorf("goroutines %d while waiting, %d before: one per waiter is %v, want %v",
					r.GoroutinesWaiting, r.GoroutinesBefore, got, perWaiter)
			}
			bodies[name] = r.Body
		})
	}
	if bodies[servers[0]] == "" || bodies[servers[0]] != bodies[servers[1]] {
		t.Errorf("the servers answered %q and %q, want the same bytes", bodies[servers[0]], bodies[servers[1]])
	}
}

// TestClientGone checks that a long poll whose client went away stops
// waiting on either server.
func TestClientGone(t *testing.T) {
	o := testOptions(t)
	for _, name := range servers {
		t.Run(name, func(t *testing.T) {
			addr := freeAddr(t)
			c, err := startChild(o, name, addr, filepath.Join(o.out, "logs", name+".log"), "", 1024)
			if err != nil {
				t.Fatal(err)
			}
			defer c.stop()
			const n = 7
			deadline := time.Now().Add(o.roundTimeout)
			ps, err := openPolls(addr, formRequest(addr, chat.UpdatesPath, url.Values{"cursor": {""}}), n, 3, deadline)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.waitFor(30*time.Second, strconv.Itoa(n)+" waiting", func(s chat.Stats) bool { return s.Waiting == n }); err != nil {
				ps.close()
				t.Fatal(err)
			}
			ps.close()
			if _, err := c.waitFor(30*time.Second, "idle", func(s chat.Stats) bool { return s.Waiting == 0 }); err != nil {
				t.Fatal(err)
			}
		})
	}
}
