//go:build race

package httpserver

// raceEnabled: the race detector slows everything and grows memory many
// times over; load and memory figures are measured without it.
const raceEnabled = true
