//go:build !linux

package main

import (
	"errors"
	"net"
	"syscall"
	"time"
)

var errLinuxOnly = errors.New("fanout: Linux only (it reads /proc and the kernel's receive timestamps)")

func raiseChildNoFile(pid int, want uint64) (uint64, error) { return 0, errLinuxOnly }
func processCPU(pid int) (cpuTime, error)                   { return cpuTime{}, errLinuxOnly }
func machineBusy() (int64, error)                           { return 0, errLinuxOnly }
func loadAvg() string                                       { return "n/a" }
func pinSelf(cpus string) error                             { return errLinuxOnly }

type cpuTime struct{ ns, ticks int64 }

const clockTick = 10 * time.Millisecond

type stamped struct{ c *net.TCPConn }

func newStamped(c *net.TCPConn) (*stamped, error) { return &stamped{c: c}, nil }

func (s *stamped) read(p []byte) (int, int64, error) {
	n, err := s.c.Read(p)
	return n, 0, err
}

func childAttr() *syscall.SysProcAttr { return nil }
