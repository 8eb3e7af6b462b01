package chat

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
)

// ProfilePath is where a server started with -cpuprofile takes the
// commands of Profiler.Command: POST with action=start, stop or heap.
const ProfilePath = "/debug/cpuprofile"

// ErrProfiling is returned by Start while a profile is being written, and
// by Stop while none is.
var ErrProfiling = errors.New("chat: a CPU profile is being written (stop it first), or none is (start one first)")

// Profiler writes CPU profiles of its process on command, each into a
// file of its own: Base.1, Base.2, ... (go tool pprof merges them), so that
// a benchmark can profile only the moments it measures. Safe for
// concurrent use.
type Profiler struct {
	Base string // the files' path, less the number
	Hz   int    // samples per second (0: the runtime's default, 100)

	mu    sync.Mutex
	file  *os.File
	n     int
	heaps int
}

// Start begins a new profile and returns its file's name.
func (p *Profiler) Start() (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.file != nil {
		return "", ErrProfiling
	}
	name := fmt.Sprintf("%s.%d", p.Base, p.n+1)
	f, err := os.Create(name)
	if err != nil {
		return "", err
	}
	if p.Hz > 0 {
		// Set before StartCPUProfile, which then keeps it (and prints
		// that it cannot set its own 100 Hz): the only way to a finer
		// profile of a fan-out that lasts a few hundred milliseconds.
		runtime.SetCPUProfileRate(p.Hz)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		os.Remove(name)
		return "", err
	}
	p.file = f
	p.n++
	return name, nil
}

// Stop ends the profile being written.
func (p *Profiler) Stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.file == nil {
		return ErrProfiling
	}
	pprof.StopCPUProfile()
	err := p.file.Close()
	p.file = nil
	return err
}

// Heap runs a garbage collection and writes a heap profile into a file
// of its own, Base.heap.N, whose name it returns.
func (p *Profiler) Heap() (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.heaps++
	name := fmt.Sprintf("%s.heap.%d", p.Base, p.heaps)
	f, err := os.Create(name)
	if err != nil {
		return "", err
	}
	runtime.GC() // the profile shows the heap as of the last collection
	err = pprof.Lookup("heap").WriteTo(f, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return name, err
}

// Command runs action, "start" or "stop" (a CPU profile) or "heap", and
// returns what to answer.
func (p *Profiler) Command(action string) (string, error) {
	switch action {
	case "start":
		return p.Start()
	case "stop":
		return "stopped", p.Stop()
	case "heap":
		return p.Heap()
	}
	return "", fmt.Errorf("chat: unknown profile action %q (start, stop, heap)", action)
}
