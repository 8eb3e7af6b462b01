//go:build !linux && !darwin && !freebsd && !dragonfly

package poll

import "time"

// Poller is unavailable on this system; New returns ErrUnsupported.
type Poller struct{}

// New returns ErrUnsupported.
func New(maxEvents int) (*Poller, error) { return nil, ErrUnsupported }

// Add returns ErrUnsupported.
func (p *Poller) Add(fd int, ev Events) error { return ErrUnsupported }

// Modify returns ErrUnsupported.
func (p *Poller) Modify(fd int, ev Events) error { return ErrUnsupported }

// Delete returns ErrUnsupported.
func (p *Poller) Delete(fd int) error { return ErrUnsupported }

// Wait returns ErrUnsupported.
func (p *Poller) Wait(timeout time.Duration) ([]Event, error) { return nil, ErrUnsupported }

// Wake returns ErrUnsupported.
func (p *Poller) Wake() error { return ErrUnsupported }

// Close returns ErrUnsupported.
func (p *Poller) Close() error { return ErrUnsupported }
