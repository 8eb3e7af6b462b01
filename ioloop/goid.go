package ioloop

import (
	"runtime"
	"sync"
)

// goid returns the id of the calling goroutine, read from the header of its
// stack trace ("goroutine 123 [running]:"); 0 if it cannot be read. Go
// has no public goroutine id, and this costs microseconds (the runtime
// formats a stack trace), so it is used only where a call may come from
// another goroutine. It does not allocate.
func goid() uint64 {
	p := stackBufs.Get().(*[64]byte) // runtime.Stack keeps its buffer: a pooled one spares an allocation
	defer stackBufs.Put(p)
	b := p[:runtime.Stack(p[:], false)]
	const prefix = "goroutine "
	if len(b) <= len(prefix) || string(b[:len(prefix)]) != prefix {
		return 0
	}
	var id uint64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			if c != ' ' {
				return 0
			}
			return id
		}
		id = id*10 + uint64(c-'0')
	}
	return 0
}

var stackBufs = sync.Pool{New: func() any { return new([64]byte) }}
