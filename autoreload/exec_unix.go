//go:build unix

package autoreload

import "syscall"

// canExec reports whether the process can be replaced in place.
const canExec = true

// execve replaces the process with argv0; it returns only on failure.
func execve(argv0 string, argv, env []string) error {
	return syscall.Exec(argv0, argv, env)
}
