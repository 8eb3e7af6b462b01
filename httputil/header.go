package httputil

import (
	"fmt"
	"iter"
	"slices"
)

// field is one header line: a canonical name and its value.
type field struct {
	name, value string
	checked     bool // found safe to send when added (AddChecked, SetChecked)
}

// Header is a multi-valued, case-insensitive HTTP header with canonical names,
// kept in arrival order. The zero value is empty and ready to use. Reset keeps
// its storage, so a connection can reuse one Header for every request without
// allocating. A Header is not safe for concurrent use.
type Header struct {
	fields []field
}

// Add appends a field; name is canonicalized with CanonicalKey.
func (h *Header) Add(name, value string) {
	h.fields = append(h.fields, field{name: CanonicalKey(name), value: value})
}

// AddChecked is Add for a field to send: it refuses, with an error wrapping
// ErrUnsafeHeader and adding nothing, a name that is not a token or a value
// with CR, LF or another control character but tab, and records that the
// field was checked, so that a Connection does not check it again (see
// Checked).
func (h *Header) AddChecked(name, value string) error {
	if err := checkField(name, value); err != nil {
		return err
	}
	h.fields = append(h.fields, field{name: CanonicalKey(name), value: value, checked: true})
	return nil
}

// SetChecked is Set with AddChecked's check.
func (h *Header) SetChecked(name, value string) error {
	if err := checkField(name, value); err != nil {
		return err
	}
	h.set(name, value, true)
	return nil
}

func checkField(name, value string) error {
	if !ValidHeaderName(name) || !ValidHeaderValue(value) {
		return fmt.Errorf("%w: %q: %q", ErrUnsafeHeader, name, value)
	}
	return nil
}

// Checked reports whether field i (see At) was added with AddChecked or
// SetChecked, or copied from one that was, and not changed since: its
// name and value are known to be safe to send.
func (h *Header) Checked(i int) bool { return h.fields[i].checked }

// SetFrom sets each field of src as Set would, keeping what Checked
// reports of it.
func (h *Header) SetFrom(src *Header) {
	for _, f := range src.fields {
		h.set(f.name, f.value, f.checked)
	}
}

// AddFrom appends the fields of src, keeping what Checked reports of each.
func (h *Header) AddFrom(src *Header) { h.fields = append(h.fields, src.fields...) }

// CopyFrom makes h a copy of src, keeping its storage, and what Checked
// reports of each field.
func (h *Header) CopyFrom(src *Header) {
	clear(h.fields)
	h.fields = append(h.fields[:0], src.fields...)
}

// Set replaces all values of name with value, keeping the position of the
// first existing field (or appending if there is none).
func (h *Header) Set(name, value string) { h.set(name, value, false) }

// set is Set, recording whether the field was checked.
func (h *Header) set(name, value string, checked bool) {
	for i := range h.fields {
		if equalFold(h.fields[i].name, name) {
			h.fields[i].value, h.fields[i].checked = value, checked
			h.del(name, i+1)
			return
		}
	}
	h.fields = append(h.fields, field{name: CanonicalKey(name), value: value, checked: checked})
}

// Get returns the first value of name, or "" if there is none. The lookup is
// case-insensitive and does not allocate.
func (h *Header) Get(name string) string {
	for i := range h.fields {
		if equalFold(h.fields[i].name, name) {
			return h.fields[i].value
		}
	}
	return ""
}

// Values returns all values of name in arrival order, or nil if there are none.
func (h *Header) Values(name string) []string {
	var vs []string
	for i := range h.fields {
		if equalFold(h.fields[i].name, name) {
			vs = append(vs, h.fields[i].value)
		}
	}
	return vs
}

// Has reports whether name has at least one field.
func (h *Header) Has(name string) bool {
	for i := range h.fields {
		if equalFold(h.fields[i].name, name) {
			return true
		}
	}
	return false
}

// Del removes every field named name.
func (h *Header) Del(name string) {
	h.del(name, 0)
}

// del removes the fields named name at index from or later, in place.
func (h *Header) del(name string, from int) {
	j := from
	for i := from; i < len(h.fields); i++ {
		if equalFold(h.fields[i].name, name) {
			continue
		}
		h.fields[j] = h.fields[i]
		j++
	}
	clear(h.fields[j:])
	h.fields = h.fields[:j]
}

// Len returns the number of fields.
func (h *Header) Len() int { return len(h.fields) }

// At returns the name and value of field i, 0 <= i < Len(), in arrival
// order. A loop over At costs less than ranging over All on a hot path.
func (h *Header) At(i int) (name, value string) {
	f := &h.fields[i]
	return f.name, f.value
}

// All yields every field in arrival order, one (name, value) pair per field.
func (h *Header) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for i := range h.fields {
			if !yield(h.fields[i].name, h.fields[i].value) {
				return
			}
		}
	}
}

// Grow makes room for n more fields without another allocation, as
// slices.Grow does.
func (h *Header) Grow(n int) { h.fields = slices.Grow(h.fields, n) }

// Cap returns the number of fields h holds without another allocation.
func (h *Header) Cap() int { return cap(h.fields) }

// Reset removes every field and keeps the storage for reuse.
func (h *Header) Reset() {
	clear(h.fields) // drop string references so they can be collected
	h.fields = h.fields[:0]
}

// Clone returns a deep copy of h (strings are immutable, so they are shared).
func (h *Header) Clone() *Header {
	if h == nil {
		return nil
	}
	c := &Header{}
	if len(h.fields) > 0 {
		c.fields = append(make([]field, 0, len(h.fields)), h.fields...)
	}
	return c
}

// AppendTo appends "Name: value\r\n" for each field, in order, and returns the
// extended buffer. Names and values are written as stored; validation is the
// caller's job (see ValidHeaderName and ValidHeaderValue).
func (h *Header) AppendTo(dst []byte) []byte {
	for i := range h.fields {
		dst = append(dst, h.fields[i].name...)
		dst = append(dst, ": "...)
		dst = append(dst, h.fields[i].value...)
		dst = append(dst, "\r\n"...)
	}
	return dst
}

// equalFold reports whether a and b are equal under ASCII case folding.
// Unlike strings.EqualFold it ignores Unicode folding, which header names never need.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}

// CanonicalKey returns the canonical form of a header name: the first letter
// and each letter after a hyphen upper case, the rest lower case
// ("content-type" → "Content-Type"). It returns s itself, without allocating,
// when s is already canonical. A name containing a byte that is not a token
// character (such as a space) is returned unchanged, as net/http does.
func CanonicalKey(s string) string {
	switch s { // the names responses set most: compared whole, not byte by byte
	case "Content-Type", "Content-Length", "Server", "Etag", "Date", "Location",
		"Set-Cookie", "Connection", "Cache-Control", "Last-Modified", "Host":
		return s
	}
	upper := true
	canonical := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isTokenChar(c) {
			return s
		}
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			canonical = false
		}
		upper = c == '-'
	}
	if canonical {
		return s
	}
	if k, ok := commonKeys[s]; ok { // the map lookup with a string([]byte) key does not allocate
		return k
	}
	b := []byte(s)
	upper = true
	for i, c := range b {
		if upper && 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		} else if !upper && 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
		upper = c == '-'
	}
	if k, ok := commonKeys[string(b)]; ok {
		return k
	}
	return string(b)
}

// commonKeys maps lower-case and canonical forms of frequent header names to
// the canonical string, so canonicalizing them needs no allocation.
var commonKeys = func() map[string]string {
	names := []string{
		"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges",
		"Authorization", "Cache-Control", "Connection", "Content-Disposition",
		"Content-Encoding", "Content-Language", "Content-Length", "Content-Range",
		"Content-Type", "Cookie", "Date", "Etag", "Expect", "Expires", "Host",
		"If-Match", "If-Modified-Since", "If-None-Match", "If-Range",
		"If-Unmodified-Since", "Last-Modified", "Location", "Origin", "Pragma",
		"Range", "Referer", "Sec-Websocket-Accept", "Sec-Websocket-Extensions",
		"Sec-Websocket-Key", "Sec-Websocket-Protocol", "Sec-Websocket-Version",
		"Server", "Set-Cookie", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
		"User-Agent", "Vary", "Via", "Www-Authenticate", "X-Forwarded-For",
		"X-Forwarded-Proto", "X-Real-Ip", "X-Requested-With", "X-Scheme", "X-Xsrftoken",
		"X-Csrftoken",
	}
	m := make(map[string]string, 2*len(names))
	for _, n := range names {
		m[n] = n
		m[toLowerASCII(n)] = n
	}
	return m
}()

func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// tokenTable marks the RFC 9110 tchar bytes:
// "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.
var tokenTable = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

func isTokenChar(c byte) bool { return tokenTable[c] }

// ValidHeaderName reports whether name is a non-empty RFC 9110 token.
func ValidHeaderName(name string) bool {
	switch name { // the names responses set most: compared whole, not byte by byte
	case "Content-Type", "Content-Length", "Server", "Etag", "Date", "Location",
		"Set-Cookie", "Cache-Control", "Last-Modified", "Vary":
		return true
	case "":
		return false
	}
	for i := 0; i < len(name); i++ {
		if !tokenTable[name[i]] {
			return false
		}
	}
	return true
}

// ValidHeaderValue reports whether v may be sent as a header field value: it
// contains no CR, LF, NUL or other control character except horizontal tab.
// Bytes 0x80 and above (obs-text) are allowed.
func ValidHeaderValue(v string) bool {
	// Eight bytes at a time: a word is looked at byte by byte only when it
	// holds a byte below 0x20 (a tab, or a control character) or a 0x7f.
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(v); i += 8 {
		x := uint64(v[i]) | uint64(v[i+1])<<8 | uint64(v[i+2])<<16 | uint64(v[i+3])<<24 |
			uint64(v[i+4])<<32 | uint64(v[i+5])<<40 | uint64(v[i+6])<<48 | uint64(v[i+7])<<56
		del := x ^ (ones * 0x7f) // a zero byte where x has 0x7f
		if ((x-ones*' ')&^x|(del-ones)&^del)&highs != 0 && !validValueBytes(v[i:i+8]) {
			return false
		}
	}
	return validValueBytes(v[i:])
}

func validValueBytes(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
