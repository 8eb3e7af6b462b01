package poll

import "golang.org/x/sys/unix"

// HasThreadID reports whether ThreadID works on this system.
const HasThreadID = true

// ThreadID returns the id of the calling OS thread (gettid), which costs
// one system call that does not block.
func ThreadID() int { return unix.Gettid() }
