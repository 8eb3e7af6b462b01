// Package goid reads the calling goroutine's identity, for the few places
// that must know whether a call comes from the goroutine owning a loop or
// a request.
package goid

import (
	"runtime"
	"sync"
)

// Current returns the calling goroutine's id, parsed from the header of
// its stack trace ("goroutine 123 [running]:"); 0 if it cannot be read. It
// costs a few microseconds, more on a deep stack: call it only where a call
// may come from another goroutine. It does not allocate.
func Current() int64 {
	p := bufs.Get().(*[64]byte) // runtime.Stack keeps hold of its buffer: a pooled one spares an allocation
	defer bufs.Put(p)
	b := p[:runtime.Stack(p[:], false)]
	const prefix = "goroutine "
	if len(b) <= len(prefix) || string(b[:len(prefix)]) != prefix {
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

var bufs = sync.Pool{New: func() any { return new([64]byte) }}
