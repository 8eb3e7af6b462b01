//go:build !unix

package proc

import "errors"

// RaiseNoFile is only for Unix systems.
func RaiseNoFile() (uint64, error) { return 0, errors.New("proc: no RLIMIT_NOFILE here") }
