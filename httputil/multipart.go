package httputil

import (
	"bytes"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseMultipartFormData parses a multipart/form-data body with the default
// FormLimits; see FormLimits.ParseMultipartFormData.
func ParseMultipartFormData(boundary string, data []byte, args url.Values, files map[string][]*File) error {
	var l FormLimits
	return l.ParseMultipartFormData(boundary, data, args, files)
}

// ParseMultipartFormData parses a multipart/form-data body the way Tornado's
// parse_multipart_form_data does: the body up to the last "--boundary--" is
// split on "--boundary\r\n" (anything before the first delimiter is a preamble
// and is ignored), each part has a header block ending in a blank line and a
// body ending in CRLF, and its Content-Disposition must be form-data with a
// name. A part with a filename (or RFC 2231 filename*) is appended to files,
// its Body aliasing data; any other part's value is appended to args.
// boundary may be quoted. Errors match ErrBadForm; on error args and files
// may hold the parts parsed before it. The cost is linear in len(data).
func (l *FormLimits) ParseMultipartFormData(boundary string, data []byte, args url.Values, files map[string][]*File) error {
	return l.parseMultipartFormData(boundary, data, &form{args: args, files: files})
}

func (l *FormLimits) parseMultipartFormData(boundary string, data []byte, f *form) error {
	if len(boundary) >= 2 && boundary[0] == '"' && boundary[len(boundary)-1] == '"' {
		boundary = boundary[1 : len(boundary)-1]
	}
	if boundary == "" {
		return ErrNoBoundary
	}
	maxParts := limit(l.MaxParts, DefaultMaxParts)
	maxHeader := limit(l.MaxPartHeaderSize, DefaultMaxPartHeaderSize)

	closeDelim := []byte("--" + boundary + "--")
	end := bytes.LastIndex(data, closeDelim)
	if end < 0 {
		return wrapForm("no final boundary")
	}
	sep := []byte("--" + boundary + "\r\n")
	data = data[:end]

	i := bytes.Index(data, sep)
	if i < 0 {
		return nil // only a preamble: no parts
	}
	data = data[i+len(sep):]
	for n := 0; ; {
		part, rest, more := bytes.Cut(data, sep)
		if len(part) > 0 {
			if n++; maxParts > 0 && n > maxParts {
				return ErrTooManyParts
			}
			if err := parsePart(part, maxHeader, f); err != nil {
				return err
			}
		}
		if !more {
			return nil
		}
		data = rest
	}
}

// parsePart parses one part (the bytes between two delimiters).
func parsePart(part []byte, maxHeader int, f *form) error {
	search := part
	if maxHeader > 0 && len(search) > maxHeader+4 {
		search = search[:maxHeader+4]
	}
	eoh := bytes.Index(search, []byte("\r\n\r\n"))
	switch {
	case eoh < 0 && len(search) < len(part):
		return ErrPartHeaderTooLarge
	case eoh < 0:
		return wrapForm("multipart part missing headers")
	}
	disp, ctype, err := partHeaders(part[:eoh])
	if err != nil {
		return err
	}
	kind, params := parseHeaderParams(disp)
	if !equalFold(kind, "form-data") || !bytes.HasSuffix(part, []byte("\r\n")) {
		return wrapForm("invalid multipart part")
	}
	var value []byte
	if eoh+4 < len(part)-2 {
		value = part[eoh+4 : len(part)-2]
	}
	name := params["name"]
	if name == "" {
		return wrapForm("multipart part missing name")
	}
	if filename := params["filename"]; filename != "" {
		if ctype == "" {
			ctype = "application/unknown"
		}
		f.addFile(name, &File{Filename: filename, ContentType: ctype, Body: value})
	} else {
		f.addArg(name, string(value))
	}
	return nil
}

// partHeaders returns the Content-Disposition and Content-Type of a part's
// header block (the first of each, with obs-fold continuation lines joined).
func partHeaders(block []byte) (disp, ctype string, err error) {
	if !utf8.Valid(block) {
		return "", "", wrapForm("multipart part headers are not UTF-8")
	}
	var last *string // value of the previous field, for continuation lines
	var other string
	seenDisp, seenType := false, false
	for s := string(block); s != ""; {
		var line string
		line, s, _ = strings.Cut(s, "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if last == nil {
				return "", "", wrapForm("multipart part header starts with a continuation line")
			}
			*last = strings.TrimLeft(*last+" "+strings.Trim(line, " \t"), " ")
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" {
			return "", "", wrapForm("multipart part header line without a colon")
		}
		value = strings.Trim(value, " \t")
		switch {
		case !seenDisp && equalFold(name, "Content-Disposition"):
			seenDisp, disp, last = true, value, &disp
		case !seenType && equalFold(name, "Content-Type"):
			seenType, ctype, last = true, value, &ctype
		default:
			other, last = value, &other
		}
	}
	return disp, ctype, nil
}

// parseHeaderParams splits a header value such as
//
//	form-data; name="a"; filename*=UTF-8''%C3%A9.txt
//
// into its first element and its parameters, like Tornado's _parse_header:
// parameter names are lower-cased, quoted values unquoted, and RFC 2231
// extended values and continuations (name*=, name*0=, name*1*=) decoded and
// preferred over plain ones. Its cost is linear in len(line).
func parseHeaderParams(line string) (string, map[string]string) {
	segs := splitParams(line)
	params := make(map[string]string)
	type cont struct {
		num     int
		value   string
		encoded bool
	}
	var ext map[string][]cont
	var extOrder []string
	for _, p := range segs[1:] {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = unquoteParam(strings.TrimSpace(v))
		base, num, encoded, isExt := rfc2231Name(k)
		if !isExt {
			params[k] = stripQuotes(v)
			continue
		}
		if ext == nil {
			ext = make(map[string][]cont)
		}
		if _, seen := ext[base]; !seen {
			extOrder = append(extOrder, base)
		}
		ext[base] = append(ext[base], cont{num, v, encoded})
	}
	for _, name := range extOrder {
		cs := ext[name]
		slices.SortStableFunc(cs, func(a, b cont) int { return a.num - b.num })
		var b []byte
		extended := false
		for _, c := range cs {
			if c.encoded {
				extended = true
				b = append(b, unescape(c.value, false)...)
			} else {
				b = append(b, c.value...)
			}
		}
		v := string(b)
		if extended {
			v = decodeRFC2231(v)
		}
		params[name] = stripQuotes(v)
	}
	return segs[0], params
}

// splitParams splits s on the semicolons outside double quotes and trims
// each piece; a backslash inside quotes escapes the next byte.
func splitParams(s string) []string {
	var out []string
	inQuote, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if inQuote {
				i++
			}
		case '"':
			inQuote = !inQuote
		case ';':
			if !inQuote {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// rfc2231Name matches an RFC 2231 parameter name, `\w+\*([0-9]+\*?)?`, and
// returns its base name, section number (-1 if none) and whether its value is
// percent-encoded.
func rfc2231Name(k string) (base string, num int, encoded, ok bool) {
	star := strings.IndexByte(k, '*')
	if star <= 0 {
		return "", 0, false, false
	}
	base, rest := k[:star], k[star+1:]
	for i := 0; i < len(base); i++ {
		if c := base[i]; !(c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z') {
			return "", 0, false, false
		}
	}
	if rest == "" {
		return base, -1, true, true
	}
	encoded = strings.HasSuffix(rest, "*")
	rest = strings.TrimSuffix(rest, "*")
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || rest[0] == '+' || len(rest) > 4 {
		return "", 0, false, false
	}
	return base, n, encoded, true
}

// decodeRFC2231 decodes charset'language'bytes (the bytes already
// percent-decoded) into UTF-8: ISO-8859-1 is converted, UTF-8, US-ASCII and
// unknown charsets are kept with invalid sequences replaced by U+FFFD.
// Without two quote marks the value is returned as it is.
func decodeRFC2231(v string) string {
	charset, rest, ok := strings.Cut(v, "'")
	if !ok {
		return v
	}
	_, value, ok := strings.Cut(rest, "'")
	if !ok {
		return v
	}
	if equalFold(charset, "iso-8859-1") || equalFold(charset, "latin1") || equalFold(charset, "latin-1") {
		var b strings.Builder
		for i := 0; i < len(value); i++ {
			b.WriteRune(rune(value[i]))
		}
		return b.String()
	}
	return strings.ToValidUTF8(value, "\uFFFD")
}

// unquoteParam removes the double quotes around v and its backslash escapes
// (Python's email.utils.unquote); other values are returned as they are.
func unquoteParam(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	v = v[1 : len(v)-1]
	if strings.IndexByte(v, '\\') < 0 {
		return v
	}
	v = strings.ReplaceAll(v, `\\`, `\`)
	return strings.ReplaceAll(v, `\"`, `"`)
}

// stripQuotes removes one pair of surrounding double quotes, as Tornado's
// _parse_header does after decoding.
func stripQuotes(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}
