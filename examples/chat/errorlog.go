package main

import (
	"log/slog"
	"sync"
	"time"
)

// errorLogInterval is the least time between two logs of an errorLog.
const errorLogInterval = 10 * time.Second

// errorLog logs the errors of one kind at Error level, at most once per
// errorLogInterval while they go on, counting in the next log those it
// held back, and logs once at Info level when they stop. The first error
// after a recovery is logged at once. Safe for concurrent use.
type errorLog struct {
	log *slog.Logger

	mu      sync.Mutex
	failing bool
	last    time.Time // when the last error was logged
	held    int       // errors not logged since
}

// failed logs msg with err, unless an error was logged less than
// errorLogInterval ago.
func (e *errorLog) failed(msg string, err error) {
	e.mu.Lock()
	now := time.Now()
	if e.failing && now.Sub(e.last) < errorLogInterval {
		e.held++
		e.mu.Unlock()
		return
	}
	held := e.held
	e.failing, e.last, e.held = true, now, 0
	e.mu.Unlock()
	if held > 0 {
		e.log.Error(msg, "err", err, "held_back", held)
		return
	}
	e.log.Error(msg, "err", err)
}

// recovered logs msg if errors were logged since the last recovery.
func (e *errorLog) recovered(msg string) {
	e.mu.Lock()
	was := e.failing
	e.failing, e.held = false, 0
	e.mu.Unlock()
	if was {
		e.log.Info(msg)
	}
}
