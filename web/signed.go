package web

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The errors of signed values. A value that does not verify wraps
// ErrInvalidSignedValue, or ErrExpiredSignedValue when only its age is
// wrong; Tornado answers None for both.
var (
	// ErrNoSecret is returned when no secret is configured: set
	// Settings.CookieSecret (or CookieSecrets), or pass one.
	ErrNoSecret = errors.New("web: no cookie secret: set Settings.CookieSecret or CookieSecrets to use signed cookies")

	// ErrInvalidSignedValue is wrapped by the error for a signed value
	// that is malformed, has a wrong signature or name, was signed with an
	// unknown key version, or has a format below MinVersion.
	ErrInvalidSignedValue = errors.New("web: invalid signed value")

	// ErrExpiredSignedValue is wrapped by the error for a correctly
	// signed value older than MaxAgeDays, or (format 1) dated more than
	// 31 days ahead.
	ErrExpiredSignedValue = errors.New("web: expired signed value")

	// ErrNoCookie is returned by GetSignedCookie for a cookie the request
	// did not send.
	ErrNoCookie = errors.New("web: no such cookie")
)

// SignedValueOptions are the optional arguments of CreateSignedValue and
// DecodeSignedValue (the keyword arguments of Tornado's
// create_signed_value and decode_signed_value). The zero value signs in
// format 2 with the secret given, and accepts values up to 31 days old in
// formats 1 and 2.
type SignedValueOptions struct {
	// Secrets, when not empty, replaces the secret argument with a secret
	// per key version, for key rotation (Tornado's secret as a dict): new
	// values are signed with Secrets[KeyVersion] and say so, and a value
	// verifies with the secret of the key version it names. Format 1
	// cannot name a key version, so it is refused.
	Secrets map[int]string

	// Version is the format of a new value: 1 (Tornado's first, HMAC-SHA1)
	// or 2 (HMAC-SHA256 with length-prefixed fields); 0 means 2.
	Version int

	// KeyVersion is the key version written into a new format 2 value.
	KeyVersion int

	// MaxAgeDays is how old, in days, a value may be when decoded
	// (Tornado's max_age_days); 0 means 31.
	MaxAgeDays float64

	// MinVersion is the lowest format DecodeSignedValue accepts, 1 or 2
	// (Tornado's min_version); 0 means 1.
	MinVersion int

	// Clock replaces time.Now, for tests (Tornado's clock).
	Clock func() time.Time
}

const (
	defaultMaxAgeDays = 31
	secondsPerDay     = 86400
)

func signedOptions(opts []SignedValueOptions) *SignedValueOptions {
	if len(opts) > 0 {
		return &opts[0]
	}
	return &SignedValueOptions{}
}

// now returns the clock's time in seconds, with its fraction, as
// Tornado's clock gives it.
func (o *SignedValueOptions) now() float64 {
	t := time.Now()
	if o.Clock != nil {
		t = o.Clock()
	}
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

// CreateSignedValue signs and timestamps value under name so that it
// cannot be forged (Tornado's create_signed_value), returning the bytes
// Tornado makes for the same secret, name, value and time. Format 2, the
// default, is
//
//	2|1:<key version>|10:<timestamp>|<len>:<name>|<len>:<base64 value>|<HMAC-SHA256 hex>
//
// and format 1 is <base64 value>|<timestamp>|<HMAC-SHA1 hex>. The value
// may hold any bytes. A format 2 name must be ASCII: Tornado prefixes it
// with its length in characters, which for other names makes a value that
// never verifies, so such a name is refused. It fails with ErrNoSecret
// without a secret. Safe for concurrent use.
func CreateSignedValue(secret, name, value string, opts ...SignedValueOptions) (string, error) {
	o := signedOptions(opts)
	keyVersion := o.KeyVersion
	if len(o.Secrets) > 0 {
		s, ok := o.Secrets[keyVersion]
		if !ok {
			return "", fmt.Errorf("%w: none for key version %d", ErrNoSecret, keyVersion)
		}
		secret = s
	}
	if secret == "" {
		return "", ErrNoSecret
	}
	timestamp := strconv.FormatInt(int64(o.now()), 10) // truncated, as Python's int()
	b64 := base64.StdEncoding.EncodeToString([]byte(value))
	switch o.Version {
	case 1:
		if len(o.Secrets) > 0 {
			return "", fmt.Errorf("%w: format 1 has no key version; use format 2 with Secrets", ErrInvalidSignedValue)
		}
		sig := signatureV1(secret, name, b64, timestamp)
		return b64 + "|" + timestamp + "|" + sig, nil
	case 0, 2:
		for i := 0; i < len(name); i++ {
			if name[i] >= 0x80 {
				return "", fmt.Errorf("%w: format 2 needs an ASCII name, not %q", ErrInvalidSignedValue, name)
			}
		}
		kv := strconv.Itoa(keyVersion)
		b := make([]byte, 0, 2+3*4+len(kv)+len(timestamp)+len(name)+len(b64)+5+sha256.Size*2)
		b = append(b, "2|"...)
		b = appendSignedField(b, kv)
		b = appendSignedField(b, timestamp)
		b = appendSignedField(b, name)
		b = appendSignedField(b, b64)
		return string(appendSignatureV2(b, secret, b)), nil
	}
	return "", fmt.Errorf("%w: unsupported format %d", ErrInvalidSignedValue, o.Version)
}

// appendSignedField appends "<len>:<s>|".
func appendSignedField(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	b = append(b, s...)
	return append(b, '|')
}

// DecodeSignedValue returns the value that CreateSignedValue (or Tornado)
// signed under name, if signed with secret and not older than MaxAgeDays
// (Tornado's decode_signed_value). Both formats are read; a format 2 value
// is verified with Secrets[its key version] when Secrets is set. A value
// that does not verify returns nil and an error wrapping
// ErrInvalidSignedValue or ErrExpiredSignedValue; the comparison of
// signatures takes constant time. It fails with ErrNoSecret without a
// secret. Safe for concurrent use.
func DecodeSignedValue(secret, name, value string, opts ...SignedValueOptions) ([]byte, error) {
	o := signedOptions(opts)
	if len(o.Secrets) == 0 && secret == "" {
		return nil, ErrNoSecret
	}
	minVersion := o.MinVersion
	if minVersion == 0 {
		minVersion = 1
	}
	if minVersion > 2 {
		return nil, fmt.Errorf("%w: unsupported MinVersion %d", ErrInvalidSignedValue, minVersion)
	}
	if value == "" {
		return nil, fmt.Errorf("%w: empty", ErrInvalidSignedValue)
	}
	version := signedVersion(value)
	if version < minVersion {
		return nil, fmt.Errorf("%w: format %d below MinVersion %d", ErrInvalidSignedValue, version, minVersion)
	}
	switch version {
	case 1:
		if len(o.Secrets) > 0 {
			return nil, fmt.Errorf("%w: format 1 has no key version", ErrInvalidSignedValue)
		}
		return decodeSignedV1(secret, name, value, o)
	case 2:
		return decodeSignedV2(secret, name, value, o)
	}
	return nil, fmt.Errorf("%w: unsupported format %d", ErrInvalidSignedValue, version)
}

// signedVersion returns the format of value as Tornado's _get_version
// finds it: a version prefix up to 999, else 1 (format 1 starts with
// base64, which may look like a larger number).
func signedVersion(value string) int {
	digits, _, ok := signedVersionPrefix(value)
	if !ok || len(digits) > 3 {
		return 1
	}
	v, _ := strconv.Atoi(digits)
	return v
}

// signedVersionPrefix matches Tornado's pattern ^([1-9][0-9]*)\|(.*)$
// (without DOTALL): decimal digits without a leading zero, a '|', and a
// rest without a newline but perhaps a final one.
func signedVersionPrefix(s string) (digits, rest string, ok bool) {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	if i == 0 || s[0] == '0' || i == len(s) || s[i] != '|' {
		return "", "", false
	}
	rest = s[i+1:]
	if nl := strings.IndexByte(rest, '\n'); nl >= 0 && nl != len(rest)-1 {
		return "", "", false
	}
	return s[:i], rest, true
}

func decodeSignedV1(secret, name, value string, o *SignedValueOptions) ([]byte, error) {
	if n := strings.Count(value, "|"); n != 2 {
		return nil, fmt.Errorf("%w: format 1 needs 3 fields, not %d", ErrInvalidSignedValue, n+1)
	}
	var parts [3]string
	parts[0], parts[2], _ = strings.Cut(value, "|")
	parts[1], parts[2], _ = strings.Cut(parts[2], "|")
	var got, want [sha1.Size * 2]byte
	if len(parts[2]) != len(got) || !hmac.Equal(got[:copy(got[:], parts[2])], appendHMAC(want[:0], true, secret, name, parts[0], parts[1])) {
		return nil, fmt.Errorf("%w: bad signature", ErrInvalidSignedValue)
	}
	ts, ok := pyInt(parts[1], false)
	if !ok {
		return nil, fmt.Errorf("%w: bad timestamp", ErrInvalidSignedValue)
	}
	now := o.now()
	if float64(ts) < now-o.maxAge()*secondsPerDay {
		return nil, fmt.Errorf("%w: too old", ErrExpiredSignedValue)
	}
	// Format 1 signs no delimiter between its fields, so trailing digits of
	// the value could pass as the timestamp: Tornado refuses a timestamp
	// far ahead, or with a leading zero.
	if float64(ts) > now+31*secondsPerDay {
		return nil, fmt.Errorf("%w: timestamp in the future, possible tampering", ErrExpiredSignedValue)
	}
	if strings.HasPrefix(parts[1], "0") {
		return nil, fmt.Errorf("%w: tampered timestamp", ErrInvalidSignedValue)
	}
	return decodeSignedBase64(parts[0])
}

func decodeSignedV2(secret, name, value string, o *SignedValueOptions) ([]byte, error) {
	f, ok := splitSignedV2(value)
	if !ok {
		return nil, fmt.Errorf("%w: malformed format 2 fields", ErrInvalidSignedValue)
	}
	if len(o.Secrets) > 0 {
		s, ok := o.Secrets[f.keyVersion]
		if !ok {
			return nil, fmt.Errorf("%w: unknown key version %d", ErrInvalidSignedValue, f.keyVersion)
		}
		secret = s
	}
	// Both signatures on the stack: hmac.Equal compares them in constant
	// time without converting the string.
	var got, want [sha256.Size * 2]byte
	signed := value[:len(value)-len(f.sig)]
	if len(f.sig) != len(got) || !hmac.Equal(got[:copy(got[:], f.sig)], appendSignatureV2(want[:0], secret, signed)) {
		return nil, fmt.Errorf("%w: bad signature", ErrInvalidSignedValue)
	}
	if f.name != name {
		return nil, fmt.Errorf("%w: signed for another name", ErrInvalidSignedValue)
	}
	ts, ok := pyInt(f.timestamp, false)
	if !ok {
		return nil, fmt.Errorf("%w: bad timestamp", ErrInvalidSignedValue)
	}
	if float64(ts) < o.now()-o.maxAge()*secondsPerDay {
		return nil, fmt.Errorf("%w: too old", ErrExpiredSignedValue)
	}
	return decodeSignedBase64(f.value)
}

func (o *SignedValueOptions) maxAge() float64 {
	if o.MaxAgeDays == 0 {
		return defaultMaxAgeDays
	}
	return o.MaxAgeDays
}

// decodeSignedBase64 decodes s as Python's base64.b64decode does without
// validate=True (CPython's a2b_base64), so that a value Tornado reads is
// read alike: characters outside the alphabet are skipped, and the input
// ends at the '=' that completes a group; a group left incomplete is
// refused.
func decodeSignedBase64(s string) ([]byte, error) {
	out := make([]byte, 0, len(s)/4*3+3)
	var quad, pads int
	var left byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			if quad >= 2 {
				if pads++; quad+pads >= 4 {
					return out, nil
				}
			}
			continue
		}
		v := base64Value(c)
		if v < 0 {
			continue
		}
		pads = 0
		switch quad {
		case 0:
			left = byte(v)
		case 1:
			out = append(out, left<<2|byte(v)>>4)
			left = byte(v) & 0x0f
		case 2:
			out = append(out, left<<4|byte(v)>>2)
			left = byte(v) & 0x03
		case 3:
			out = append(out, left<<6|byte(v))
		}
		quad = (quad + 1) % 4
	}
	if quad != 0 {
		return nil, fmt.Errorf("%w: bad base64", ErrInvalidSignedValue)
	}
	return out, nil
}

// base64Value returns the value of c in the standard base64 alphabet, or -1.
func base64Value(c byte) int {
	switch {
	case 'A' <= c && c <= 'Z':
		return int(c - 'A')
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 26
	case '0' <= c && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}

// signedFieldsV2 are the fields of a format 2 value.
type signedFieldsV2 struct {
	keyVersion             int
	timestamp, name, value string
	sig                    string // after the last field's '|'
}

// splitSignedV2 splits a format 2 value (Tornado's _decode_fields_v2):
// after "2|", four "<len>:<bytes>|" fields and the signature.
func splitSignedV2(value string) (f signedFieldsV2, ok bool) {
	rest := value[2:] // "2|", checked by signedVersion
	var kv string
	if kv, rest, ok = consumeSignedField(rest); !ok {
		return f, false
	}
	if f.timestamp, rest, ok = consumeSignedField(rest); !ok {
		return f, false
	}
	if f.name, rest, ok = consumeSignedField(rest); !ok {
		return f, false
	}
	if f.value, f.sig, ok = consumeSignedField(rest); !ok || f.sig == "" {
		return f, false
	}
	v, ok := pyInt(kv, false)
	if !ok || int64(int(v)) != v {
		return f, false
	}
	f.keyVersion = int(v)
	return f, true
}

// consumeSignedField reads "<len>:<len bytes>|" from the start of s.
func consumeSignedField(s string) (field, rest string, ok bool) {
	length, rest, _ := strings.Cut(s, ":")
	n, ok := pyInt(length, false)
	if !ok || n < 0 || n >= int64(len(rest)) || rest[n] != '|' {
		return "", "", false
	}
	return rest[:n], rest[n+1:], true
}

// signatureV1 is format 1's HMAC-SHA1 of the parts, in hex.
func signatureV1(secret string, parts ...string) string {
	var buf [sha1.Size * 2]byte
	return string(appendHMAC(buf[:0], true, secret, parts...))
}

// appendSignatureV2 appends format 2's HMAC-SHA256 of s, in hex, to dst.
func appendSignatureV2[S string | []byte](dst []byte, secret string, s S) []byte {
	return appendHMAC(dst, false, secret, string(s))
}

// hmacBlock is the block size of SHA-1 and SHA-256.
const hmacBlock = 64

// appendHMAC appends to dst, in hex, the HMAC (RFC 2104) keyed by key of
// the concatenated parts, with SHA-1 or else SHA-256. Unlike crypto/hmac
// it allocates nothing for a message of a cookie's usual size: the
// message is hashed from a buffer on the stack.
func appendHMAC(dst []byte, useSHA1 bool, key string, parts ...string) []byte {
	var k [hmacBlock]byte
	if len(key) > hmacBlock {
		var kb [hmacBlock]byte
		sum := hmacHash(useSHA1, append(kb[:0], key...))
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	n := hmacBlock
	for _, p := range parts {
		n += len(p)
	}
	var stack [512]byte
	buf := stack[:0]
	if n > len(stack) {
		buf = make([]byte, 0, n)
	}
	for _, c := range k {
		buf = append(buf, c^0x36)
	}
	for _, p := range parts {
		buf = append(buf, p...)
	}
	inner := hmacHash(useSHA1, buf)
	size := sha256.Size
	if useSHA1 {
		size = sha1.Size
	}
	buf = buf[:0]
	for _, c := range k {
		buf = append(buf, c^0x5c)
	}
	buf = append(buf, inner[:size]...)
	outer := hmacHash(useSHA1, buf)
	return hex.AppendEncode(dst, outer[:size])
}

// hmacHash returns the SHA-1 (in the first 20 bytes) or SHA-256 of b.
func hmacHash(useSHA1 bool, b []byte) (sum [sha256.Size]byte) {
	if useSHA1 {
		s := sha1.Sum(b)
		copy(sum[:], s[:])
		return sum
	}
	return sha256.Sum256(b)
}

// SignatureKeyVersion returns the key version a format 2 signed value
// names, and false for a format 1 or malformed value (Tornado's
// get_signature_key_version). It does not verify the value. Safe for
// concurrent use.
func SignatureKeyVersion(value string) (int, bool) {
	if value == "" || signedVersion(value) != 2 {
		return 0, false
	}
	f, ok := splitSignedV2(value)
	if !ok {
		return 0, false
	}
	return f.keyVersion, true
}

// pyInt parses s as Python's int() parses decimal bytes (or, with text,
// a str): surrounding white space (ASCII, or with text Unicode's too), an
// optional sign, and ASCII digits with single underscores between them. It
// fails on overflow.
func pyInt(s string, text bool) (int64, bool) {
	if text {
		s = strings.TrimFunc(s, pySpace)
	} else {
		s = strings.Trim(s, " \t\n\v\f\r")
	}
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' && i > 0 && i+1 < len(s) && s[i-1] != '_' && s[i+1] != '_' {
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (1<<63)/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
		if n > 1<<63 || !neg && n > 1<<63-1 {
			return 0, false
		}
	}
	if neg {
		return -int64(n), true
	}
	return int64(n), true
}

// pySpace reports the characters Python's str.isspace accepts.
func pySpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0,
		0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return 0x2000 <= r && r <= 0x200a
}
