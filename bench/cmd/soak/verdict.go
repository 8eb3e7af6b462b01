package main

import (
	"fmt"
	"strconv"
	"time"
)

// growthLimit is how far the last third's maximum may rise above the
// first third's (after the warm-up) for a line to count as flat.
const growthLimit = 1.2

// metric is one line of the chart.
type metric struct {
	name  string
	unit  string
	value func(sample) float64
	// slack is added to the limit, so that small counts (a handful of
	// goroutines) do not fail on one more.
	slack float64
}

var metrics = []metric{
	{name: "goroutines", value: func(s sample) float64 { return float64(s.goroutines) }, slack: 4},
	{name: "open fds", value: func(s sample) float64 { return float64(s.fds) }, slack: 16},
	{name: "RSS", unit: "MiB", value: func(s sample) float64 { return float64(s.rssKiB) / 1024 }, slack: 2},
}

// judgement is the verdict on one metric.
type judgement struct {
	metric
	firstMax, lastMax, limit float64
	enough                   bool // at least three samples after the warm-up
	flat                     bool
}

// judge compares, for each metric, the maximum of the last third of the
// samples taken after warmup with that of the first third.
func judge(samples []sample, warmup time.Duration) []judgement {
	var after []sample
	for _, s := range samples {
		if s.at >= warmup {
			after = append(after, s)
		}
	}
	k := len(after) / 3
	out := make([]judgement, len(metrics))
	for i, m := range metrics {
		j := judgement{metric: m, enough: k > 0, flat: true}
		if j.enough {
			j.firstMax = maxOf(after[:k], m.value)
			j.lastMax = maxOf(after[len(after)-k:], m.value)
			j.limit = j.firstMax*growthLimit + m.slack
			j.flat = j.lastMax <= j.limit
		}
		out[i] = j
	}
	return out
}

func maxOf(ss []sample, v func(sample) float64) float64 {
	m := v(ss[0])
	for _, s := range ss[1:] {
		m = max(m, v(s))
	}
	return m
}

// allFlat reports whether every judgement is flat and was made.
func allFlat(js []judgement) bool {
	for _, j := range js {
		if !j.enough || !j.flat {
			return false
		}
	}
	return true
}

func (j judgement) String() string {
	if !j.enough {
		return j.name + ": too few samples after the warm-up to judge"
	}
	state := "flat"
	if !j.flat {
		state = "GROWING"
	}
	return fmt.Sprintf("%s: first third max %s, last third max %s (limit %s): %s",
		j.name, j.format(j.firstMax), j.format(j.lastMax), j.format(j.limit), state)
}

func (m metric) format(v float64) string {
	if m.unit == "" {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + m.unit
}
