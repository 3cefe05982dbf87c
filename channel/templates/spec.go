package templates

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/wachan/wachan/store"
)

// Parameter formats.
const (
	Positional = "POSITIONAL"
	Named      = "NAMED"
)

var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

// Spec is what a send of a template must fill in.
type Spec struct {
	// Format is Positional or Named.
	Format string `json:"parameter_format"`
	// HeaderFormat is TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION; empty when
	// the template has no header.
	HeaderFormat string `json:"header_format,omitempty"`
	// Header and Body are the variables of the text header and the body
	// in order: "1", "2", … for positional templates, names for named ones.
	Header []string `json:"header_params,omitempty"`
	Body   []string `json:"body_params,omitempty"`
	// Buttons are the buttons, in their index order.
	Buttons []ButtonSpec `json:"buttons,omitempty"`
}

// ButtonSpec is one button of a template.
type ButtonSpec struct {
	Index int    `json:"index"`
	Type  string `json:"type"` // QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, …
	Text  string `json:"text,omitempty"`
	// Variable is true for a URL button whose URL ends in a variable that
	// each send fills in.
	Variable bool `json:"variable,omitempty"`
}

// MediaHeader reports whether the header is an image, video or document.
func (s *Spec) MediaHeader() bool {
	switch s.HeaderFormat {
	case "IMAGE", "VIDEO", "DOCUMENT":
		return true
	}
	return false
}

// Names returns every named variable of the header and body, each once.
func (s *Spec) Names() []string {
	var out []string
	for _, n := range append(slices.Clone(s.Header), s.Body...) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// SpecOf returns what a send of t must fill in. A template whose
// ParameterFormat is empty is positional, Meta's default.
func SpecOf(t *store.Template) *Spec {
	s := &Spec{Format: strings.ToUpper(t.ParameterFormat)}
	if s.Format != Named {
		s.Format = Positional
	}
	for _, c := range t.Components {
		switch strings.ToUpper(c.Type) {
		case "HEADER":
			s.HeaderFormat = strings.ToUpper(c.Format)
			if s.HeaderFormat == "" {
				s.HeaderFormat = "TEXT"
			}
			if s.HeaderFormat == "TEXT" {
				s.Header = variables(c.Text, s.Format)
			}
		case "BODY":
			s.Body = variables(c.Text, s.Format)
		case "BUTTONS":
			for i, b := range c.Buttons {
				typ := strings.ToUpper(b.Type)
				s.Buttons = append(s.Buttons, ButtonSpec{
					Index:    i,
					Type:     typ,
					Text:     b.Text,
					Variable: typ == "URL" && placeholder.MatchString(b.URL),
				})
			}
		}
	}
	return s
}

// variables returns the distinct placeholders of text: positional ones
// sorted by number, named ones in order of first appearance.
func variables(text, format string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	if format == Positional {
		slices.SortFunc(out, func(a, b string) int {
			x, _ := strconv.Atoi(a)
			y, _ := strconv.Atoi(b)
			return x - y
		})
	}
	return out
}
