// Package chat holds what the fan-out benchmark's two chat servers share,
// so that they send the same bytes: the message, the answers' shapes, the
// cache of recent messages with its cursor rule (Tornado's chat demo), and
// the routes. How a long poll waits is each server's own business.
package chat

import (
	"runtime/metrics"
	"strconv"
)

// The routes both servers serve.
const (
	// UpdatesPath is the long poll: a POST with the form field "cursor",
	// the ID of the last message the client has; it is answered with
	// Updates once there are newer messages.
	UpdatesPath = "/a/message/updates"
	// NewPath posts a message: a POST with the form field "body"; it is
	// answered with the Message.
	NewPath = "/a/message/new"
	// StatsPath answers Stats as JSON.
	StatsPath = "/debug/stats"
)

// CacheSize is how many recent messages a Cache keeps.
const CacheSize = 200

// MaxBody bounds a message's body, in bytes; a longer one is refused.
const MaxBody = 4096

// Message is one chat message.
type Message struct {
	ID   string `json:"id"`
	Body string `json:"body"`
}

// Updates is the answer to a long poll.
type Updates struct {
	Messages []Message `json:"messages"`
}

// Stats is the answer of StatsPath. The memory figures come from
// runtime/metrics, which stops nothing to read them.
type Stats struct {
	Goroutines int `json:"goroutines"` // runtime.NumGoroutine()
	Waiting    int `json:"waiting"`    // long polls waiting for a message
	Messages   int `json:"messages"`   // messages in the cache

	HeapObjects uint64 `json:"heap_objects_bytes"` // heap objects, live and not yet swept
	HeapLive    uint64 `json:"heap_live_bytes"`    // heap marked live by the last GC
	Stacks      uint64 `json:"stacks_bytes"`       // goroutine stacks
	GCs         uint64 `json:"gcs"`                // completed GC cycles
	HeapFree    uint64 `json:"heap_free_bytes"`    // free heap memory not returned to the OS
	HeapUnused  uint64 `json:"heap_unused_bytes"`  // heap reserved for objects but not in use (fragmentation)
	Metadata    uint64 `json:"metadata_bytes"`     // the runtime's heap metadata (spans, caches, bitmaps)
}

// Cache holds the last CacheSize messages. It is not safe for concurrent
// use: its server guards it with the mutex its long polls wait under.
type Cache struct {
	msgs []Message
	next int // the number of the next message's ID
}

// Add appends a message with body and a new ID, and returns it.
func (c *Cache) Add(body string) Message {
	c.next++
	m := Message{ID: strconv.Itoa(c.next), Body: body}
	if len(c.msgs) == CacheSize {
		copy(c.msgs, c.msgs[1:])
		c.msgs = c.msgs[:CacheSize-1]
	}
	c.msgs = append(c.msgs, m)
	return m
}

// Since returns the messages after the one whose ID is cursor, oldest
// first, in a new slice; an unknown cursor (or "") gets every message in
// the cache. It returns nil when cursor is the newest message.
func (c *Cache) Since(cursor string) []Message {
	from := 0 // an unknown cursor: everything
	for i := len(c.msgs) - 1; i >= 0; i-- {
		if c.msgs[i].ID == cursor {
			from = i + 1
			break
		}
	}
	if from == len(c.msgs) {
		return nil
	}
	return append([]Message(nil), c.msgs[from:]...)
}

// Len returns the number of messages held.
func (c *Cache) Len() int { return len(c.msgs) }

// memorySamples are the runtime/metrics that ReadMemory reads, in the
// order it stores them.
var memorySamples = []string{
	"/memory/classes/heap/objects:bytes",
	"/gc/heap/live:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/gc/cycles/total:gc-cycles",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/metadata/other:bytes",
	"/memory/classes/metadata/mspan/inuse:bytes",
	"/memory/classes/metadata/mcache/inuse:bytes",
}

// ReadMemory fills in the memory figures of s. Safe for concurrent use.
func (s *Stats) ReadMemory() {
	samples := make([]metrics.Sample, len(memorySamples))
	for i, name := range memorySamples {
		samples[i].Name = name
	}
	metrics.Read(samples)
	v := func(i int) uint64 {
		if samples[i].Value.Kind() == metrics.KindUint64 {
			return samples[i].Value.Uint64()
		}
		return 0
	}
	s.HeapObjects, s.HeapLive, s.Stacks, s.GCs = v(0), v(1), v(2), v(3)
	s.HeapFree, s.HeapUnused, s.Metadata = v(4), v(5), v(6)+v(7)+v(8)
}
