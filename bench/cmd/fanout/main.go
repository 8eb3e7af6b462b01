// Command fanout measures a chat's fan-out: N long polls held open on one
// server and all answered when one message arrives. It runs the GoTornado
// chat (servers/chatgt) and the same chat on plain net/http, a goroutine
// per request (servers/chatnethttp), side by side in one run, and reports
// five figures for each, the medians over the rounds:
//
//   - first answer: when the first long poll's answer reached its socket,
//     after T0, the moment just before the message's POST was written;
//   - last answer: the same for the last of the N;
//   - server CPU for the fan-out: the server's CPU time from T0 to the
//     moment the last answer was read;
//   - RSS per waiter: the growth of the server's VmRSS from before the
//     long polls were opened to while they all wait, divided by N;
//   - goroutines while the N wait (the server's runtime.NumGoroutine).
//
// Arrival times are the kernel's receive timestamps (SO_TIMESTAMPNS): on
// the loopback they say when the server wrote, however late this process,
// which shares the machine, gets to read (the read times are kept too).
//
// Each round starts a fresh process of each server (the order alternates
// from round to round) with GOMAXPROCS=-procs, pinned with taskset to
// -server-cpus if given, its open-file limit raised; warms it up with a
// small fan-out; opens the N long polls from this process, each a raw
// socket that wrote its request and has a reader goroutine; waits until
// the server's /debug/stats counts N waiting; and posts the message. The
// answers must be 200 and the same JSON bytes from both servers. Every
// round is bounded in time, everything is on the loopback, and the
// servers are stopped at the end, or on SIGINT or SIGTERM.
//
//	cd bench && go run ./cmd/fanout -n 10000 -rounds 3
//
// It prints a table and writes results.json into -out (by default
// out/fanout-DATE). With -profile each server also writes a CPU profile of
// each fan-out there (NAME.rN.cpu.1, for go tool pprof); the figures of a
// profiled run include the profiler's cost. Linux only.
package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/gotornado/tornado/bench/internal/proc"
)

// servers are the chats compared, GoTornado's first: the ratios are
// GoTornado's figures over net/http's.
var servers = []string{"chatgt", "chatnethttp"}

// options are the command's flags.
type options struct {
	n, rounds, batch, warm int
	settle, roundTimeout   time.Duration
	procs                  int
	serverCPUs, clientCPUs string
	bin, out               string
	build, profile         bool
	port                   int
}

func main() {
	o := &options{}
	flag.IntVar(&o.n, "n", 10000, "long polls per fan-out")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds, each on fresh servers")
	flag.IntVar(&o.batch, "batch", 250, "long polls opened at a time")
	flag.IntVar(&o.warm, "warm", 100, "long polls of the warm-up fan-out on each fresh server (0: none)")
	flag.DurationVar(&o.settle, "settle", time.Second, "wait before each RSS reading")
	flag.DurationVar(&o.roundTimeout, "timeout", 2*time.Minute, "limit on each round of each server")
	flag.IntVar(&o.procs, "procs", 2, "GOMAXPROCS of the servers")
	flag.StringVar(&o.serverCPUs, "server-cpus", "", "pin the servers to these CPUs with taskset (\"\": not pinned)")
	flag.StringVar(&o.clientCPUs, "client-cpus", "", "pin this process to these CPUs (\"\": not pinned)")
	flag.StringVar(&o.bin, "bin", "bin", "`folder` holding the servers' binaries")
	flag.BoolVar(&o.build, "build", true, "build the servers into -bin first (run in bench/)")
	flag.StringVar(&o.out, "out", "", "`folder` for results.json, the logs and profiles (default out/fanout-DATE)")
	flag.BoolVar(&o.profile, "profile", false, "write a CPU profile of each server's fan-out, and a heap profile while the long polls wait, into -out (inflates the figures)")
	flag.IntVar(&o.port, "port", 8901, "the i-th server listens on 127.0.0.1:port+i")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("fanout: ")
	if err := o.check(); err != nil {
		log.Fatal(err)
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sig
		log.Printf("%v: stopping the servers", s)
		stopAll()
		os.Exit(130)
	}()
	code := run(o)
	stopAll()
	os.Exit(code)
}

func (o *options) check() error {
	if o.n < 1 || o.rounds < 1 || o.batch < 1 || o.warm < 0 || o.procs < 1 || o.port < 1 || o.port+len(servers) > 65535 {
		return fmt.Errorf("-n, -rounds, -batch, -procs and -port must be positive, -warm not negative")
	}
	limit, err := proc.RaiseNoFile()
	if err != nil {
		return err
	}
	if need := uint64(max(o.n, o.warm) + 256); limit < need {
		return fmt.Errorf("-n %d needs %d open files in this process; RLIMIT_NOFILE allows %d (raise the hard limit: ulimit -Hn)", o.n, need, limit)
	}
	if o.clientCPUs != "" {
		if err := pinSelf(o.clientCPUs); err != nil {
			return fmt.Errorf("-client-cpus: %w", err)
		}
	}
	if o.serverCPUs != "" {
		if _, err := exec.LookPath("taskset"); err != nil {
			return fmt.Errorf("-server-cpus needs taskset (util-linux): %w", err)
		}
	}
	if o.out == "" {
		o.out = filepath.Join("out", "fanout-"+time.Now().Format("20060102-150405"))
	}
	if err := os.MkdirAll(filepath.Join(o.out, "logs"), 0o755); err != nil {
		return err
	}
	if o.build {
		return o.buildServers()
	}
	return nil
}

// buildServers builds the servers into o.bin; it must run in bench/.
func (o *options) buildServers() error {
	if b, err := os.ReadFile("go.mod"); err != nil || !strings.Contains(string(b), "module github.com/gotornado/tornado/bench\n") {
		return fmt.Errorf("-build needs to run in bench/ (or pass -build=false -bin FOLDER)")
	}
	for _, s := range servers {
		cmd := exec.Command("go", "build", "-o", filepath.Join(o.bin, s), "./servers/"+s)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building servers/%s: %w", s, err)
		}
	}
	return nil
}

// run runs the rounds and reports; it returns the exit code.
func run(o *options) int {
	rep := &report{
		Date: time.Now().Format(time.RFC3339), Command: strings.Join(os.Args, " "),
		N: o.n, Rounds: o.rounds, Procs: o.procs, ServerCPUs: o.serverCPUs, ClientCPUs: o.clientCPUs,
		NProc: runtime.NumCPU(), Go: runtime.Version(), LoadStart: loadAvg(), Profiled: o.profile,
	}
	fmt.Printf("== fan-out: %d long polls, %d round(s), GOMAXPROCS=%d, server CPUs %s, client CPUs %s; load average %s; output in %s\n",
		o.n, o.rounds, o.procs, cmp.Or(o.serverCPUs, "any"), cmp.Or(o.clientCPUs, "any"), rep.LoadStart, o.out)
	failed := false
	for round := 1; round <= o.rounds; round++ {
		for k := range servers {
			i := (k + round - 1) % len(servers)
			name := servers[i]
			r, err := runRound(o, name, fmt.Sprintf("127.0.0.1:%d", o.port+i), round)
			if err != nil {
				failed = true
				r.Failure = err.Error()
				fmt.Printf("   %-12s r%d  failed: %v\n", name, round, err)
			} else {
				fmt.Printf("   %-12s r%d  %s\n", name, round, r.line())
			}
			rep.Runs = append(rep.Runs, r)
		}
	}
	rep.LoadEnd = loadAvg()
	rep.summarize()
	table := rep.table()
	fmt.Print(table)
	if err := os.WriteFile(filepath.Join(o.out, "table.txt"), []byte(table), 0o644); err != nil {
		log.Print(err)
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err == nil {
		err = os.WriteFile(filepath.Join(o.out, "results.json"), append(b, '\n'), 0o644)
	}
	if err != nil {
		log.Print(err)
		return 1
	}
	fmt.Printf("== wrote %s\n", filepath.Join(o.out, "results.json"))
	if failed {
		return 1
	}
	return 0
}
