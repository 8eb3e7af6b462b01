package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is the soak's server process: this program run with -serve.
type server struct {
	cmd     *exec.Cmd
	addr    string
	log     *lineCounter // read only after stop
	logDone chan struct{}
	exited  chan error
	stopped bool
}

// startServer starts the server and waits for its port.
func startServer(o options) (*server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	s := &server{log: &lineCounter{}, logDone: make(chan struct{}), exited: make(chan error, 1)}
	s.cmd = exec.Command(exe, "-serve", "-poll-delay", o.pollDelay.String(), "-big", strconv.Itoa(o.load.bigSize))
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		copyLines(bufio.NewScanner(stderr), s.log)
		close(s.logDone)
	}()
	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "port "); ok {
				port <- p
			}
		}
		<-s.logDone
		s.exited <- s.cmd.Wait() // only once both pipes are drained
	}()
	select {
	case p := <-port:
		s.addr = "127.0.0.1:" + p
		return s, nil
	case err := <-s.exited:
		s.exited <- err
		s.stopped = true
		<-s.logDone
		return nil, fmt.Errorf("the server exited before listening (%v): %s", err, s.log.summary())
	case <-time.After(30 * time.Second):
		s.stop()
		return nil, errors.New("the server did not say its port within 30s")
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop asks the server to shut down, kills it if it has not within ten
// seconds, and waits for its log to end. Calling it again does nothing.
func (s *server) stop() error {
	if s.stopped {
		return nil
	}
	s.stopped = true
	s.cmd.Process.Signal(syscall.SIGTERM)
	var err error
	select {
	case err = <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		err = fmt.Errorf("the server did not stop within 10s: %w", <-s.exited)
	}
	<-s.logDone
	return err
}
