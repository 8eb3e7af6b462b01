package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"time"

	"github.com/gotornado/tornado/bench/internal/chat"

	"github.com/gotornado/tornado/bench/internal/proc"
)

// roundResult is what one round measured on one server. Times are in
// milliseconds after T0, the moment just before the message's POST was
// written; arrival times are the kernel's receive timestamps, and the
// _user ones when this process read the bytes.
type roundResult struct {
	Server   string `json:"server"`
	Round    int    `json:"round"`
	N        int    `json:"n"`
	Profiled bool   `json:"profiled"` // a CPU profile was written during the fan-out: figures inflated

	OpenSeconds float64 `json:"open_seconds"` // opening the N long polls until the server had them all waiting

	RSSBeforeKB       int64   `json:"rss_before_kb"`
	RSSWaitingKB      int64   `json:"rss_waiting_kb"`
	RSSPerWaiterBytes float64 `json:"rss_per_waiter_bytes"`

	// The growth of the runtime's own figures over the same span, per
	// waiter: heap objects (live and not yet swept), the heap the last
	// GC found live, goroutine stacks.
	HeapObjectsPerWaiter float64 `json:"heap_objects_per_waiter_bytes"`
	HeapLivePerWaiter    float64 `json:"heap_live_per_waiter_bytes"`
	StacksPerWaiter      float64 `json:"stacks_per_waiter_bytes"`
	HeapFreePerWaiter    float64 `json:"heap_free_per_waiter_bytes"`
	HeapUnusedPerWaiter  float64 `json:"heap_unused_per_waiter_bytes"`
	MetadataPerWaiter    float64 `json:"metadata_per_waiter_bytes"`
	GCsWhileOpening      uint64  `json:"gcs_while_opening"`
	HeapProfile          string  `json:"heap_profile,omitempty"` // with -profile, while the N wait

	GoroutinesBefore  int `json:"goroutines_before"`
	GoroutinesWaiting int `json:"goroutines_waiting"`

	FirstMs     float64 `json:"first_ms"`
	MedianMs    float64 `json:"median_ms"`
	P99Ms       float64 `json:"p99_ms"`
	LastMs      float64 `json:"last_ms"`
	FirstUserMs float64 `json:"first_user_ms"`
	LastUserMs  float64 `json:"last_user_ms"`
	PostMs      float64 `json:"post_answer_ms"`  // the POST's own answer
	NoStamp     int     `json:"no_kernel_stamp"` // answers without a kernel timestamp (their read time is used)

	CPUMs      float64 `json:"server_cpu_ms"`       // the server's threads, schedstat, from T0 to the last answer read
	CPUTicksMs float64 `json:"server_cpu_ticks_ms"` // the same from utime+stime (10 ms ticks)
	ClientMs   float64 `json:"client_cpu_ms"`
	WallMs     float64 `json:"cpu_window_ms"` // the window those were read over
	Foreign    float64 `json:"foreign_cpus"`  // CPUs' worth of time other programs took in that window (coarse: 10 ms ticks)

	Answered int    `json:"answered"` // answers that were 200 with the expected body
	Failed   int    `json:"failed"`
	Failure  string `json:"failure,omitempty"` // the first failure
	Body     string `json:"body"`              // one answer's body
}

// runRound starts a fresh server name on addr, warms it up with a small
// fan-out, and measures one fan-out of o.n long polls.
func runRound(o *options, name, addr string, round int) (r roundResult, err error) {
	r = roundResult{Server: name, Round: round, N: o.n, Profiled: o.profile}
	profileBase := ""
	if o.profile {
		profileBase = filepath.Join(o.out, fmt.Sprintf("%s.r%d.cpu", name, round))
	}
	c, err := startChild(o, name, addr, filepath.Join(o.out, "logs", name+".log"), profileBase, uint64(o.n+256))
	if err != nil {
		return r, err
	}
	defer c.stop()
	deadline := time.Now().Add(o.roundTimeout)
	cursor := ""
	if o.warm > 0 {
		if cursor, err = fanOut(o, c, o.warm, cursor, deadline, nil); err != nil {
			return r, fmt.Errorf("warm-up: %w", err)
		}
	}
	_, err = fanOut(o, c, o.n, cursor, deadline, &r)
	return r, err
}

// fanOut opens n long polls with cursor, waits until the server has them
// all waiting, posts one message and reads every answer; it returns the
// message's ID. With r it measures, as roundResult says.
func fanOut(o *options, c *child, n int, cursor string, deadline time.Time, r *roundResult) (string, error) {
	if _, err := c.waitFor(time.Until(deadline), "idle", func(s chat.Stats) bool { return s.Waiting == 0 }); err != nil {
		return "", err
	}
	var before chat.Stats
	if r != nil {
		time.Sleep(o.settle)
		var err error
		if before, err = c.stats(); err != nil {
			return "", err
		}
		if r.RSSBeforeKB, err = proc.VmRSS(c.pid); err != nil {
			return "", err
		}
		r.GoroutinesBefore = before.Goroutines
	}
	start := time.Now()
	ps, err := openPolls(c.addr, formRequest(c.addr, chat.UpdatesPath, url.Values{"cursor": {cursor}}), n, o.batch, deadline)
	if err != nil {
		return "", err
	}
	defer ps.close()
	if _, err := c.waitFor(time.Until(deadline), fmt.Sprintf("%d waiting", n), func(s chat.Stats) bool { return s.Waiting >= n }); err != nil {
		return "", err
	}
	if r != nil {
		r.OpenSeconds = time.Since(start).Seconds()
		if err := measureWaiting(o, c, r, before); err != nil {
			return "", err
		}
	}
	w, err := postMessage(o, c, ps, deadline, r != nil && c.profile)
	if err != nil {
		return "", err
	}
	var msg chat.Message
	if err := json.Unmarshal(w.post.body, &msg); err != nil {
		return "", fmt.Errorf("POST %s answered %q: %w", chat.NewPath, w.post.body, err)
	}
	want := []byte(`{"messages":[` + string(w.post.body) + `]}`)
	if r == nil {
		if bad, first := check(ps.polls, want); bad > 0 {
			return "", fmt.Errorf("%d of %d answers were wrong; the first: %s", bad, n, first)
		}
		return msg.ID, nil
	}
	r.Failed, r.Failure = check(ps.polls, want)
	r.Answered = n - r.Failed
	r.Body = string(ps.polls[0].body)
	w.measure(r, ps.polls)
	return msg.ID, nil
}

// measureWaiting reads the server's figures while the long polls wait,
// and their growth since before (and, when profiling, writes a heap
// profile).
func measureWaiting(o *options, c *child, r *roundResult, before chat.Stats) error {
	time.Sleep(o.settle)
	s, err := c.stats()
	if err != nil {
		return err
	}
	if r.RSSWaitingKB, err = proc.VmRSS(c.pid); err != nil {
		return err
	}
	n := float64(r.N)
	r.GoroutinesWaiting = s.Goroutines
	r.RSSPerWaiterBytes = float64(r.RSSWaitingKB-r.RSSBeforeKB) * 1024 / n
	per := func(a, b uint64) float64 { return (float64(a) - float64(b)) / n }
	r.HeapObjectsPerWaiter = per(s.HeapObjects, before.HeapObjects)
	r.HeapLivePerWaiter = per(s.HeapLive, before.HeapLive)
	r.StacksPerWaiter = per(s.Stacks, before.Stacks)
	r.HeapFreePerWaiter = per(s.HeapFree, before.HeapFree)
	r.HeapUnusedPerWaiter = per(s.HeapUnused, before.HeapUnused)
	r.MetadataPerWaiter = per(s.Metadata, before.Metadata)
	r.GCsWhileOpening = s.GCs - before.GCs
	if c.profile {
		r.HeapProfile, err = c.profileCommand("heap")
	}
	return err
}

// window is what postMessage saw: the message's own answer, and the clocks
// at T0 (just before the POST was written) and after the last answer.
type window struct {
	post             *poll
	t0, t1           time.Time
	m0, m1           int64 // the machine's busy ticks
	self0, self1     cpuTime
	server0, server1 cpuTime
}

// postMessage posts one message on a connection opened beforehand, and
// waits for the message's answer and every long poll's.
func postMessage(o *options, c *child, ps *pollSet, deadline time.Time, profile bool) (*window, error) {
	pc, err := dial(c.addr)
	if err != nil {
		return nil, err
	}
	defer closeNow(pc)
	w := &window{post: &poll{conn: pc}}
	if w.post.s, err = newStamped(pc); err != nil {
		return nil, err
	}
	pc.SetDeadline(deadline)
	req := formRequest(c.addr, chat.NewPath, url.Values{"body": {fmt.Sprintf("Hello, %d long polls <&>", len(ps.polls))}})
	if profile {
		if _, err := c.profileCommand("start"); err != nil {
			return nil, err
		}
	}
	w.m0, w.self0, w.server0 = readCPU(c.pid)
	w.t0 = time.Now()
	if _, err := pc.Write(req); err != nil {
		return nil, err
	}
	ps.wg.Go(w.post.read)
	allDone := ps.wait(deadline)
	w.m1, w.self1, w.server1 = readCPU(c.pid)
	w.t1 = time.Now()
	if profile {
		if _, err := c.profileCommand("stop"); err != nil {
			return nil, err
		}
	}
	if !allDone {
		return nil, fmt.Errorf("not every answer arrived within the round's %s", o.roundTimeout)
	}
	if w.post.err != nil || w.post.status != 200 {
		return nil, fmt.Errorf("POST %s: status %d, %v", chat.NewPath, w.post.status, w.post.err)
	}
	return w, nil
}

// measure fills in r's times and CPU figures.
func (w *window) measure(r *roundResult, polls []*poll) {
	t0 := w.t0.UnixNano()
	measureTimes(r, polls, t0)
	r.PostMs = msSince(stampOf(w.post), t0)
	r.CPUMs = float64(w.server1.ns-w.server0.ns) / 1e6
	r.CPUTicksMs = float64(w.server1.ticks-w.server0.ticks) * float64(clockTick) / 1e6
	r.ClientMs = float64(w.self1.ns-w.self0.ns) / 1e6
	r.WallMs = float64(w.t1.Sub(w.t0)) / 1e6
	if r.WallMs > 0 {
		busy := float64(w.m1-w.m0) * float64(clockTick) / 1e6
		r.Foreign = max(0, (busy-r.CPUMs-r.ClientMs)/r.WallMs)
	}
}

// readCPU reads the machine's busy ticks, this process's CPU time and the
// server's; a failed read counts as zero.
func readCPU(pid int) (machine int64, self, server cpuTime) {
	machine, _ = machineBusy()
	self, _ = processCPU(0)
	server, _ = processCPU(pid)
	return
}

// check counts the answers that are not a 200 with body want, and
// describes the first.
func check(polls []*poll, want []byte) (bad int, first string) {
	for i, p := range polls {
		var why string
		switch {
		case p.err != nil:
			why = p.err.Error()
		case p.status != 200:
			why = fmt.Sprintf("status %d", p.status)
		case !bytes.Equal(p.body, want):
			why = fmt.Sprintf("body %q, want %q", p.body, want)
		default:
			continue
		}
		if bad == 0 {
			first = fmt.Sprintf("long poll %d: %s", i, why)
		}
		bad++
	}
	return bad, first
}

// stampOf returns the arrival time of p's answer: the kernel's timestamp,
// or when it was read if there was none.
func stampOf(p *poll) int64 {
	if p.kernel != 0 {
		return p.kernel
	}
	return p.user
}

func msSince(t, t0 int64) float64 { return float64(t-t0) / 1e6 }

// measureTimes fills in the arrival figures of the answered polls.
func measureTimes(r *roundResult, polls []*poll, t0 int64) {
	var kernel, user []int64
	for _, p := range polls {
		if p.err != nil || p.user == 0 {
			continue
		}
		if p.kernel == 0 {
			r.NoStamp++
		}
		kernel = append(kernel, stampOf(p))
		user = append(user, p.user)
	}
	if len(kernel) == 0 {
		return
	}
	slices.Sort(kernel)
	slices.Sort(user)
	at := func(q float64) float64 { return msSince(kernel[int(q*float64(len(kernel)-1))], t0) }
	r.FirstMs, r.MedianMs, r.P99Ms, r.LastMs = at(0), at(0.5), at(0.99), at(1)
	r.FirstUserMs, r.LastUserMs = msSince(user[0], t0), msSince(user[len(user)-1], t0)
}
