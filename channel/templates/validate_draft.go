package templates

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits Meta enforces on a template definition, in characters.
const (
	MaxTemplateName   = 512
	MaxFooterText     = 60
	MaxButtons        = 10
	MaxButtonText     = 25
	MaxURLButtons     = 2
	MaxPhoneNumber    = 20
	MaxCodeExpiration = 90
)

var (
	anyVariable = regexp.MustCompile(`\{\{([^{}]*)\}\}`)
	namedVar    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	numberVar   = regexp.MustCompile(`^[1-9][0-9]*$`)
)

// draftExamples are a checked draft's variables and sample values.
type draftExamples struct {
	header, body []string          // variable names in order
	named        map[string]string // named samples
	positional   []string          // body samples in order
}

func chars(s string) int { return utf8.RuneCountInString(s) }

func invalid(field, format string, args ...any) *Error {
	return fail(CodeDraft, field, format, args...)
}

// variablesIn returns the placeholders of text, with repeats.
func variablesIn(text string) []string {
	var out []string
	for _, m := range anyVariable.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

// formatOf returns the parameter format d's variables imply, or an error
// when they mix both kinds or contradict d.ParameterFormat.
func (d *Draft) formatOf() (string, *Error) {
	var numbered, named bool
	texts := []string{d.Body.Text}
	if d.Header != nil {
		texts = append(texts, d.Header.Text)
	}
	for _, t := range texts {
		for _, v := range variablesIn(t) {
			if numberVar.MatchString(v) {
				numbered = true
			} else {
				named = true
			}
		}
	}
	f := d.ParameterFormat
	switch {
	case f != "" && f != Positional && f != Named:
		return "", invalid("parameter_format", "parameter_format must be POSITIONAL ({{1}}) or NAMED ({{first_name}})")
	case numbered && named:
		return "", invalid("body.text", "the template mixes numbered ({{1}}) and named ({{first_name}}) variables; use one kind")
	case f == Named && numbered:
		return "", invalid("body.text", "a NAMED template uses names such as {{first_name}}, not {{1}}")
	case f == Positional && named:
		return "", invalid("body.text", "a POSITIONAL template uses {{1}}, {{2}}, …; set parameter_format NAMED for named variables")
	case f != "":
		return f, nil
	case named:
		return Named, nil
	}
	return Positional, nil
}

// checkVars checks the variables of text, in field, and returns the
// distinct names in order.
func checkVars(field, text, format string) ([]string, *Error) {
	var names []string
	for _, v := range variablesIn(text) {
		ok := numberVar.MatchString(v)
		if format == Named {
			ok = namedVar.MatchString(v)
		}
		if !ok {
			return nil, invalid(field, "variable {{%s}} is not valid: use {{1}}, {{2}}, … or lowercase names such as {{first_name}} (letters, digits, underscores, no spaces)", v)
		}
		if !slices.Contains(names, v) {
			names = append(names, v)
		}
	}
	if format == Positional {
		for i := range names {
			if !slices.Contains(names, strconv.Itoa(i+1)) {
				return nil, invalid(field, "numbered variables must run {{1}} to {{%d}} without gaps", len(names))
			}
		}
		slices.SortFunc(names, func(a, b string) int {
			x, _ := strconv.Atoi(a)
			y, _ := strconv.Atoi(b)
			return x - y
		})
	}
	return names, nil
}

// Validate checks d as Meta would before review and returns a *Error
// naming the first field at fault. Meta's undocumented density rule is
// approximated: the body needs two words of its own per variable.
func (d *Draft) Validate() error {
	d.normalize()
	if _, err := d.check(); err != nil {
		return err
	}
	return nil
}

// check validates d (normalized) and returns its variables and samples.
func (d *Draft) check() (*draftExamples, *Error) {
	switch {
	case d.Name == "":
		return nil, invalid("name", "name is required")
	case chars(d.Name) > MaxTemplateName || !nameShape.MatchString(d.Name):
		return nil, invalid("name", "name %q must be at most %d lowercase letters, digits and underscores (such as order_ready)", d.Name, MaxTemplateName)
	case d.Language == "":
		return nil, invalid("language", "language is required (such as en_US, pt_BR or de)")
	case !IsLanguage(d.Language):
		return nil, invalid("language", "language %q is not one Meta offers for templates (such as en_US, pt_BR or de)", d.Language)
	}
	if _, ok := Categories[d.Category]; !ok {
		return nil, invalid("category", "category must be MARKETING (%s), UTILITY (%s) or AUTHENTICATION (%s)",
			Categories["MARKETING"], Categories["UTILITY"], Categories["AUTHENTICATION"])
	}
	if d.Category == "AUTHENTICATION" {
		return &draftExamples{}, d.checkAuth()
	}
	if d.Authentication != nil {
		return nil, invalid("authentication", "authentication options belong to AUTHENTICATION templates")
	}
	format, err := d.formatOf()
	if err != nil {
		return nil, err
	}
	ex := &draftExamples{named: map[string]string{}}
	if err := d.checkHeader(format, ex); err != nil {
		return nil, err
	}
	if err := d.checkBody(format, ex); err != nil {
		return nil, err
	}
	switch {
	case chars(d.Footer) > MaxFooterText:
		return nil, invalid("footer", "footer has %d characters; at most %d are allowed", chars(d.Footer), MaxFooterText)
	case len(variablesIn(d.Footer)) > 0:
		return nil, invalid("footer", "the footer can't contain variables")
	}
	return ex, d.checkButtons()
}

func (d *Draft) checkAuth() *Error {
	switch {
	case d.Header != nil:
		return invalid("header", "authentication templates have no header")
	case d.Body.Text != "":
		return invalid("body.text", "Meta writes the text of authentication templates (\"<code> is your verification code.\"); leave body out")
	case d.Footer != "":
		return invalid("footer", "an authentication template's footer is its code expiry: set authentication.code_expiration_minutes")
	case len(d.Buttons) > 0:
		return invalid("buttons", "an authentication template has one copy-code button, added by Meta; leave buttons out")
	}
	if a := d.Authentication; a != nil {
		if a.CodeExpirationMinutes < 0 || a.CodeExpirationMinutes > MaxCodeExpiration {
			return invalid("authentication.code_expiration_minutes", "code_expiration_minutes must be 1 to %d (or 0 for none)", MaxCodeExpiration)
		}
		if a.OTPType != "COPY_CODE" {
			return invalid("authentication.otp_type", "otp_type must be COPY_CODE; one-tap and zero-tap autofill need an Android app's signature")
		}
	}
	return nil
}

func (d *Draft) checkHeader(format string, ex *draftExamples) *Error {
	h := d.Header
	if h == nil {
		return nil
	}
	switch h.Format {
	case "TEXT":
		switch {
		case strings.TrimSpace(h.Text) == "":
			return invalid("header.text", "a TEXT header needs text")
		case chars(h.Text) > MaxHeaderText:
			return invalid("header.text", "header has %d characters; at most %d are allowed", chars(h.Text), MaxHeaderText)
		case strings.ContainsAny(anyVariable.ReplaceAllString(h.Text, ""), "\n*_~"):
			return invalid("header.text", "the header can't contain new lines or formatting characters (* _ ~)")
		case len(variablesIn(h.Text)) > 1:
			return invalid("header.text", "a text header can have one variable only")
		}
		names, err := checkVars("header.text", h.Text, format)
		if err != nil {
			return err
		}
		if format == Positional && len(names) == 1 && names[0] != "1" {
			return invalid("header.text", "the header's variable is {{1}}")
		}
		ex.header = names
		if len(names) == 1 {
			if strings.TrimSpace(h.Example) == "" {
				return fail(CodeExample, "header.example", "the header variable {{%s}} needs a sample value in header.example (Meta requires one for review)", names[0])
			}
			ex.named[names[0]] = h.Example
		}
	case "IMAGE", "VIDEO", "DOCUMENT":
		if h.Handle == "" {
			return invalid("header.handle", "a %s header needs a sample file: upload it with POST /api/v1/channels/{id}/templates/media and give the handle", strings.ToLower(h.Format))
		}
	case "LOCATION":
	case "":
		return invalid("header.format", "header.format is required: TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION")
	default:
		return invalid("header.format", "header.format %q must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION", h.Format)
	}
	return nil
}

// trimPunct trims spaces and punctuation, which Meta ignores when it
// looks for a variable at the start or end.
func trimPunct(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) && r != '{' && r != '}' })
}

func (d *Draft) checkBody(format string, ex *draftExamples) *Error {
	text := d.Body.Text
	switch {
	case strings.TrimSpace(text) == "":
		return invalid("body.text", "body text is required")
	case chars(text) > MaxBodyText:
		return invalid("body.text", "body has %d characters; at most %d are allowed", chars(text), MaxBodyText)
	}
	names, err := checkVars("body.text", text, format)
	if err != nil {
		return err
	}
	ex.body = names
	if t := trimPunct(text); strings.HasPrefix(t, "{{") || strings.HasSuffix(t, "}}") {
		return fail(CodeVariablePlace, "body.text", "the body starts or ends with a variable, which Meta rejects: add text before the first and after the last variable")
	}
	vars := len(variablesIn(text))
	words := len(strings.FieldsFunc(anyVariable.ReplaceAllString(text, " "), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
	if vars > 0 && words < 2*vars {
		return fail(CodeVariableDensity, "body.text", "the body has %d variables for %d words, which Meta rejects as too many variables for its length: write at least %d words around them or use fewer variables", vars, words, 2*vars)
	}
	if len(names) == 0 {
		return nil
	}
	if len(d.Body.Examples) == 0 || string(d.Body.Examples) == "null" {
		return fail(CodeExample, "body.examples", "the body's variables need sample values in body.examples (Meta requires them for review): %s", sampleShape(format, names))
	}
	if format == Named {
		var m map[string]string
		if json.Unmarshal(d.Body.Examples, &m) != nil {
			return fail(CodeExample, "body.examples", "body.examples must be an object of sample values by name: %s", sampleShape(format, names))
		}
		for _, n := range names {
			if strings.TrimSpace(m[n]) == "" {
				return fail(CodeExample, "body.examples."+n, "the body variable {{%s}} needs a sample value in body.examples", n)
			}
			ex.named[n] = m[n]
		}
		return nil
	}
	var list []string
	if json.Unmarshal(d.Body.Examples, &list) != nil || len(list) != len(names) {
		return fail(CodeExample, "body.examples", "body.examples must list one sample value per variable, %d in all: %s", len(names), sampleShape(format, names))
	}
	for i, v := range list {
		if strings.TrimSpace(v) == "" {
			return fail(CodeExample, fmt.Sprintf("body.examples[%d]", i), "the sample value of {{%d}} is empty", i+1)
		}
	}
	ex.positional = list
	return nil
}

// sampleShape shows the examples a body needs.
func sampleShape(format string, names []string) string {
	if format == Named {
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = fmt.Sprintf("%q: \"…\"", n)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprintf("[%s]", strings.TrimSuffix(strings.Repeat(`"…", `, len(names)), ", "))
}

func (d *Draft) checkButtons() *Error {
	if len(d.Buttons) > MaxButtons {
		return invalid("buttons", "%d buttons; at most %d are allowed", len(d.Buttons), MaxButtons)
	}
	count := map[string]int{}
	groups := 0
	for i, b := range d.Buttons {
		f := fmt.Sprintf("buttons[%d]", i)
		count[b.Type]++
		if i == 0 || (b.Type == "QUICK_REPLY") != (d.Buttons[i-1].Type == "QUICK_REPLY") {
			groups++
		}
		if b.Type != "COPY_CODE" && (strings.TrimSpace(b.Text) == "" || chars(b.Text) > MaxButtonText) {
			return invalid(f+".text", "button text must be 1 to %d characters", MaxButtonText)
		}
		switch b.Type {
		case "QUICK_REPLY":
		case "URL":
			if err := checkURLButton(f, b); err != nil {
				return err
			}
		case "PHONE_NUMBER":
			if _, ok := phoneNumber(b.PhoneNumber); !ok || chars(b.PhoneNumber) > MaxPhoneNumber {
				return invalid(f+".phone_number", "phone_number must be a number with its country code, such as +15550783881 (at most %d characters)", MaxPhoneNumber)
			}
		case "COPY_CODE":
			if b.Example == "" || chars(b.Example) > MaxCouponCode {
				return invalid(f+".example", "a copy-code button needs a sample code of 1 to %d characters", MaxCouponCode)
			}
		default:
			return invalid(f+".type", "button type must be QUICK_REPLY, URL, PHONE_NUMBER or COPY_CODE")
		}
	}
	switch {
	case count["URL"] > MaxURLButtons:
		return invalid("buttons", "at most %d URL buttons are allowed", MaxURLButtons)
	case count["PHONE_NUMBER"] > 1:
		return invalid("buttons", "at most one PHONE_NUMBER button is allowed")
	case count["COPY_CODE"] > 1:
		return invalid("buttons", "at most one COPY_CODE button is allowed")
	case groups > 2:
		return invalid("buttons", "quick replies must be grouped together, before or after the other buttons")
	}
	return nil
}

func checkURLButton(f string, b DraftButton) *Error {
	if chars(b.URL) > MaxURL {
		return invalid(f+".url", "url has %d characters; at most %d are allowed", chars(b.URL), MaxURL)
	}
	vars := variablesIn(b.URL)
	static := strings.TrimSuffix(b.URL, "{{1}}")
	if u, err := url.Parse(static); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return invalid(f+".url", "url must be a web address such as https://shop.example/track/{{1}}")
	}
	switch {
	case len(vars) > 1 || len(vars) == 1 && static == b.URL:
		return invalid(f+".url", "a URL can have one variable, {{1}}, at its very end")
	case len(vars) == 1 && strings.TrimSpace(b.Example) == "":
		return fail(CodeExample, f+".example", "the URL ends in {{1}}: give a sample value of that suffix in example (Meta requires one for review)")
	}
	return nil
}

// phoneNumber returns the digits of a number written with + and a country
// code.
func phoneNumber(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "+") {
		return "", false
	}
	var b strings.Builder
	for _, r := range s[1:] {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	return b.String(), b.Len() >= 7 && b.Len() <= 15
}
