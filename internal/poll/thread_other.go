//go:build !linux

package poll

// HasThreadID reports whether ThreadID works on this system.
const HasThreadID = false

// ThreadID returns 0: the id of the calling thread is not read here.
func ThreadID() int { return 0 }
