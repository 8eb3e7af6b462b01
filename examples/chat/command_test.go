package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chatProcess is the chat command running in a process of its own: this
// test binary, made to run main (see TestMain).
type chatProcess struct {
	cmd  *exec.Cmd
	url  string
	done chan error // Wait's result
}

var listening = regexp.MustCompile(`chat listening on (http://\S+)/`)

// startCommand runs the chat with args and waits until it listens.
func startCommand(t *testing.T, ctx context.Context, args ...string) *chatProcess {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), runMainEnv+"=1", chatArgsEnv+"="+strings.Join(args, " "))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &chatProcess{cmd: cmd, done: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		p.done <- cmd.Wait() // after the output is read, as Wait requires
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	select {
	case p.url = <-found:
		return p
	case err := <-p.done:
		p.done <- err
		t.Fatalf("the chat exited before listening: %v", err)
	case <-ctx.Done():
		t.Fatal("the chat did not start listening")
	}
	return nil
}

// stop sends SIGTERM and waits for the exit, which must be clean.
func (p *chatProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("the chat exited with %v after SIGTERM, want status 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the chat did not exit within 20s of SIGTERM")
	}
}

// The command serves the chat, and a SIGTERM answers its waiting long
// poll and exits with status 0.
func TestCommand(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := startCommand(t, ctx, "-addr", "127.0.0.1:0")
	c := newClient(t, p.url)
	m := c.say("hello")
	if page := c.get("/", http.StatusOK); !strings.Contains(page, m.HTML) {
		t.Errorf("the page lacks the message:\n%s", page)
	}
	cn, err := net.Dial("tcp", strings.TrimPrefix(p.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	cn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(cn, pollRequest(c.xsrf(), m.ID)); err != nil {
		t.Fatal(err)
	}
	waitRead(t, cn)
	answer := make(chan string, 1)
	go func() { // read as a browser would, while the server stops
		defer cn.Close()
		resp, err := http.ReadResponse(bufio.NewReader(cn), nil)
		if err != nil {
			answer <- err.Error()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answer <- fmt.Sprintf("%d %s", resp.StatusCode, body)
	}()
	p.stop(t)
	if got := <-answer; got != `200 {"messages":[]}` {
		t.Errorf("the poll across the stop got %q, want 200 {\"messages\":[]}", got)
	}
}

// waitRead waits until the server has read everything cn sent: on Linux,
// until the server's end of the connection has an empty receive queue in
// /proc/net/tcp; elsewhere it waits a moment.
func waitRead(t *testing.T, cn net.Conn) {
	t.Helper()
	local, remote := cn.LocalAddr().(*net.TCPAddr), cn.RemoteAddr().(*net.TCPAddr)
	// The server's end: local address the server's, remote ours, in
	// /proc/net/tcp's hex (127.0.0.1 is 0100007F).
	want := fmt.Sprintf("0100007F:%04X 0100007F:%04X", remote.Port, local.Port)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		data, err := os.ReadFile("/proc/net/tcp")
		if err != nil {
			time.Sleep(300 * time.Millisecond)
			return
		}
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) > 4 && f[1]+" "+f[2] == want && strings.HasSuffix(f[4], ":00000000") {
				return
			}
		}
	}
	t.Fatal("the server did not read the poll within 10s")
}

// Two processes of the command started with the same -redis are one room.
func TestCommandWithRedis(t *testing.T) {
	srv := startRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p1 := startCommand(t, ctx, "-addr", "127.0.0.1:0", "-redis", srv.addr())
	p2 := startCommand(t, ctx, "-addr", "127.0.0.1:0", "-redis", srv.addr())
	c1, c2 := newClient(t, p1.url), newClient(t, p2.url)
	poll := c2.pollAsync("")
	m := c1.say("across processes")
	// Whether p2's poll waited for it or p2 had it already, the answer
	// is the message.
	if got := receive(t, poll, 10*time.Second, "the poll on the second process"); len(got) != 1 || got[0] != m {
		t.Errorf("the poll on the second process got %+v, want [%+v]", got, m)
	}
	p1.stop(t)
	p2.stop(t)
}
