package results

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const wrkLatency = `Running 2s test @ http://127.0.0.1:9121/nope
  1 threads and 100 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   116.52ms  158.11ms 641.13ms   85.70%
    Req/Sec     3.46k     3.39k   10.06k    88.89%
  Latency Distribution
     50%   33.55ms
     75%  188.83ms
     90%  325.72ms
     99%  640.47ms
  4024 requests in 2.10s, 829.16KB read
  Socket errors: connect 0, read 2, write 0, timeout 50
  Non-2xx or 3xx responses: 4024
Requests/sec:   1916.52
Transfer/sec:    394.91KB
`

const wrkPlain = `Running 2s test @ http://127.0.0.1:9124/plaintext
  1 threads and 100 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    24.90ms   59.97ms 772.31ms   94.37%
    Req/Sec   146.44k    79.82k  234.34k    66.67%
  197824 requests in 2.08s, 25.09MB read
Requests/sec:  94928.15
Transfer/sec:     12.04MB
`

func TestParseWrk(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Wrk
		err  error
	}{
		{"latency", wrkLatency, Wrk{RequestsPerSec: 1916.52, Requests: 4024, P99: 640470 * time.Microsecond, SocketErrors: 52, Non2xx: 4024}, nil},
		{"plain", wrkPlain, Wrk{RequestsPerSec: 94928.15, Requests: 197824}, nil},
		{"refused", "unable to connect to 127.0.0.1:8888 Connection refused\n", Wrk{}, ErrNoRate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseWrk(strings.NewReader(tt.in))
			if !errors.Is(err, tt.err) {
				t.Fatalf("ParseWrk() error = %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Errorf("ParseWrk() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseWrkDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"0.00us", 0},
		{"812.00us", 812 * time.Microsecond},
		{"6.00ms", 6 * time.Millisecond},
		{"1.50s", 1500 * time.Millisecond},
		{"2.00m", 2 * time.Minute},
	}
	for _, tt := range tests {
		got, err := ParseWrkDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseWrkDuration(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "ms", "12", "1.0xs"} {
		if _, err := ParseWrkDuration(bad); err == nil {
			t.Errorf("ParseWrkDuration(%q) succeeded, want an error", bad)
		}
	}
}

func TestParseIdle(t *testing.T) {
	in := "pid: 1\nconnections: 15000\nopen_seconds: 3.28\nalive_after: 14999\nrss_before_kb: 7156\nrss_after_kb: 298884\nbytes_per_conn: 19915\n"
	got, err := ParseIdle(strings.NewReader(in))
	want := Idle{Connections: 15000, Alive: 14999, BytesPerConn: 19915, RSSBeforeKB: 7156, RSSAfterKB: 298884}
	if err != nil || got != want {
		t.Errorf("ParseIdle() = %+v, %v, want %+v", got, err, want)
	}
	if _, err := ParseIdle(strings.NewReader("idlemem: -pid is required\n")); !errors.Is(err, ErrNoIdleResult) {
		t.Errorf("ParseIdle(failure) error = %v, want %v", err, ErrNoIdleResult)
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseCPU(t *testing.T) {
	got, err := ParseCPU(strings.NewReader("foreign_cpus: 0.42\n"))
	if err != nil || got != (CPU{Foreign: 0.42}) {
		t.Errorf("ParseCPU(foreign only) = %+v, %v, want Foreign 0.42", got, err)
	}
	got, err = ParseCPU(strings.NewReader("foreign_cpus: 0.03\nserver_cpu_s: 4.98\nclient_cpu_s: 5.01\nwall_s: 5.04\n"))
	if want := (CPU{Foreign: 0.03, Server: 4.98, Client: 5.01, Wall: 5.04}); err != nil || got != want {
		t.Errorf("ParseCPU(all) = %+v, %v, want %+v", got, err, want)
	}
	if _, err := ParseCPU(strings.NewReader("")); err == nil {
		t.Error("ParseCPU(\"\") succeeded, want an error")
	}
	if _, err := ParseCPU(strings.NewReader("foreign_cpus: x\n")); err == nil {
		t.Error("ParseCPU(bad number) succeeded, want an error")
	}
}

func TestParseAllocs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Allocs
		err  bool
	}{
		{"both", "mallocs: 1200345\nalloc_bytes: 98765432\n", Allocs{Mallocs: 1200345, Bytes: 98765432}, false},
		{"mallocs only", "mallocs: 7\n", Allocs{Mallocs: 7}, false},
		{"empty", "", Allocs{}, true},
		{"negative", "mallocs: -3\n", Allocs{}, true},
		{"not a number", "mallocs: many\n", Allocs{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAllocs(strings.NewReader(tt.in))
			if (err != nil) != tt.err {
				t.Fatalf("ParseAllocs(%q) error = %v, want error %v", tt.in, err, tt.err)
			}
			if err == nil && got != tt.want {
				t.Errorf("ParseAllocs(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
	if _, err := ParseAllocs(strings.NewReader("")); !errors.Is(err, ErrNoAllocs) {
		t.Errorf("ParseAllocs(\"\") error = %v, want %v", err, ErrNoAllocs)
	}
}
