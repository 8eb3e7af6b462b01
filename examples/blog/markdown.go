package main

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/renderer/html"
)

// markdownRenderer turns an entry's Markdown into HTML. It writes XHTML
// (<br />, <hr />), as Python-Markdown does for Tornado's demo, so that the
// Atom feed can embed the HTML as XHTML content, and it passes raw HTML
// through, as Python-Markdown does: the blog's author is its only writer.
// Safe for concurrent use.
var markdownRenderer = goldmark.New(goldmark.WithRendererOptions(html.WithXHTML(), html.WithUnsafe()))

// renderMarkdown returns the HTML of the Markdown source text, without the
// trailing newline.
func renderMarkdown(text string) (template.HTML, error) {
	var b bytes.Buffer
	if err := markdownRenderer.Convert([]byte(text), &b); err != nil {
		return "", err
	}
	return template.HTML(strings.TrimRight(b.String(), "\n")), nil
}
