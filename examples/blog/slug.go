package main

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// slugify makes the slug of a new entry from its title, as Tornado's blog
// demo does: the title is decomposed (NFKD), each run of characters that
// are not letters, digits or "_" becomes a space, the words are lowered
// and joined with "-", and what is not ASCII is dropped. A title with
// nothing left gives "entry".
//
//	slugify("Hello, World!") == "hello-world"
//	slugify("Café au lait")  == "cafe-au-lait"
func slugify(title string) string {
	var spaced strings.Builder
	inGap := false
	for _, r := range norm.NFKD.String(title) {
		if isWordRune(r) {
			spaced.WriteRune(r)
			inGap = false
		} else if !inGap {
			spaced.WriteByte(' ')
			inGap = true
		}
	}
	slug := strings.Join(strings.Fields(strings.ToLower(spaced.String())), "-")
	ascii := strings.Map(func(r rune) rune {
		if r >= unicode.MaxASCII+1 {
			return -1
		}
		return r
	}, slug)
	if ascii == "" {
		return "entry"
	}
	return ascii
}

// isWordRune reports whether r is a word character of Python's regular
// expressions (\w): a letter, a number or the underscore. Combining marks
// are not, so the accents NFKD splits off become gaps.
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}
