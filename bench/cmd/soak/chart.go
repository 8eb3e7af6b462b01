package main

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"time"
)

// Layout, in pixels.
const (
	width       = 880
	margin      = 16
	axisWidth   = 64 // y labels, right-aligned before the plot
	headHeight  = 76
	panelHeight = 190
	titleGap    = 24 // from a panel's top to its plot
	plotHeight  = 130
	plotWidth   = width - margin - axisWidth - margin
)

const (
	lineColor  = "#4263eb"
	limitColor = "#c92a2a"
	gridColor  = "#dee2e6"
	warmColor  = "#f1f3f5"
	textColor  = "#495057"
)

// chartInfo is what the chart's header says.
type chartInfo struct {
	date     string
	duration time.Duration
	warmup   time.Duration
	load     string // what the load was
	legend   string
	verdict  string
}

// draw renders the samples as three line charts (goroutines, open fds,
// RSS) over time, each with its warm-up shaded and, once judged, the
// first third's maximum and the limit the last third must stay under.
func draw(samples []sample, js []judgement, info chartInfo) string {
	var b strings.Builder
	height := headHeight + len(metrics)*panelHeight + margin
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="16" font-weight="bold">GoTornado soak, %s: %s</text>`+"\n",
		margin, margin+12, esc(info.date), esc(info.verdict))
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">%s</text>`+"\n", margin, margin+32, textColor, esc(info.load))
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">%s</text>`+"\n", margin, margin+48, textColor, esc(info.legend))
	span := info.duration
	if n := len(samples); n > 0 && samples[n-1].at > span {
		span = samples[n-1].at
	}
	for i := range metrics {
		drawPanel(&b, samples, js[i], info.warmup, span, headHeight+i*panelHeight)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// panel maps values of one metric to the plot's pixels.
type panel struct {
	x0, y0 int // the plot's top left corner
	span   time.Duration
	top    float64 // the value at the top of the plot
}

func (p panel) x(at time.Duration) float64 {
	if p.span <= 0 {
		return float64(p.x0)
	}
	return float64(p.x0) + float64(plotWidth)*float64(at)/float64(p.span)
}

func (p panel) y(v float64) float64 {
	return float64(p.y0+plotHeight) - float64(plotHeight)*v/p.top
}

func drawPanel(b *strings.Builder, samples []sample, j judgement, warmup, span time.Duration, y int) {
	title := j.name
	if j.unit != "" {
		title += " (" + j.unit + ")"
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="13" font-weight="bold">%s <tspan font-weight="normal" fill="%s">%s</tspan></text>`+"\n",
		margin, y+14, esc(title), textColor, esc(strings.TrimPrefix(j.String(), j.name+": ")))
	top := j.limit
	for _, s := range samples {
		top = max(top, j.value(s))
	}
	p := panel{x0: margin + axisWidth, y0: y + titleGap, span: span, top: niceCeil(top)}

	fmt.Fprintf(b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n",
		p.x(0), p.y0, p.x(min(warmup, span))-p.x(0), plotHeight, warmColor)
	for _, f := range []float64{0, 0.5, 1} {
		v := p.top * f
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>`+"\n", p.x0, p.y(v), p.x0+plotWidth, p.y(v), gridColor)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end" fill="%s">%s</text>`+"\n", p.x0-6, p.y(v)+4, textColor,
			strconv.FormatFloat(v, 'f', -1, 64))
	}
	step := timeStep(span)
	for at := time.Duration(0); at <= span; at += step {
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" fill="%s">%s</text>`+"\n",
			p.x(at), p.y0+plotHeight+16, textColor, esc(at.String()))
	}
	if j.enough {
		drawLimits(b, samples, j, warmup, p)
	}
	drawLine(b, samples, j, p)
}

// drawLimits marks the first third's maximum over the first third of the
// judged samples, and the limit over the last third.
func drawLimits(b *strings.Builder, samples []sample, j judgement, warmup time.Duration, p panel) {
	var ats []time.Duration
	for _, s := range samples {
		if s.at >= warmup {
			ats = append(ats, s.at)
		}
	}
	k := len(ats) / 3
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="4 3"/>`+"\n",
		p.x(ats[0]), p.y(j.firstMax), p.x(ats[k-1]), p.y(j.firstMax), textColor)
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="4 3"/>`+"\n",
		p.x(ats[len(ats)-k]), p.y(j.limit), p.x(ats[len(ats)-1]), p.y(j.limit), limitColor)
}

func drawLine(b *strings.Builder, samples []sample, j judgement, p panel) {
	if len(samples) == 0 {
		return
	}
	b.WriteString(`<polyline fill="none" stroke="` + lineColor + `" stroke-width="1.5" points="`)
	for i, s := range samples {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(b, "%.1f,%.1f", p.x(s.at), p.y(j.value(s)))
	}
	b.WriteString(`"/>` + "\n")
	if len(samples) <= 120 {
		for _, s := range samples {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2" fill="%s"/>`+"\n", p.x(s.at), p.y(j.value(s)), lineColor)
		}
	}
}

// timeStep is the interval between the time axis's labels: a round
// duration that gives at most six of them.
func timeStep(span time.Duration) time.Duration {
	for _, d := range []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute} {
		if span/d <= 5 {
			return d
		}
	}
	return max(time.Hour, span/5)
}

// niceCeil rounds v up to a round multiple of a power of ten (1 for v <= 0).
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func esc(s string) string { return html.EscapeString(s) }
