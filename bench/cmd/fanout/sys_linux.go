//go:build linux

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// raiseChildNoFile makes sure process pid may open want files, raising its
// soft RLIMIT_NOFILE up to its hard limit if needed, and returns the soft
// limit it has.
func raiseChildNoFile(pid int, want uint64) (uint64, error) {
	var rl unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &rl); err != nil {
		return 0, err
	}
	if rl.Cur >= want {
		return rl.Cur, nil
	}
	if rl.Max < want {
		return rl.Cur, fmt.Errorf("its RLIMIT_NOFILE hard limit is %d, under the %d files it needs", rl.Max, want)
	}
	rl.Cur = rl.Max
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &rl, nil); err != nil {
		return 0, err
	}
	return rl.Cur, nil
}

// cpuTime is a process's CPU time, read two ways: the sum over its threads
// of the nanoseconds they ran (schedstat, exact, but a thread that exited
// is lost) and utime+stime (/proc/PID/stat, which counts exited threads,
// in clock ticks of usually 10 ms).
type cpuTime struct {
	ns    int64
	ticks int64
}

// clockTick is the length of the clock tick of /proc/PID/stat (CLK_TCK,
// 100 Hz on Linux).
const clockTick = 10 * time.Millisecond

// processCPU returns pid's CPU time (pid 0: this process).
func processCPU(pid int) (cpuTime, error) {
	dir := "/proc/self"
	if pid > 0 {
		dir = "/proc/" + strconv.Itoa(pid)
	}
	var t cpuTime
	tasks, err := filepath.Glob(dir + "/task/*/schedstat")
	if err != nil {
		return t, err
	}
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // a thread that just exited
		}
		if fs := strings.Fields(string(b)); len(fs) > 0 {
			v, _ := strconv.ParseInt(fs[0], 10, 64)
			t.ns += v
		}
	}
	b, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return t, err
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	s := string(b)
	fs := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fs) < 13 {
		return t, errors.New("short " + dir + "/stat")
	}
	ut, _ := strconv.ParseInt(fs[11], 10, 64) // field 14, utime
	st, _ := strconv.ParseInt(fs[12], 10, 64) // field 15, stime
	t.ticks = ut + st
	return t, nil
}

// machineBusy returns the CPU time the whole machine has spent busy since
// boot (user, nice, system, irq, softirq, steal), in clock ticks.
func machineBusy() (int64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fs := strings.Fields(line)
	if len(fs) < 9 || fs[0] != "cpu" {
		return 0, errors.New("unexpected /proc/stat")
	}
	var sum int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		v, _ := strconv.ParseInt(fs[i], 10, 64)
		sum += v
	}
	return sum, nil
}

// loadAvg returns the first three fields of /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	fs := strings.Fields(string(b))
	if len(fs) < 3 {
		return "n/a"
	}
	return strings.Join(fs[:3], " ")
}

// pinSelf restricts every thread of this process to cpus (as taskset
// takes them: "1", "0,1", "0-1"); threads started later inherit it.
func pinSelf(cpus string) error {
	var set unix.CPUSet
	for part := range strings.SplitSeq(cpus, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return fmt.Errorf("bad CPU list %q", cpus)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return fmt.Errorf("bad CPU list %q", cpus)
			}
		}
		for c := a; c <= b; c++ {
			set.Set(c)
		}
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, &set); err != nil && !errors.Is(err, unix.ESRCH) {
			return err
		}
	}
	return nil
}

// stamped reads from a TCP connection with the kernel's receive
// timestamps (SO_TIMESTAMPNS): the time the answer's bytes reached the
// socket, which on the loopback is when the server wrote them, whatever
// the delay before this process gets to read them.
type stamped struct {
	c   *net.TCPConn
	raw syscall.RawConn
	oob [64]byte
}

// newStamped turns on receive timestamps for c.
func newStamped(c *net.TCPConn) (*stamped, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}); err != nil {
		return nil, err
	}
	if serr != nil {
		return nil, fmt.Errorf("SO_TIMESTAMPNS: %w", serr)
	}
	return &stamped{c: c, raw: raw}, nil
}

// read reads into p, waiting until data arrives or the connection's read
// deadline passes, and returns the kernel's arrival time of the data
// (UnixNano; 0 if none came with it). It returns errPeerClosed at the end
// of the stream.
func (s *stamped) read(p []byte) (n int, at int64, err error) {
	var oobn int
	var rerr error
	err = s.raw.Read(func(fd uintptr) bool {
		n, oobn, _, _, rerr = unix.Recvmsg(int(fd), p, s.oob[:], unix.MSG_DONTWAIT)
		return !errors.Is(rerr, unix.EAGAIN)
	})
	if err != nil {
		return 0, 0, err
	}
	if rerr != nil {
		return 0, 0, rerr
	}
	if n == 0 {
		return 0, 0, errPeerClosed
	}
	msgs, perr := unix.ParseSocketControlMessage(s.oob[:oobn])
	if perr == nil {
		for _, m := range msgs {
			if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS {
				at = timespecNano(m.Data)
			}
		}
	}
	return n, at, nil
}

// timespecNano decodes a struct timespec of this machine's word size.
func timespecNano(b []byte) int64 {
	switch len(b) {
	case 16:
		return int64(binary.NativeEndian.Uint64(b))*1e9 + int64(binary.NativeEndian.Uint64(b[8:]))
	case 8:
		return int64(int32(binary.NativeEndian.Uint32(b)))*1e9 + int64(int32(binary.NativeEndian.Uint32(b[4:])))
	}
	return 0
}

// childAttr makes a server die with this process, should it be killed.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
