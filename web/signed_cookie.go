package web

import (
	"errors"
	"fmt"
)

// SignedCookieOptions are the optional arguments of SetSignedCookie: the
// cookie's attributes and the format of its value.
type SignedCookieOptions struct {
	CookieOptions

	// Version is the format of the signed value, 1 or 2; 0 means 2
	// (Tornado's version argument).
	Version int

	// Session sends the cookie without Expires, so that it ends with the
	// browser session (Tornado's expires_days=None). Otherwise a cookie
	// without Expires or ExpiresDays expires in 30 days.
	Session bool
}

// settingsSecrets returns the signing options of the Application's
// settings, or ErrNoSecret.
func (h *RequestHandler) settingsSecrets(o SignedValueOptions) (string, SignedValueOptions, error) {
	s := &h.app.settings
	o.Secrets, o.KeyVersion = nil, 0
	if len(s.CookieSecrets) > 0 {
		o.Secrets, o.KeyVersion = s.CookieSecrets, s.KeyVersion
		return "", o, nil
	}
	if s.CookieSecret == "" {
		return "", o, ErrNoSecret
	}
	return s.CookieSecret, o, nil
}

// CreateSignedValue signs value under name with the Application's secret
// (Tornado's RequestHandler.create_signed_value): Settings.CookieSecret,
// or Settings.CookieSecrets[Settings.KeyVersion]. Of opts only Version and
// Clock are used. Without a secret it returns ErrNoSecret. Safe for
// concurrent use.
func (h *RequestHandler) CreateSignedValue(name, value string, opts ...SignedValueOptions) (string, error) {
	secret, o, err := h.settingsSecrets(*signedOptions(opts))
	if err != nil {
		return "", err
	}
	return CreateSignedValue(secret, name, value, o)
}

// DecodeSignedValue verifies value, signed under name with the
// Application's secret, and returns what was signed (Tornado's
// get_signed_cookie with its value argument, for values that did not come
// in a cookie). Of opts only MaxAgeDays, MinVersion and Clock are used.
// Without a secret it returns ErrNoSecret. Safe for concurrent use.
func (h *RequestHandler) DecodeSignedValue(name, value string, opts ...SignedValueOptions) ([]byte, error) {
	secret, o, err := h.settingsSecrets(*signedOptions(opts))
	if err != nil {
		return nil, err
	}
	return DecodeSignedValue(secret, name, value, o)
}

// SetSignedCookie sets the cookie name to value signed and timestamped
// with the Application's secret, so that it cannot be forged (Tornado's
// set_signed_cookie, set_secure_cookie before Tornado 6.3). Read it back
// with GetSignedCookie. The value may hold any bytes; the cookie expires
// in 30 days unless opts says otherwise (ExpiresDays, Expires, or Session).
// The cookie lasts in the browser as long as it says, but GetSignedCookie
// refuses values older than its MaxAgeDays. An error (ErrNoSecret without
// a secret, or a cookie SetCookie refuses) is returned, and fails the
// response with a 500 as well, as Tornado raises. Must be called on the
// handler's goroutine.
func (h *RequestHandler) SetSignedCookie(name, value string, opts ...SignedCookieOptions) error {
	var o SignedCookieOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	signed, err := h.CreateSignedValue(name, value, SignedValueOptions{Version: o.Version})
	if err != nil {
		err = fmt.Errorf("web: SetSignedCookie(%q): %w", name, err)
		h.fail(err)
		return err
	}
	c := o.CookieOptions
	if !o.Session && c.Expires.IsZero() && c.ExpiresDays == 0 {
		c.ExpiresDays = 30
	}
	return h.SetCookie(name, signed, c)
}

// GetSignedCookie returns the value of the request's cookie name if it
// was signed with the Application's secret under that name and is not
// older than MaxAgeDays, 31 by default (Tornado's get_signed_cookie,
// get_secure_cookie before Tornado 6.3). Both of Tornado's formats are
// read, and with Settings.CookieSecrets the key version the value names
// picks the secret. Of opts only MaxAgeDays, MinVersion and Clock are
// used. A missing cookie returns ErrNoCookie, one that does not verify an
// error wrapping ErrInvalidSignedValue or ErrExpiredSignedValue: the
// request simply has no such value. Without a secret it returns
// ErrNoSecret and fails the response with a 500, as Tornado raises. It
// does not see cookies set in this response. Must be called on the
// handler's goroutine.
func (h *RequestHandler) GetSignedCookie(name string, opts ...SignedValueOptions) ([]byte, error) {
	v, ok := h.LookupCookie(name)
	b, err := h.DecodeSignedValue(name, v, opts...)
	if errors.Is(err, ErrNoSecret) {
		h.fail(err)
		return nil, err
	}
	if !ok {
		return nil, ErrNoCookie
	}
	return b, err
}

// SignedCookieKeyVersion returns the key version the request's signed
// cookie name names, and false when the cookie is absent, in format 1, or
// malformed (Tornado's get_signed_cookie_key_version). It does not verify
// the cookie. Must be called on the handler's goroutine.
func (h *RequestHandler) SignedCookieKeyVersion(name string) (int, bool) {
	v, ok := h.LookupCookie(name)
	if !ok {
		return 0, false
	}
	return SignatureKeyVersion(v)
}
