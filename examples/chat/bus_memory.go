package main

import "sync/atomic"

// MemoryBus is the room of a single process: Publish adds the message to
// the process's buffer at once. It is the default (no -redis).
type MemoryBus struct {
	buf    *MessageBuffer
	closed atomic.Bool
}

var _ Bus = (*MemoryBus)(nil)

// NewMemoryBus returns a bus delivering to buf.
func NewMemoryBus(buf *MessageBuffer) *MemoryBus { return &MemoryBus{buf: buf} }

// Publish adds m to the buffer, waking its long polls. Safe for
// concurrent use.
func (b *MemoryBus) Publish(m Message) {
	if !b.closed.Load() {
		b.buf.Add(m)
	}
}

// Close makes Publish do nothing. Safe for concurrent use.
func (b *MemoryBus) Close() error {
	b.closed.Store(true)
	return nil
}
