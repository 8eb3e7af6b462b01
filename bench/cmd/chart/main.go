// Command chart draws results.json as a plain SVG: one panel per test, a
// horizontal bar per peer, each labelled with its median and its ratio to
// GoTornado.
//
//	chart -in results.json -out results.svg
package main

import (
	"flag"
	"fmt"
	"html"
	"log"
	"os"
	"strings"

	"github.com/gotornado/tornado/bench/internal/results"
)

// Layout, in pixels.
const (
	width      = 880
	margin     = 16
	labelWidth = 150 // peer names, right-aligned before the bars
	barMax     = 500 // the longest bar in a panel
	barHeight  = 16
	barGap     = 6
	titleGap   = 26 // from a panel's title to its first bar
	panelGap   = 22
	headHeight = 58
)

var colors = map[string]string{
	results.Reference: "#d9480f",
	"limit":           "#adb5bd",
}

const defaultColor = "#4263eb"

func main() {
	in := flag.String("in", "results.json", "results `file` to read")
	out := flag.String("out", "results.svg", "SVG `file` to write")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("chart: ")
	f, err := results.Load(*in)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, []byte(draw(f)), 0o644); err != nil {
		log.Fatal(err)
	}
}

func draw(f *results.File) string {
	var b strings.Builder
	panel := titleGap + len(f.Peers)*(barHeight+barGap) + panelGap
	height := headHeight + len(f.Tests)*panel + margin
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="16" font-weight="bold">GoTornado benchmark, %s</text>`+"\n",
		margin, margin+12, esc(f.Date))
	sub := fmt.Sprintf("%d × %s; server on CPU %s (GOMAXPROCS=1), wrk on CPU %s; median of %d round(s) of %s; ratio to GoTornado in brackets",
		f.Machine.NProc, f.Machine.CPU, f.Config.ServerCPU, f.Config.ClientCPU, f.Config.Rounds, f.Config.Duration)
	if f.Config.Quick {
		sub += "; QUICK MODE"
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#495057">%s</text>`+"\n", margin, margin+32, esc(sub))
	y := headHeight
	for i := range f.Tests {
		drawPanel(&b, &f.Tests[i], y)
		y += panel
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func drawPanel(b *strings.Builder, t *results.Test, y int) {
	better := "higher is better"
	if t.LowerIsBetter {
		better = "lower is better"
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="13" font-weight="bold">%s <tspan font-weight="normal" fill="#495057">(%s, %s)</tspan></text>`+"\n",
		margin, y+14, esc(t.Title), esc(t.Unit), better)
	max := 0.0
	for _, r := range t.Results {
		if r.OK && r.Median > max {
			max = r.Median
		}
	}
	x0 := margin + labelWidth
	for i, r := range t.Results {
		by := y + titleGap + i*(barHeight+barGap)
		ty := by + barHeight - 4
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", x0-8, ty, esc(results.PeerTitle(r.Peer)))
		if r.Skipped {
			fmt.Fprintf(b, `<text x="%d" y="%d" fill="#868e96">—</text>`+"\n", x0, ty)
			continue
		}
		if !r.OK {
			fmt.Fprintf(b, `<text x="%d" y="%d" fill="#c92a2a">failed</text>`+"\n", x0, ty)
			continue
		}
		w := 1
		if max > 0 {
			w = max1(int(r.Median / max * barMax))
		}
		color, ok := colors[r.Peer]
		if !ok {
			color = defaultColor
		}
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", x0, by, w, barHeight, color)
		label := results.FormatValue(r.Median, t.Unit)
		if q := results.FormatRatio(r.Ratio); q != "" && r.Peer != results.Reference {
			label += " (" + q + ")"
		}
		if r.Note != "" {
			label += " *"
		}
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`+"\n", x0+w+6, ty, esc(label))
	}
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

func esc(s string) string { return html.EscapeString(s) }
