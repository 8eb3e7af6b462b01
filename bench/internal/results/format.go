package results

import (
	"strconv"
	"strings"
)

// Reference is the peer the ratios compare to.
const Reference = "gotornado"

var peerTitles = map[string]string{
	"gotornado": "GoTornado",
	"nethttp":   "net/http",
	"fasthttp":  "fasthttp",
	"nbio":      "nbio",
	"tornado":   "Tornado (Python)",
	"limit":     "limit",
}

// PeerTitle returns the name a peer is shown under.
func PeerTitle(peer string) string {
	if t, ok := peerTitles[peer]; ok {
		return t
	}
	return peer
}

// FormatValue formats v for unit: thousands separated whole numbers for
// rates, two decimals for milli- and microseconds and allocations per
// request, one otherwise.
func FormatValue(v float64, unit string) string {
	switch unit {
	case "req/s":
		return group(strconv.FormatFloat(v, 'f', 0, 64))
	case "ms", "µs", "allocs/req":
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
}

// FormatRatio formats a ratio such as 0.78×, or "" for an unknown one.
func FormatRatio(r float64) string {
	if r <= 0 {
		return ""
	}
	return strconv.FormatFloat(r, 'f', 2, 64) + "×"
}

// group puts commas between thousands of a whole number.
func group(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
