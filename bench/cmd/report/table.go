package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/gotornado/tornado/bench/internal/results"
)

// textTable renders the medians for the terminal, with notes below.
func textTable(f *results.File) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for _, p := range f.Peers {
		fmt.Fprintf(tw, "%s\t", results.PeerTitle(p))
	}
	fmt.Fprintln(tw)
	for i := range f.Tests {
		t := &f.Tests[i]
		fmt.Fprintf(tw, "%s (%s)\t", t.Name, t.Unit)
		for _, r := range t.Results {
			fmt.Fprintf(tw, "%s\t", cell(t, r, " *"))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	b.WriteString(notes(f, "* "))
	if f.Config.Rounds > 1 {
		b.WriteString("== ratios to GoTornado within each round (median over the rounds)\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "\t")
		for _, p := range f.Peers {
			if p != results.Reference {
				fmt.Fprintf(tw, "%s\t", results.PeerTitle(p))
			}
		}
		fmt.Fprintln(tw)
		for i := range f.Tests {
			t := &f.Tests[i]
			if !hasRoundRatios(t) {
				continue
			}
			fmt.Fprintf(tw, "%s\t", t.Name)
			for _, r := range t.Results {
				if r.Peer != results.Reference {
					fmt.Fprintf(tw, "%s\t", roundRatio(r))
				}
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}
	return b.String()
}

// notes lists the results that carry a note, one a line, each with prefix.
func notes(f *results.File, prefix string) string {
	var b strings.Builder
	for _, t := range f.Tests {
		for _, r := range t.Results {
			if r.Note != "" {
				fmt.Fprintf(&b, "%s%s, %s: %s\n", prefix, t.Name, results.PeerTitle(r.Peer), r.Note)
			}
		}
	}
	return b.String()
}
