package web

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gotornado/tornado/httputil"
)

// ErrUnknownName is returned by ReverseURL for a name that no rule has.
var ErrUnknownName = errors.New("web: no rule has that name")

// ErrNotReversible is returned by ReverseURL for a pattern that is not a
// plain sequence of literal text and capturing groups (Tornado's
// _find_groups): alternation, repetition or a character class outside a
// group, or a group inside a group.
var ErrNotReversible = errors.New("web: pattern cannot be reversed")

// urlSpec is a compiled Rule.
type urlSpec struct {
	rule    Rule
	literal string         // the whole path, when the pattern is plain text
	re      *regexp.Regexp // nil for a literal pattern
	named   []string       // group names when the groups are named, else nil
	groups  int            // number of capturing groups
	pieces  []string       // literal text around the groups, for reversing
	revErr  error          // why the pattern cannot be reversed, or nil
}

// compileRule compiles r, panicking on a bad pattern (a programmer error at
// setup time).
func compileRule(r Rule) *urlSpec {
	if r.New == nil {
		panic(fmt.Sprintf("web: rule %q has no New function", r.Pattern))
	}
	pattern := r.Pattern
	if !strings.HasSuffix(pattern, "$") {
		pattern += "$"
	}
	// Python's re.match anchors only the start; the group keeps an
	// alternation inside the anchor.
	re, err := regexp.Compile(`^(?:` + pattern + `)`)
	if err != nil {
		panic(fmt.Sprintf("web: bad pattern %q: %v", r.Pattern, err))
	}
	s := &urlSpec{rule: r, groups: re.NumSubexp()}
	names := re.SubexpNames()[1:]
	nNamed := 0
	for _, n := range names {
		if n != "" {
			nNamed++
		}
	}
	switch nNamed {
	case 0:
	case len(names):
		s.named = names
	default:
		panic(fmt.Sprintf("web: pattern %q mixes named and positional groups", r.Pattern))
	}
	pieces, fold, err := analyze(pattern)
	if err != nil {
		s.revErr = fmt.Errorf("%w: %q (%v)", ErrNotReversible, r.Pattern, err)
	} else {
		s.pieces = pieces
	}
	if err == nil && s.groups == 0 && !fold {
		s.literal = pieces[0] // matched with a string compare: no regexp, no allocation
	} else {
		s.re = re
	}
	return s
}

// analyze splits pattern into the literal text around its capturing groups.
// It fails unless the pattern is literal text and groups without groups
// inside, optionally between ^ and $. fold reports case-insensitive text.
func analyze(pattern string) (pieces []string, fold bool, err error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, false, err
	}
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	var cur strings.Builder
	for i, sub := range subs {
		switch sub.Op {
		case syntax.OpBeginText:
			if i != 0 {
				return nil, false, errors.New("^ inside the pattern")
			}
		case syntax.OpEndText:
			if i != len(subs)-1 {
				return nil, false, errors.New("$ inside the pattern")
			}
		case syntax.OpEmptyMatch:
		case syntax.OpLiteral:
			fold = fold || sub.Flags&syntax.FoldCase != 0
			cur.WriteString(string(sub.Rune))
		case syntax.OpCapture:
			if hasCapture(sub.Sub[0]) {
				return nil, false, errors.New("a group inside a group")
			}
			pieces = append(pieces, cur.String())
			cur.Reset()
		default:
			return nil, false, fmt.Errorf("%s outside a group", sub)
		}
	}
	return append(pieces, cur.String()), fold, nil
}

func hasCapture(re *syntax.Regexp) bool {
	if re.Op == syntax.OpCapture {
		return true
	}
	for _, s := range re.Sub {
		if hasCapture(s) {
			return true
		}
	}
	return false
}

// routeMatch is the outcome of routing one request.
type routeMatch struct {
	spec    *urlSpec
	args    []string          // positional groups, unquoted
	kwargs  map[string]string // named groups, unquoted; unmatched ones absent
	matched uint64            // bit g-1 is set when group g took part (groups past 64 count as matched)
}

// groupList returns the groups in pattern order.
func (m *routeMatch) groupList() []PathGroup {
	s := m.spec
	if s == nil || s.groups == 0 {
		return nil
	}
	out := make([]PathGroup, s.groups)
	for g := 1; g <= s.groups; g++ {
		pg := &out[g-1]
		pg.Matched = g > 64 || m.matched&(1<<(g-1)) != 0
		if s.named != nil {
			pg.Name = s.named[g-1]
			pg.Value = m.kwargs[pg.Name]
		} else {
			pg.Value = m.args[g-1]
		}
	}
	return out
}

// match reports whether path matches s, filling m.
func (s *urlSpec) match(path string, m *routeMatch) bool {
	if s.re == nil {
		if path != s.literal {
			return false
		}
		*m = routeMatch{spec: s}
		return true
	}
	idx := s.re.FindStringSubmatchIndex(path)
	if idx == nil {
		return false
	}
	*m = routeMatch{spec: s}
	if s.groups == 0 {
		return true
	}
	if s.named != nil {
		m.kwargs = make(map[string]string, s.groups)
	} else {
		m.args = make([]string, s.groups)
	}
	for g := 1; g <= s.groups; g++ {
		if idx[2*g] < 0 {
			continue // an optional group that did not take part
		}
		if g <= 64 {
			m.matched |= 1 << (g - 1)
		}
		v := httputil.Unquote(path[idx[2*g]:idx[2*g+1]])
		if s.named != nil {
			m.kwargs[s.named[g-1]] = v
		} else {
			m.args[g-1] = v
		}
	}
	return true
}

// reverse returns the path for args, one per group.
func (s *urlSpec) reverse(args []any) (string, error) {
	if s.revErr != nil {
		return "", s.revErr
	}
	if len(args) != s.groups {
		return "", fmt.Errorf("web: pattern %q needs %d arguments, got %d", s.rule.Pattern, s.groups, len(args))
	}
	var b strings.Builder
	b.WriteString(s.pieces[0])
	for i, a := range args {
		var v string
		switch a := a.(type) {
		case string:
			v = a
		case []byte:
			v = string(a)
		case int:
			v = strconv.Itoa(a)
		default:
			v = fmt.Sprint(a)
		}
		b.WriteString(quote(v))
		b.WriteString(s.pieces[i+1])
	}
	return b.String(), nil
}

// quote percent-encodes s like Python's urllib.parse.quote with safe="/"
// (Tornado's url_escape with plus=False).
func quote(s string) string {
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '_' || c == '.' || c == '-' || c == '~' || c == '/' {
			if b != nil {
				b = append(b, c)
			}
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, len(s)+8), s[:i]...)
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	if b == nil {
		return s
	}
	return string(b)
}

// validUTF8 reports whether every decoded path group is valid UTF-8
// (Tornado's decode_argument answers 400 otherwise).
func validUTF8(args []string, kwargs map[string]string) bool {
	for _, a := range args {
		if !utf8.ValidString(a) {
			return false
		}
	}
	if len(kwargs) == 0 {
		return true // spares starting a map iteration
	}
	for _, a := range kwargs {
		if !utf8.ValidString(a) {
			return false
		}
	}
	return true
}

// hostRules is one table of rules, served for the hosts its pattern matches.
type hostRules struct {
	pattern string
	re      *regexp.Regexp // nil when the pattern matches every host (".*$")
	specs   []*urlSpec
	names   map[string]*urlSpec
}

func newHostRules(pattern string, rules []Rule) *hostRules {
	if !strings.HasSuffix(pattern, "$") {
		pattern += "$"
	}
	h := &hostRules{pattern: pattern, names: map[string]*urlSpec{}}
	if pattern != ".*$" {
		re, err := regexp.Compile(`^(?:` + pattern + `)`)
		if err != nil {
			panic(fmt.Sprintf("web: bad host pattern %q: %v", pattern, err))
		}
		h.re = re
	}
	h.add(rules)
	return h
}

// add compiles and appends rules; it returns the names that replaced
// earlier rules of the same name.
func (h *hostRules) add(rules []Rule) (replaced []string) {
	for _, r := range rules {
		s := compileRule(r)
		h.specs = append(h.specs, s)
		if r.Name != "" {
			if _, dup := h.names[r.Name]; dup {
				replaced = append(replaced, r.Name)
			}
			h.names[r.Name] = s
		}
	}
	return replaced
}

func (h *hostRules) matchHost(host string) bool {
	return h.re == nil || h.re.MatchString(host)
}

func (h *hostRules) find(path string, m *routeMatch) bool {
	for _, s := range h.specs {
		if s.match(path, m) {
			return true
		}
	}
	return false
}
