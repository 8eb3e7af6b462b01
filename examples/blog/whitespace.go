package main

import (
	"bytes"
	"io/fs"
	"path"
	"strings"
	"time"
)

// squeezedFS serves templates from fsys with the white space of their
// text squeezed as Tornado's template loader does for .html and .js files
// (its "single" mode): each run of spaces and tabs becomes one space, and
// each run of white space holding a newline becomes one newline. Only the
// text between actions is squeezed — never an action, nor the output of
// one (an entry's HTML keeps its <pre> blocks) — and other files, such as
// feed.xml, are served as they are. The blog's pages are then the bytes
// Tornado's demo sends, indentation and all. Safe for concurrent use.
type squeezedFS struct{ fsys fs.FS }

// squeezed reports whether the template name gets its white space squeezed.
func squeezed(name string) bool {
	ext := path.Ext(name)
	return ext == ".html" || ext == ".js"
}

// ReadFile implements fs.ReadFileFS.
func (s squeezedFS) ReadFile(name string) ([]byte, error) {
	b, err := fs.ReadFile(s.fsys, name)
	if err != nil || !squeezed(name) {
		return b, err
	}
	return []byte(squeezeTemplate(string(b))), nil
}

// Open implements fs.FS.
func (s squeezedFS) Open(name string) (fs.File, error) {
	if !squeezed(name) {
		return s.fsys.Open(name)
	}
	b, err := s.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return &memFile{Reader: bytes.NewReader(b), name: path.Base(name), size: int64(len(b))}, nil
}

// memFile is a squeezed template opened as an fs.File.
type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Name() string               { return f.name }
func (f *memFile) Size() int64                { return f.size }
func (f *memFile) Mode() fs.FileMode          { return 0o444 }
func (f *memFile) ModTime() time.Time         { return time.Time{} }
func (f *memFile) IsDir() bool                { return false }
func (f *memFile) Sys() any                   { return nil }

// squeezeTemplate squeezes the text of a template outside its actions.
// An action runs from "{{" to the next "}}"; the blog's templates have no
// "}}" inside an action's strings.
func squeezeTemplate(src string) string {
	var b strings.Builder
	for src != "" {
		i := strings.Index(src, "{{")
		if i < 0 {
			b.WriteString(squeezeText(src))
			break
		}
		b.WriteString(squeezeText(src[:i]))
		j := strings.Index(src[i:], "}}")
		if j < 0 {
			b.WriteString(src[i:]) // unclosed: the template parser reports it
			break
		}
		b.WriteString(src[i : i+j+2])
		src = src[i+j+2:]
	}
	return b.String()
}

// squeezeText is Tornado's "single" white space filter on one run of
// template text.
func squeezeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if !isSpace(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j, newline := i, false
		for j < len(s) && isSpace(s[j]) {
			newline = newline || s[j] == '\n'
			j++
		}
		if newline {
			b.WriteByte('\n')
		} else {
			b.WriteString(squeezeBlanks(s[i:j]))
		}
		i = j
	}
	return b.String()
}

// isSpace reports whether c is ASCII white space as Python's \s sees it.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// squeezeBlanks turns each run of spaces and tabs in s, a run of white
// space without a newline, into one space (Python's filter leaves \r, \f
// and \v as they are there).
func squeezeBlanks(s string) string {
	var b strings.Builder
	blank := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ' ' || c == '\t' {
			if !blank {
				b.WriteByte(' ')
			}
			blank = true
			continue
		}
		b.WriteByte(s[i])
		blank = false
	}
	return b.String()
}
