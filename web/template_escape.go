package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The escapes of Tornado's template namespace (tornado.escape), as
// template funcs. Each returns the html/template type that says what its
// output is, so that auto-escaping neither escapes it twice nor lets it
// out of its context: xhtml_escape and linkify return HTML, url_escape a
// URL, json_encode JavaScript.

// xhtmlReplacer escapes the five characters Tornado's xhtml_escape does,
// with its entities (html.EscapeString writes &#34; for the double quote).
var xhtmlReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// xhtmlEscape is Tornado's xhtml_escape.
func xhtmlEscape(s string) string { return xhtmlReplacer.Replace(s) }

// textOf is the text of a template func argument: a string or []byte as
// is, anything else as fmt.Sprint writes it.
func textOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case template.HTML:
		return string(v)
	}
	return fmt.Sprint(v)
}

// xhtmlEscapeFunc is the xhtml_escape template func.
func xhtmlEscapeFunc(v any) template.HTML { return template.HTML(xhtmlEscape(textOf(v))) }

// urlEscape is Tornado's url_escape: every byte but ASCII letters, digits
// and "_.-~" percent-encoded; a space is "+" when plus is true (for a
// query), else "%20" and "/" is kept (for a path), as Python's quote_plus
// and quote do.
func urlEscape(s string, plus bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + len(s)/2)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '-', c == '~':
			b.WriteByte(c)
		case c == ' ' && plus:
			b.WriteByte('+')
		case c == '/' && !plus:
			b.WriteByte('/')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// urlEscapeFunc is the url_escape template func: {{url_escape .q}}, or
// {{url_escape .path false}} for Tornado's plus=False. Its result is a
// template.URL, which auto-escaping keeps as it is in an href.
func urlEscapeFunc(v any, plus ...bool) template.URL {
	return template.URL(urlEscape(textOf(v), len(plus) == 0 || plus[0]))
}

// jsonEncode is Tornado's json_encode: v in JSON laid out as Python's
// json.dumps writes it (", " and ": " between items, every character
// outside printable ASCII as a \u escape), with "</" written "<\/" so that
// the value cannot end a <script> element. "<!" is written "\u003c!" as
// well, which Tornado does not do, so that "<!--" cannot start a comment
// in a script either. Numbers and the order of map keys are those of Go's
// encoding/json.
func jsonEncode(v any) (template.JS, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("web: json_encode: %w", err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	out := make([]byte, 0, len(b)+len(b)/8)
	inString := false
	for i := 0; i < len(b); {
		c := b[i]
		if !inString {
			out = append(out, c)
			switch c {
			case '"':
				inString = true
			case ',', ':':
				out = append(out, ' ')
			}
			i++
			continue
		}
		switch {
		case c == '\\': // an escape encoding/json wrote; each is valid in Python's output too
			n := 2
			if i+1 < len(b) && b[i+1] == 'u' {
				n = 6
			}
			out = append(out, b[i:min(i+n, len(b))]...)
			i += n
		case c == '"':
			inString = false
			out = append(out, c)
			i++
		case c == '<' && i+1 < len(b) && b[i+1] == '/':
			out = append(out, `<\/`...)
			i += 2
		case c == '<' && i+1 < len(b) && b[i+1] == '!':
			out = append(out, `\u003c`...)
			i++
		case c == 0x7f:
			out = append(out, `\u007f`...)
			i++
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:]) // valid: encoding/json replaced bad bytes
			out = appendJSONRune(out, r)
			i += size
		}
	}
	return template.JS(out), nil
}

// appendJSONRune appends r as Python's ensure_ascii does: \uXXXX in lower
// case hex, as a surrogate pair above U+FFFF.
func appendJSONRune(b []byte, r rune) []byte {
	if r > 0xffff {
		r -= 0x10000
		b = fmt.Appendf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		return b
	}
	return fmt.Appendf(b, `\u%04x`, r)
}

// squeeze is Tornado's squeeze: every run of characters from U+0000 to
// U+0020 becomes one space, and white space is trimmed from both ends.
func squeeze(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inRun := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' {
			if !inRun {
				b.WriteByte(' ')
			}
			inRun = true
			continue
		}
		inRun = false
		b.WriteByte(c)
	}
	return strings.TrimFunc(b.String(), isPySpace)
}

// isPySpace reports whether Python counts r as white space (str.isspace,
// and \s in a regular expression over text).
func isPySpace(r rune) bool {
	switch {
	case r >= '\t' && r <= '\r', r >= 0x1c && r <= ' ', r == 0x85, r == 0xa0:
		return true
	case r < 0x1680:
		return false
	}
	return r == 0x1680 || r >= 0x2000 && r <= 0x200a || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000
}

// isPyWord reports whether Python counts r as a word character (\w over
// text): a letter, a number or the underscore.
func isPyWord(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// The parts of Tornado's URL pattern for linkify, with Python's \s and \w
// over text spelled out (Go's are ASCII only). Tornado's pattern starts
// with \b, a Unicode word boundary, which linkify checks itself.
const (
	pySpaceClass = `\t\n\x0b\f\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`
	pyWordClass  = `\p{L}\p{N}_`
	urlBody      = `(?:(?:(?:[^` + pySpaceClass + `&()]|&amp;|&quot;)*(?:[^!"#$%&'()*+,.:;<=>?@\[\]^` + "`" + `{|}~` + pySpaceClass + `]))|(?:\((?:[^` + pySpaceClass + `&()]|&amp;|&quot;)*\)))+`
	schemeURL    = `^([` + pyWordClass + `-]+):(/{1,3})` + urlBody
	wwwURL       = `^www[.]` + urlBody
)

// The two alternatives of Tornado's pattern: at a given position at most
// one can match (a scheme is followed by ':', "www" by '.'), so each is
// tried only where it may.
var (
	schemeURLRE = regexp.MustCompile(schemeURL)
	wwwURLRE    = regexp.MustCompile(wwwURL)
)

// linkifyOptions are the keyword arguments of Tornado's linkify.
type linkifyOptions struct {
	shorten         bool
	extraParams     string              // added to each <a> tag
	extraParamsFunc func(string) string // or computed from the link's href
	requireProtocol bool
	protocols       []string // nil means http and https
}

// parseLinkifyOptions reads the linkify template func's options, pairs of
// a name (Tornado's keyword) and a value:
//
//	{{linkify .text "shorten" true "extra_params" `rel="nofollow"`}}
func parseLinkifyOptions(kv []any) (linkifyOptions, error) {
	var o linkifyOptions
	if len(kv)%2 != 0 {
		return o, fmt.Errorf("web: linkify: options come in name, value pairs; got %d values", len(kv))
	}
	for i := 0; i < len(kv); i += 2 {
		name, _ := kv[i].(string)
		ok := false
		switch v := kv[i+1]; name {
		case "shorten":
			o.shorten, ok = v.(bool)
		case "require_protocol":
			o.requireProtocol, ok = v.(bool)
		case "extra_params":
			switch v := v.(type) {
			case string:
				o.extraParams, ok = v, true
			case template.HTMLAttr:
				o.extraParams, ok = string(v), true
			case func(string) string:
				o.extraParamsFunc, ok = v, true
			}
		case "permitted_protocols":
			switch v := v.(type) {
			case []string:
				o.protocols, ok = v, true
			case string:
				o.protocols, ok = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }), true
			}
		default:
			return o, fmt.Errorf("web: linkify: unknown option %v (want shorten, extra_params, require_protocol or permitted_protocols)", kv[i])
		}
		if !ok {
			return o, fmt.Errorf("web: linkify: option %s of type %T", name, kv[i+1])
		}
	}
	return o, nil
}

// linkifyFunc is the linkify template func.
func linkifyFunc(text any, options ...any) (template.HTML, error) {
	o, err := parseLinkifyOptions(options)
	if err != nil {
		return "", err
	}
	return template.HTML(linkify(textOf(text), o)), nil
}

// linkify is Tornado's linkify: text, HTML-escaped, with each URL in it
// made a link. Bytes that are not UTF-8 become U+FFFD first.
func linkify(text string, o linkifyOptions) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	s := xhtmlEscape(text)
	var out strings.Builder
	copied := 0
	prevWord := false       // whether the rune before pos is a word character
	runEnd, failed := 0, -1 // the end of the [\w-] run pos is in; a run end whose scheme URL failed
	for pos := 0; pos < len(s); {
		r, size := utf8.DecodeRuneInString(s[pos:])
		word := isPyWord(r)
		if word != prevWord && (word || r == '-') { // Tornado's \b, then [\w-] or "www."
			var m []int
			if strings.HasPrefix(s[pos:], "www.") {
				m = wwwURLRE.FindStringSubmatchIndex(s[pos:])
			} else {
				if pos >= runEnd {
					runEnd = schemeRunEnd(s, pos)
				}
				if runEnd < len(s) && s[runEnd] == ':' && runEnd != failed {
					if m = schemeURLRE.FindStringSubmatchIndex(s[pos:]); m == nil {
						failed = runEnd // the same for every start in this run
					}
				}
			}
			if m != nil {
				end := pos + m[1]
				out.WriteString(s[copied:pos])
				var proto, slashes string
				if len(m) > 2 && m[2] >= 0 {
					proto, slashes = s[pos+m[2]:pos+m[3]], s[pos+m[4]:pos+m[5]]
				}
				out.WriteString(makeLink(s[pos:end], proto, slashes, o))
				copied, pos = end, end
				last, _ := utf8.DecodeLastRuneInString(s[:end])
				prevWord = isPyWord(last)
				continue
			}
		}
		prevWord = word
		pos += size
	}
	if copied == 0 {
		return s
	}
	out.WriteString(s[copied:])
	return out.String()
}

// schemeRunEnd returns the end of the run of word characters and '-'
// that starts at pos.
func schemeRunEnd(s string, pos int) int {
	for pos < len(s) {
		r, size := utf8.DecodeRuneInString(s[pos:])
		if !isPyWord(r) && r != '-' {
			break
		}
		pos += size
	}
	return pos
}

// makeLink returns the link for url, found by linkify, or url itself when
// its protocol is missing but required, or not permitted.
func makeLink(url, proto, slashes string, o linkifyOptions) string {
	if o.requireProtocol && proto == "" {
		return url
	}
	if proto != "" && !permittedProtocol(proto, o.protocols) {
		return url
	}
	href := url
	if proto == "" {
		href = "http://" + url
	}
	params := ""
	switch {
	case o.extraParamsFunc != nil:
		params = " " + strings.TrimFunc(o.extraParamsFunc(href), isPySpace)
	case o.extraParams != "":
		params = " " + strings.TrimFunc(o.extraParams, isPySpace)
	}
	if o.shorten {
		var titled bool
		url, titled = shortenURL(url, proto, slashes)
		if titled {
			params += ` title="` + href + `"`
		}
	}
	return `<a href="` + href + `"` + params + `>` + url + `</a>`
}

func permittedProtocol(proto string, protocols []string) bool {
	if protocols == nil {
		return proto == "http" || proto == "https"
	}
	for _, p := range protocols {
		if p == proto {
			return true
		}
	}
	return false
}

// shortenURL clips a displayed URL longer than 30 characters as Tornado's
// linkify(shorten=True) does, reporting whether it did. Lengths count
// characters, as in Python.
func shortenURL(url, proto, slashes string) (string, bool) {
	const maxLen = 30
	before := []rune(url)
	if len(before) <= maxLen {
		return url, false
	}
	u := before
	protoLen := 0
	if proto != "" {
		protoLen = utf8.RuneCountInString(proto) + 1 + utf8.RuneCountInString(slashes)
	}
	if parts := strings.Split(string(u[protoLen:]), "/"); len(parts) > 1 {
		first := []rune(parts[1])
		first = first[:min(len(first), 8)]
		seg, _, _ := strings.Cut(string(first), "?")
		seg, _, _ = strings.Cut(seg, ".")
		u = []rune(string(u[:protoLen]) + parts[0] + "/" + seg)
	}
	if len(u) > maxLen*3/2 {
		u = u[:maxLen]
	}
	if string(u) == url {
		return url, false
	}
	if amp := lastRune(u, '&'); amp > maxLen-5 {
		u = u[:amp]
	}
	u = append(u, '.', '.', '.')
	if len(u) >= len(before) {
		return url, false
	}
	return string(u), true
}

func lastRune(rs []rune, r rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] == r {
			return i
		}
	}
	return -1
}
