// Package goid reads the calling goroutine's identity, for the few places
// that must know whether a call comes from the goroutine owning a loop or
// a request.
package goid

import "runtime"

// Current returns the calling goroutine's id, parsed from the header of
// its stack trace ("goroutine 123 [running]:"). It
// costs a few microseconds, more on a deep stack: call it only where a call
// may come from another goroutine.
func Current() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) < len(prefix) {
		return 0
	}
	var id int64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + int64(c-'0')
	}
	return id
}
