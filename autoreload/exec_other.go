//go:build !unix

package autoreload

import "errors"

// canExec reports whether the process can be replaced in place: not
// without execve.
const canExec = false

func execve(string, []string, []string) error { return errors.ErrUnsupported }
