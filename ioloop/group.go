package ioloop

import (
	"errors"
	"runtime"
	"sync"
)

// Group runs several loops, each on a goroutine of its own: one per core is
// how a single process uses every core.
type Group struct {
	Loops []*Loop
	wg    sync.WaitGroup
	errs  []error
	next  int
}

// NewGroup creates n loops (n <= 0: one per GOMAXPROCS).
func NewGroup(n int) (*Group, error) {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	g := &Group{}
	for range n {
		l, err := New()
		if err != nil {
			g.Close()
			return nil, err
		}
		g.Loops = append(g.Loops, l)
	}
	return g, nil
}

// Start runs every loop on its own goroutine and returns at once.
func (g *Group) Start() {
	g.errs = make([]error, len(g.Loops))
	for i, l := range g.Loops {
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			g.errs[i] = l.Start()
		}()
	}
}

// Next returns the loops in turn. Not safe for concurrent use.
func (g *Group) Next() *Loop {
	l := g.Loops[g.next%len(g.Loops)]
	g.next++
	return l
}

// Stop asks every loop to stop. Safe for concurrent use.
func (g *Group) Stop() {
	for _, l := range g.Loops {
		l.Stop()
	}
}

// Wait waits for every loop's Start to return, and joins their errors.
func (g *Group) Wait() error {
	g.wg.Wait()
	return errors.Join(g.errs...)
}

// Close releases every loop; call it after Wait.
func (g *Group) Close() error {
	var errs []error
	for _, l := range g.Loops {
		if err := l.Close(); err != nil && !errors.Is(err, ErrClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
