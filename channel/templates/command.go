package templates

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// ParseCommand parses the arguments of the chat command
// "/template <name> [language] <value> | <value> …". The word after the
// name is the language when it is a code Meta knows (IsLanguage: en,
// en_US, pt_BR) and is not followed by "|"; ResolveCommand also checks it
// against the stored template. Values are separated by "|" and trimmed;
// "\|" is a literal bar and "\\" a backslash.
func ParseCommand(args string) (name, language string, params []string, err error) {
	return parseCommand(args, IsLanguage)
}

// ResolveCommand is ParseCommand checked against channelID's templates: a
// language the template does not exist in fails with CodeLanguageNotFound,
// listing the ones it has and how to start the first value with that word
// (give the language first). It fails with CodeNotFound for an unknown
// template.
func ResolveCommand(tx *store.Tx, channelID, args string) (name, language string, params []string, err error) {
	name, language, params, err = ParseCommand(args)
	if err != nil {
		return "", "", nil, err
	}
	t, err := Lookup(tx, channelID, name, language)
	var te *Error
	switch {
	case err == nil:
		return name, t.Language, params, nil
	case errors.As(err, &te) && te.Code == CodeLanguageNotFound:
		te.Message += fmt.Sprintf("; to start the first value with %q, name the language first: /template %s %s %s …", language, name, te.Options[0], language)
		return "", "", nil, te
	case errors.As(err, &te) && te.Code == CodeLanguageRequired:
		return name, "", params, nil // Lookup refuses it again with the options
	default:
		return "", "", nil, err
	}
}

func parseCommand(args string, isLanguage func(string) bool) (name, language string, params []string, err error) {
	args = strings.TrimSpace(args)
	name, rest := cutWord(args)
	switch {
	case name == "":
		return "", "", nil, fail(CodeUsage, "name", "usage: /template <name> [language] <value> | <value> …")
	case !nameShape.MatchString(name):
		return "", "", nil, fail(CodeUsage, "name", "%q is not a template name (lowercase letters, digits and underscores)", name)
	}
	if word, after := cutWord(rest); word != "" && !strings.HasPrefix(after, "|") && isLanguage(word) {
		language, rest = word, after
	}
	if rest == "" {
		return name, language, nil, nil
	}
	return name, language, splitValues(rest), nil
}

// cutWord splits s, already trimmed, at its first white space and trims
// the rest.
func cutWord(s string) (word, rest string) {
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// splitValues splits s at unescaped bars, trims each value and then undoes
// the escapes, so an escaped bar at a value's edge survives.
func splitValues(s string) []string {
	var out []string
	var raw strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && (s[i+1] == '|' || s[i+1] == '\\'):
			raw.WriteByte(s[i])
			raw.WriteByte(s[i+1])
			i++
		case s[i] == '|':
			out = append(out, unescape(strings.TrimSpace(raw.String())))
			raw.Reset()
		default:
			raw.WriteByte(s[i])
		}
	}
	return append(out, unescape(strings.TrimSpace(raw.String())))
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '|' || s[i+1] == '\\') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FormatCommand writes the arguments ParseCommand reads back as name,
// language and params, escaping bars and backslashes in the values.
func FormatCommand(name, language string, params []string) string {
	var b strings.Builder
	b.WriteString(name)
	if language != "" {
		b.WriteString(" " + language)
	}
	for i, p := range params {
		if i == 0 {
			b.WriteString(" ")
		} else {
			b.WriteString(" | ")
		}
		p = strings.ReplaceAll(p, `\`, `\\`)
		b.WriteString(strings.ReplaceAll(p, "|", `\|`))
	}
	return b.String()
}

// ParamsFromList fills t's variables from values in the order an agent
// types them: the header's media link or id (media headers), the text
// header's variables, the body's variables, then each URL button's
// variable (or one-time code). Named templates take their names in that order too.
func ParamsFromList(t *store.Template, values []string) (Params, error) {
	spec := SpecOf(t)
	var order []string
	if spec.MediaHeader() {
		order = append(order, "header "+strings.ToLower(spec.HeaderFormat)+" link")
	}
	var vars []string
	if spec.Format == Named {
		vars = spec.Names()
		order = append(order, vars...)
	} else {
		for _, v := range spec.Header {
			order = append(order, "header {{"+v+"}}")
		}
		for _, v := range spec.Body {
			order = append(order, "body {{"+v+"}}")
		}
	}
	var urlButtons []int
	for _, b := range spec.Buttons {
		switch {
		case b.Type == "URL" && b.Variable:
			urlButtons = append(urlButtons, b.Index)
			order = append(order, fmt.Sprintf("button %d URL", b.Index))
		case b.Type == "OTP":
			urlButtons = append(urlButtons, b.Index)
			order = append(order, fmt.Sprintf("button %d code", b.Index))
		}
	}
	if len(values) != len(order) {
		return Params{}, fail(CodeParamCount, "params", "template %s takes %d value(s) (%s), got %d", t.Name, len(order), strings.Join(orNone(order), " | "), len(values))
	}
	var p Params
	if spec.MediaHeader() {
		v := values[0]
		values = values[1:]
		if strings.Contains(v, "://") {
			p.Media = &Media{Link: v}
		} else {
			p.Media = &Media{ID: v}
		}
	}
	if spec.Format == Named {
		p.Named = make(map[string]string, len(vars))
		for i, n := range vars {
			p.Named[n] = values[i]
		}
		values = values[len(vars):]
	} else {
		p.Header = values[:len(spec.Header):len(spec.Header)]
		p.Body = values[len(spec.Header) : len(spec.Header)+len(spec.Body)]
		values = values[len(spec.Header)+len(spec.Body):]
	}
	for i, idx := range urlButtons {
		if p.Buttons == nil {
			p.Buttons = map[int]string{}
		}
		p.Buttons[idx] = values[i]
	}
	if len(p.Header) == 0 {
		p.Header = nil
	}
	if len(p.Body) == 0 {
		p.Body = nil
	}
	return p, nil
}

// BuildCommand resolves the chat command arguments args on channelID and
// builds the template message they describe, To left for the caller.
func BuildCommand(tx *store.Tx, channelID, args string) (*cloudapi.Message, error) {
	name, language, values, err := ResolveCommand(tx, channelID, args)
	if err != nil {
		return nil, err
	}
	t, err := Lookup(tx, channelID, name, language)
	if err != nil {
		return nil, err
	}
	if t.Status != "APPROVED" || t.Partial {
		return BuildFrom(t, Params{})
	}
	p, err := ParamsFromList(t, values)
	if err != nil {
		return nil, err
	}
	return BuildFrom(t, p)
}
