//go:build race

package web

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// allocation counts are not deterministic.
const raceEnabled = true
