package web

import (
	"maps"
	"slices"
	"time"

	"github.com/gotornado/tornado/httputil"
)

// CookieOptions are the optional attributes of SetCookie and ClearCookie.
type CookieOptions struct {
	Domain      string
	Path        string    // "" means "/"
	Expires     time.Time // the zero time sends no Expires, unless ExpiresDays is set
	ExpiresDays float64   // with Expires zero: expire this many days from now
	MaxAge      int       // > 0 sends Max-Age; < 0 sends Max-Age=0
	Secure      bool
	HTTPOnly    bool
	SameSite    string // "", "Lax", "Strict" or "None"
}

// Cookies returns the request's cookies by name (Tornado's cookies).
func (h *RequestHandler) Cookies() map[string]string { return h.req.Cookies() }

// GetCookie returns the value of the request cookie name, or def[0] (or "")
// if it is absent (Tornado's get_cookie). It does not see cookies set by
// SetCookie in this response.
func (h *RequestHandler) GetCookie(name string, def ...string) string {
	if v, ok := h.req.Cookies()[name]; ok {
		return v
	}
	if len(def) > 0 {
		return def[0]
	}
	return ""
}

// LookupCookie returns the value of the request cookie name and whether it
// was sent, telling a missing cookie from an empty one.
func (h *RequestHandler) LookupCookie(name string) (string, bool) {
	v, ok := h.req.Cookies()[name]
	return v, ok
}

// CookieNames returns the names of the request's cookies in the order they
// came.
func (h *RequestHandler) CookieNames() []string { return h.req.CookieNames() }

// SetCookie sets the cookie name to value with the given options, sent with
// the headers (Tornado's set_cookie); a later SetCookie with the same name
// replaces it. A value with characters a cookie cannot carry bare is
// quoted as Tornado (Python's http.cookies) quotes it. A name that is not a
// token, or a value or attribute Tornado refuses, is refused: the error
// (wrapping httputil.ErrBadCookie) is returned, and fails the response
// with a 500 as well.
func (h *RequestHandler) SetCookie(name, value string, opts ...CookieOptions) error {
	var o CookieOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	c := httputil.Cookie{
		Name: name, Value: value, Domain: o.Domain, Path: o.Path,
		Expires: o.Expires, MaxAge: o.MaxAge,
		Secure: o.Secure, HTTPOnly: o.HTTPOnly, SameSite: o.SameSite,
	}
	if c.Path == "" {
		c.Path = "/"
	}
	if c.Expires.IsZero() && o.ExpiresDays != 0 {
		c.Expires = time.Now().Add(time.Duration(o.ExpiresDays * float64(24*time.Hour)))
	}
	line, err := c.String()
	if err != nil {
		h.fail(err)
		return err
	}
	x := h.x()
	for i := range x.cookies {
		if x.cookies[i].name == name {
			x.cookies[i].line = line
			return nil
		}
	}
	x.cookies = append(x.cookies, pendingCookie{name, line})
	return nil
}

// ClearCookie deletes the cookie name by sending it empty and expired
// (Tornado's clear_cookie). The Path and Domain must be the ones it was set
// with.
func (h *RequestHandler) ClearCookie(name string, opts ...CookieOptions) {
	var o CookieOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	o.Expires, o.ExpiresDays = time.Now().Add(-365*24*time.Hour), 0
	h.SetCookie(name, "", o)
}

// ClearAllCookies deletes every cookie the request sent (Tornado's
// clear_all_cookies).
func (h *RequestHandler) ClearAllCookies(opts ...CookieOptions) {
	for _, name := range slices.Sorted(maps.Keys(h.req.Cookies())) {
		h.ClearCookie(name, opts...)
	}
}
