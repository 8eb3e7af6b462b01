// Package results holds the benchmark's results file (results.json), which
// cmd/report writes from a run's raw output and cmd/chart draws, and the
// parsers for that raw output: wrk's report, idlemem's, and the CPU and
// allocation figures bench/run writes beside each wrk report.
package results

import (
	"encoding/json"
	"os"
	"slices"
)

// File is the content of results.json.
type File struct {
	Date    string   `json:"date"`    // when the run started, RFC 3339
	Command string   `json:"command"` // the command line that ran it
	Machine Machine  `json:"machine"`
	Config  Config   `json:"config"`
	Peers   []string `json:"peers"` // in the order they ran
	Tests   []Test   `json:"tests"`
}

// Machine describes where the run took place.
type Machine struct {
	NProc     int    `json:"nproc"`
	CPU       string `json:"cpu"`
	Kernel    string `json:"kernel,omitempty"`
	Go        string `json:"go,omitempty"`
	Wrk       string `json:"wrk,omitempty"`
	Tornado   string `json:"tornado,omitempty"`
	LoadStart string `json:"load_start,omitempty"` // /proc/loadavg when the run started
	LoadEnd   string `json:"load_end,omitempty"`   // and when it ended
}

// Config is how the run was set up.
type Config struct {
	Rounds      int    `json:"rounds"`
	Duration    string `json:"duration"` // of each load run, as given to wrk
	Connections int    `json:"connections"`
	Pipeline    int    `json:"pipeline"`   // requests per write in the pipelined test
	IdleConns   int    `json:"idle_conns"` // connections opened by idlemem (0: not run)
	Quick       bool   `json:"quick,omitempty"`
	ServerCPU   string `json:"server_cpu"`
	ClientCPU   string `json:"client_cpu"`
	// MaxForeign is the Foreign figure above which a run was repeated, and
	// flagged if it stayed above it.
	MaxForeign float64 `json:"max_foreign_cpus,omitempty"`
	Retries    int     `json:"retries"`
}

// Test is one measured quantity for every peer.
type Test struct {
	Name          string   `json:"name"`
	Title         string   `json:"title"`
	Unit          string   `json:"unit"`
	LowerIsBetter bool     `json:"lower_is_better,omitempty"`
	Results       []Result `json:"results"` // in the order of File.Peers
}

// Result is one peer's figure for a test.
type Result struct {
	Peer string `json:"peer"`
	OK   bool   `json:"ok"` // false: no valid sample (see Note), or Skipped
	// Skipped says the peer was not run in this test: it does not serve
	// it (only some peers serve the static and page tests, or report
	// their allocations). The tables show "—".
	Skipped bool    `json:"skipped,omitempty"`
	Median  float64 `json:"median,omitempty"` // of Samples
	Ratio   float64 `json:"ratio,omitempty"`  // Median / GoTornado's median; 0 when unknown
	// RoundRatio is the median over the rounds of the sample divided by
	// GoTornado's sample of the same round: runs close in time compare
	// best on a machine whose speed drifts.
	RoundRatio float64   `json:"round_ratio,omitempty"`
	Samples    []float64 `json:"samples,omitempty"`
	Rounds     []int     `json:"rounds,omitempty"` // the round of each sample
	Errors     int64     `json:"errors,omitempty"` // wrk's socket errors and non-2xx responses, summed
	// Foreign is, for each sample, the CPUs' worth of time that programs
	// other than the server and the load generator took during its run.
	Foreign []float64 `json:"foreign_cpus,omitempty"`
	// Client is, for each sample, the share of its one CPU that wrk used:
	// near 1, the load generator, not the server, set the rate.
	Client []float64 `json:"client_cpu_share,omitempty"`
	Note   string    `json:"note,omitempty"`
}

// Result returns peer's result in t, if any.
func (t *Test) Result(peer string) (Result, bool) {
	i := slices.IndexFunc(t.Results, func(r Result) bool { return r.Peer == peer })
	if i < 0 {
		return Result{}, false
	}
	return t.Results[i], true
}

// Load reads a results file.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := new(File)
	if err := json.Unmarshal(b, f); err != nil {
		return nil, err
	}
	return f, nil
}

// Save writes f to path.
func (f *File) Save(path string) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Median returns the median of xs (the mean of the middle two for an even
// count), or 0 for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}
