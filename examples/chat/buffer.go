package main

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/locks"
)

// cacheSize is how many recent messages the room keeps (the demo's
// cache_size): in each process's MessageBuffer, and in Redis.
const cacheSize = 200

// Message is one chat message, as the demo sends it in JSON: its id (a
// random UUID, also the cursor a client sends back), its text, and the
// HTML of message.html rendered for it.
type Message struct {
	ID   string `json:"id"`
	Body string `json:"body"`
	HTML string `json:"html"`
}

// newMessageID returns a random (version 4) UUID in its usual text form,
// as Python's str(uuid.uuid4()).
func newMessageID() string {
	var u [16]byte
	rand.Read(u[:])         // never fails (crypto/rand)
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return string(b[:])
}

// MessageBuffer is one process's cache of the room's recent messages, and
// the long polls waiting for the next one (the demo's MessageBuffer).
//
// Shared state across loops: a Tornado process runs every handler on one
// thread, but httpserver serves on one loop per core, so handlers on
// several loops — several goroutines — read and add messages at the same
// moment, and the bus adds them from goroutines of its own. The cache is
// therefore guarded by mu, and waiting uses a locks.Condition as the locks
// package recommends: the long poll checks the cache and calls Wait with
// mu held, and Add changes the cache and calls NotifyAll with mu held, so
// no message falls between the check and the wait. Each waiter is woken
// on its own loop, where its handler lives. Safe for concurrent use.
type MessageBuffer struct {
	mu     sync.Mutex
	cond   locks.Condition // notified when the cache changes or the buffer closes
	cache  []Message       // oldest first, at most size
	size   int
	closed bool // the server is stopping: long polls are answered at once

	waiting atomic.Int64 // long polls waiting now
}

// NewMessageBuffer returns a buffer keeping the last size messages
// (cacheSize when size is 0 or less).
func NewMessageBuffer(size int) *MessageBuffer {
	if size <= 0 {
		size = cacheSize
	}
	return &MessageBuffer{size: size}
}

// Messages returns a copy of the cache, oldest first.
func (b *MessageBuffer) Messages() []Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.cache)
}

// Add appends m to the cache, dropping the oldest message beyond the
// buffer's size, and wakes every waiting long poll. It reports false,
// changing nothing, when the cache holds a message with m's id already
// (a message that reached this process twice, through the bus and a
// resynchronisation).
func (b *MessageBuffer) Add(m Message) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.appendLocked(m) {
		return false
	}
	b.cond.NotifyAll()
	return true
}

// Merge adds, in order, those of ms that the cache does not hold, and
// wakes the waiters if it added any. It returns how many it added.
func (b *MessageBuffer) Merge(ms []Message) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, m := range ms {
		if b.appendLocked(m) {
			n++
		}
	}
	if n > 0 {
		b.cond.NotifyAll()
	}
	return n
}

// appendLocked appends m unless its id is there already. Called with mu
// held.
func (b *MessageBuffer) appendLocked(m Message) bool {
	if b.indexLocked(m.ID) >= 0 {
		return false
	}
	if len(b.cache) == b.size {
		// Shift down rather than reslice: the array is reused, so a full
		// cache allocates nothing per message.
		copy(b.cache, b.cache[1:])
		b.cache = b.cache[:len(b.cache)-1]
	}
	b.cache = append(b.cache, m)
	return true
}

// indexLocked returns the index of the message id in the cache, or -1.
// Called with mu held.
func (b *MessageBuffer) indexLocked(id string) int {
	for i := len(b.cache) - 1; i >= 0; i-- {
		if b.cache[i].ID == id {
			return i
		}
	}
	return -1
}

// Has reports whether the cache holds the message id.
func (b *MessageBuffer) Has(id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.indexLocked(id) >= 0
}

// Since returns the messages newer than the one whose id is cursor, the
// demo's get_messages_since: every message when the cache does not hold
// cursor (none given, or one too old).
func (b *MessageBuffer) Since(cursor string) []Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sinceLocked(cursor)
}

// sinceLocked is Since, called with mu held. The result is a copy: the
// cache's array changes under later Adds.
func (b *MessageBuffer) sinceLocked(cursor string) []Message {
	i := b.indexLocked(cursor) + 1 // 0 when cursor is unknown: everything
	return slices.Clone(b.cache[i:])
}

// next returns the messages newer than cursor when there are some, or when
// the buffer is closed (then maybe none, and closed is true). Otherwise it
// returns cancel: woken runs once on l, with true once the cache has
// changed (ask next again) or the buffer has closed, or with false after
// cancel. next must be called on l's goroutine; cancel may be called from
// any goroutine.
func (b *MessageBuffer) next(l *ioloop.Loop, cursor string, woken func(changed bool)) (msgs []Message, closed bool, cancel func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if msgs = b.sinceLocked(cursor); len(msgs) > 0 || b.closed {
		return msgs, b.closed, nil
	}
	b.waiting.Add(1)
	// Wait is called with mu held, the mutex Add notifies under: nothing
	// added after the check above can be missed.
	return nil, false, b.cond.Wait(l, 0, func(changed bool) {
		b.waiting.Add(-1)
		woken(changed)
	})
}

// Close wakes every waiting long poll to be answered with what it has
// (maybe no message), and makes later ones answer at once: the server is
// stopping. Messages may still be added.
func (b *MessageBuffer) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.cond.NotifyAll()
}

// Waiting returns how many long polls are waiting now: registered, and
// their callback not run yet.
func (b *MessageBuffer) Waiting() int { return int(b.waiting.Load()) }
