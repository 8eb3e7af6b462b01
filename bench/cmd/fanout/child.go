package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gotornado/tornado/bench/internal/chat"
)

// child is one chat server, started by this process and stopped by it.
type child struct {
	name    string
	addr    string
	pid     int
	cmd     *exec.Cmd
	exited  chan struct{} // closed once the process has been waited for
	profile bool          // started with -cpuprofile
	http    *http.Client
	noFile  uint64 // its soft RLIMIT_NOFILE
}

// children are the servers running now, stopped by stopAll on a signal.
var children struct {
	mu  sync.Mutex
	set map[*child]struct{}
}

// startChild starts server name from bin on addr with GOMAXPROCS procs,
// pinned to cpus with taskset if cpus is set, writing its output to log,
// raises its open-file limit to hold files, and waits until it answers.
func startChild(o *options, name, addr, logPath, profileBase string, files uint64) (*child, error) {
	if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
		c.Close()
		return nil, fmt.Errorf("%s: %s is in use already", name, addr)
	}
	args := []string{"-addr", addr}
	if profileBase != "" {
		args = append(args, "-cpuprofile", profileBase)
	}
	path := o.bin + "/" + name
	var cmd *exec.Cmd
	if o.serverCPUs != "" {
		cmd = exec.Command("taskset", append([]string{"-c", o.serverCPUs, path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", o.procs))
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := &child{
		name: name, addr: addr, pid: cmd.Process.Pid, cmd: cmd,
		exited: make(chan struct{}), profile: profileBase != "",
		http: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2}},
	}
	go func() {
		cmd.Wait()
		logf.Close()
		close(c.exited)
	}()
	children.mu.Lock()
	if children.set == nil {
		children.set = map[*child]struct{}{}
	}
	children.set[c] = struct{}{}
	children.mu.Unlock()
	if err := c.waitListening(15 * time.Second); err != nil {
		c.stop()
		return nil, err
	}
	if c.noFile, err = raiseChildNoFile(c.pid, files); err != nil {
		c.stop()
		return nil, fmt.Errorf("%s: open-file limit: %w", name, err)
	}
	return c, nil
}

func (c *child) waitListening(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		if _, err := c.stats(); err == nil {
			return nil
		}
		select {
		case <-c.exited:
			return fmt.Errorf("%s exited at start (see its log)", c.name)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s does not answer %s on %s after %s", c.name, chat.StatsPath, c.addr, limit)
		}
	}
}

// stop ends the server: SIGTERM, then SIGKILL after 5 seconds.
func (c *child) stop() {
	children.mu.Lock()
	delete(children.set, c)
	children.mu.Unlock()
	c.http.CloseIdleConnections()
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
	}
}

// stopAll stops every running server.
func stopAll() {
	children.mu.Lock()
	var all []*child
	for c := range children.set {
		all = append(all, c)
	}
	children.mu.Unlock()
	for _, c := range all {
		c.stop()
	}
}

// stats asks the server for chat.Stats.
func (c *child) stats() (chat.Stats, error) {
	var s chat.Stats
	resp, err := c.http.Get("http://" + c.addr + chat.StatsPath)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return s, err
	}
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("%s %s: %s", c.name, chat.StatsPath, resp.Status)
	}
	err = json.Unmarshal(b, &s)
	return s, err
}

// waitFor polls the stats until ok holds of them, or limit passes.
func (c *child) waitFor(limit time.Duration, what string, ok func(chat.Stats) bool) (chat.Stats, error) {
	deadline := time.Now().Add(limit)
	for {
		s, err := c.stats()
		if err == nil && ok(s) {
			return s, nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return s, err
			}
			return s, fmt.Errorf("%s: not %s after %s (stats: %+v)", c.name, what, limit, s)
		}
		select {
		case <-c.exited:
			return s, fmt.Errorf("%s exited (see its log)", c.name)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// profileCommand sends action (start, stop, heap) to the server's
// profiler and returns its answer (a file's name, for start and heap).
func (c *child) profileCommand(action string) (string, error) {
	resp, err := c.http.PostForm("http://"+c.addr+chat.ProfilePath, url.Values{"action": {action}})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<12))
	out := strings.TrimSpace(string(b))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s profile %s: %s %s", c.name, action, resp.Status, out)
	}
	return out, nil
}

// errPeerClosed is returned by a read at the end of the stream.
var errPeerClosed = errors.New("fanout: the server closed the connection")
