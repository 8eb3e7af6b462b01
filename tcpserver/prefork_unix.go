//go:build unix

package tcpserver

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gotornado/tornado/netutil"
)

func bindShared(port int, host string, backlog int) ([]int, error) {
	return netutil.BindSockets(port, host, backlog, false)
}

// adoptSocket checks that fd is a listening socket and makes it
// non-blocking and close-on-exec.
func adoptSocket(fd int) error {
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil || typ != unix.SOCK_STREAM {
		return fmt.Errorf("tcpserver: inherited fd %d is not a stream socket", fd)
	}
	unix.CloseOnExec(fd)
	return unix.SetNonblock(fd, true)
}

type childExit struct {
	id, pid int
	status  syscall.WaitStatus
	err     error
}

func (e childExit) clean() bool {
	return e.err == nil && e.status.Exited() && e.status.ExitStatus() == 0
}

func (e childExit) String() string {
	switch {
	case e.err != nil:
		return e.err.Error()
	case e.status.Signaled():
		return "signal: " + e.status.Signal().String()
	}
	return "exit status " + strconv.Itoa(e.status.ExitStatus())
}

// children is the pre-fork parent's bookkeeping; it lives on the
// goroutine running Start.
type children struct {
	exe   string
	env   []string
	files []uintptr
	pids  map[int]int // pid → task id
	exits chan childExit
}

func (c *children) spawn(id int) error {
	attr := &syscall.ProcAttr{
		Env:   append(c.env[:len(c.env):len(c.env)], envTaskID+"="+strconv.Itoa(id)),
		Files: c.files,
		Sys:   childSysProcAttr(),
	}
	// syscall.ForkExec rather than os/exec: exec.Cmd's ExtraFiles calls
	// File.Fd, which would make the shared listening socket blocking for
	// every child.
	pid, err := syscall.ForkExec(c.exe, os.Args, attr)
	if err != nil {
		return fmt.Errorf("tcpserver: starting child %d: %w", id, err)
	}
	c.pids[pid] = id
	go func() {
		var ws syscall.WaitStatus
		for {
			_, err := syscall.Wait4(pid, &ws, 0, nil)
			if err == syscall.EINTR {
				continue
			}
			c.exits <- childExit{id: id, pid: pid, status: ws, err: err}
			return
		}
	}()
	return nil
}

func (c *children) signal(sig syscall.Signal) {
	for pid := range c.pids {
		syscall.Kill(pid, sig)
	}
}

// newChildren prepares to run the executable as children that inherit
// fds, Bind call by Bind call as counts says.
func newChildren(fds, counts []int) (*children, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	c := &children{exe: exe, pids: map[int]int{}, exits: make(chan childExit)}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envTaskID+"=") && !strings.HasPrefix(kv, envListenFDs+"=") {
			c.env = append(c.env, kv)
		}
	}
	cs := make([]string, len(counts))
	for i, n := range counts {
		cs[i] = strconv.Itoa(n)
	}
	c.env = append(c.env, envListenFDs+"="+strings.Join(cs, ","))
	c.files = []uintptr{0, 1, 2}
	for _, fd := range fds {
		c.files = append(c.files, uintptr(fd))
	}
	return c, nil
}

// runChildren is the pre-fork parent: it starts n children, restarts
// those that fail, relays signals, and returns when none is left.
func (s *Server) runChildren(n int, fds, counts []int, f *forkState) error {
	c, err := newChildren(fds, counts)
	if err != nil {
		return err
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(sigs)

	var result error
	stopping := false
	// Once stopping, the parent lets go of the listening sockets, so that
	// new connections are refused as soon as the children close theirs
	// rather than queued where nobody will accept them.
	release := func() {
		s.mu.Lock()
		closeFds(s.bound)
		s.bound = nil
		s.mu.Unlock()
	}
	stop := func(err error) {
		if result == nil {
			result = err
		}
		if !stopping {
			release()
		}
		stopping = true
		c.signal(syscall.SIGTERM)
	}
	for id := range n {
		if err := c.spawn(id); err != nil {
			stop(err)
			break
		}
	}
	s.logger().Info("tcpserver: started child processes", "n", len(c.pids))
	stopC, killC := f.stopC, f.killC
	restarts := 0
	for len(c.pids) > 0 {
		select {
		case sig := <-sigs:
			if !stopping {
				release()
			}
			stopping = true
			c.signal(sig.(syscall.Signal))
		case <-stopC:
			stopC = nil
			stop(nil)
		case <-killC:
			killC = nil
			c.signal(syscall.SIGKILL)
		case e := <-c.exits:
			delete(c.pids, e.pid)
			if e.clean() {
				s.logger().Info("tcpserver: child exited", "task", e.id, "pid", e.pid)
				continue
			}
			s.logger().Warn("tcpserver: child exited", "task", e.id, "pid", e.pid, "status", e.String())
			if stopping {
				continue
			}
			if restarts++; restarts > s.maxRestarts() {
				stop(ErrTooManyRestarts)
				continue
			}
			if err := c.spawn(e.id); err != nil {
				stop(err)
			}
		}
	}
	return result
}
