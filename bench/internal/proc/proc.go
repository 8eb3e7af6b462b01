// Package proc reads what the benchmark commands measure of a process
// from /proc (Linux), and raises this process's open-file limit.
package proc

import (
	"errors"
	"os"
	"strconv"
	"strings"
)

// VmRSS returns the resident set size of process pid in KiB, from
// /proc/PID/status (Linux only: elsewhere the read fails).
func VmRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
}
