package httpserver

import (
	"net/netip"
	"strings"

	"github.com/gotornado/tornado/httputil"
)

// applyXHeaders takes the client's address and scheme from the headers a
// trusted proxy sets (Tornado's xheaders=True): X-Real-Ip, else the last
// X-Forwarded-For entry; X-Scheme, else the last X-Forwarded-Proto entry.
// Values that are not an IP address, or not http/https, are ignored.
func applyXHeaders(r *httputil.ServerRequest) {
	ip := r.Header.Get("X-Forwarded-For")
	if i := strings.LastIndexByte(ip, ','); i >= 0 {
		ip = ip[i+1:]
	}
	ip = strings.TrimSpace(ip)
	if v := r.Header.Get("X-Real-Ip"); v != "" {
		ip = strings.TrimSpace(v)
	}
	if _, err := netip.ParseAddr(ip); err == nil {
		r.RemoteIP = ip
	}
	proto := r.Header.Get("X-Scheme")
	if proto == "" {
		proto = r.Header.Get("X-Forwarded-Proto")
	}
	if i := strings.LastIndexByte(proto, ','); i >= 0 {
		proto = proto[i+1:]
	}
	switch strings.ToLower(strings.TrimSpace(proto)) {
	case "http":
		r.Protocol = "http"
	case "https":
		r.Protocol = "https"
	}
}
