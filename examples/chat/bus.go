package main

import "context"

// Bus carries the room's new messages to the MessageBuffer of every chat
// process: MemoryBus when the room is one process, RedisBus when several
// processes — on one machine or many, behind a load balancer — form one
// room.
type Bus interface {
	// Publish sends m to the room: every process's buffer gets it, this
	// process's included, maybe after Publish has returned. It never
	// blocks, so handlers call it on their loop. Safe for concurrent use.
	Publish(m Message)

	// Close stops the bus and frees what it holds; Publish does nothing
	// afterwards. Safe for concurrent use.
	Close() error
}

// Syncer is implemented by buses that keep the room's recent messages
// outside the process. Sync merges them into the local buffer, so that a
// cursor a client got from another process is found here too. It blocks
// for a network round trip: call it off the loop. Safe for concurrent
// use.
type Syncer interface {
	Sync(ctx context.Context) error
}
