package graphemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Template creation error subcodes Meta answers with code 100.
const (
	subDuplicate    = 2388024 // content in this language already exists
	subTooLong      = 2388040 // a field is over its character limit
	subHeaderFormat = 2388047 // header format incorrect
	subBodyFormat   = 2388072 // body format incorrect
	subFooterFormat = 2388073 // footer format incorrect
	subRatio        = 2388293 // too many variables for the length
	subDangling     = 2388299 // variables at the start or end
	subLimit        = 2388019 // too many templates
)

// templateError is Meta's answer to a template it refuses before review:
// code 100, a subcode and the user-facing title and message.
func templateError(subcode int, title, format string, args ...any) *graphError {
	e := errParam("Invalid parameter")
	e.subcode = subcode
	e.userTitle = title
	e.userMsg = fmt.Sprintf(format, args...)
	return &e
}

var (
	templateNamePattern = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	namedParamPattern   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	anyPlaceholder      = regexp.MustCompile(`\{\{([^{}]*)\}\}`)
	templateLanguages   = strings.Fields(`af ar az bg bn ca cs da de el en es et fa fi fil fr ga gu ha he hi
	hr hu id it ja ka kk kn ko ky lo lt lv mk ml mr ms nb nl pa pl pt ro ru rw sk sl sq sr sv sw ta te
	th tr uk ur uz vi zh zu`)
	languagePattern = regexp.MustCompile(`^([a-z]{2,3})(?:_[A-Z]{2})?$`)
)

// defButton is a button of a creation request.
type defButton struct {
	Type        string          `json:"type"`
	Text        string          `json:"text"`
	URL         string          `json:"url"`
	PhoneNumber string          `json:"phone_number"`
	OTPType     string          `json:"otp_type"`
	Example     json.RawMessage `json:"example"`
}

// defComponent is a component of a creation request.
type defComponent struct {
	Type                      string          `json:"type"`
	Format                    string          `json:"format"`
	Text                      string          `json:"text"`
	Buttons                   []defButton     `json:"buttons"`
	Example                   json.RawMessage `json:"example"`
	AddSecurityRecommendation bool            `json:"add_security_recommendation"`
	CodeExpirationMinutes     int             `json:"code_expiration_minutes"`
}

// templateDef is the body of a creation or edit request.
type templateDef struct {
	Name            string         `json:"name"`
	Language        string         `json:"language"`
	Category        string         `json:"category"`
	ParameterFormat string         `json:"parameter_format"`
	Components      []defComponent `json:"components"`
}

// readTemplateDef reads a JSON or form-encoded creation or edit body.
func readTemplateDef(w http.ResponseWriter, r *http.Request) (*templateDef, *graphError) {
	var d templateDef
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		if err := r.ParseForm(); err != nil {
			e := errParam("(#100) Invalid parameter")
			return nil, &e
		}
		d.Name, d.Language, d.Category = r.PostForm.Get("name"), r.PostForm.Get("language"), r.PostForm.Get("category")
		d.ParameterFormat = r.PostForm.Get("parameter_format")
		if c := r.PostForm.Get("components"); c != "" {
			if err := json.Unmarshal([]byte(c), &d.Components); err != nil {
				e := errParam("(#100) Invalid parameter").withDetails("components is not a JSON array of components")
				return nil, &e
			}
		}
		return &d, nil
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&d); err != nil {
		e := errParam("(#100) Invalid parameter").withDetails("request body is not a template definition: %v", err)
		return nil, &e
	}
	return &d, nil
}

// placeholdersOf returns the placeholder names of text in order, with
// repeats.
func placeholdersOf(text string) []string {
	var out []string
	for _, m := range anyPlaceholder.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

// checkVariables checks the placeholders of a header or body text
// against the parameter format and returns the distinct names in order.
func checkVariables(part, text, format string, sub int) ([]string, *graphError) {
	var names []string
	for _, p := range placeholdersOf(text) {
		if p != strings.TrimSpace(p) || p == "" {
			return nil, templateError(sub, "Invalid variable", "The %s variable {{%s}} has spaces or is empty.", part, p)
		}
		if format == "NAMED" {
			if !namedParamPattern.MatchString(p) {
				return nil, templateError(sub, "Invalid variable", "The %s of a NAMED template uses {{%s}}: named variables are lowercase letters, digits and underscores, starting with a letter.", part, p)
			}
		} else if _, err := strconv.Atoi(p); err != nil {
			return nil, templateError(sub, "Invalid variable", "The %s of a POSITIONAL template uses {{%s}}: use {{1}}, {{2}}, … or set parameter_format NAMED.", part, p)
		}
		if !slices.Contains(names, p) {
			names = append(names, p)
		}
	}
	if format != "NAMED" {
		for i := range names {
			if !slices.Contains(names, strconv.Itoa(i+1)) {
				return nil, templateError(sub, "Variables out of sequence", "The %s variables must be numbered {{1}} to {{%d}} without gaps.", part, len(names))
			}
		}
	}
	return names, nil
}

// trimPunct trims spaces and punctuation around text.
func trimPunct(text string) string {
	return strings.TrimFunc(text, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) && r != '{' && r != '}' })
}

// danglingVariable reports whether text starts or ends with a variable,
// punctuation and spaces aside.
func danglingVariable(text string) bool {
	t := trimPunct(text)
	return strings.HasPrefix(t, "{{") || strings.HasSuffix(t, "}}")
}

// tooManyVariables reports whether text has fewer than two words of its
// own per variable, the density at which Meta refuses a body.
func tooManyVariables(text string) bool {
	vars := len(placeholdersOf(text))
	if vars == 0 {
		return false
	}
	words := len(strings.FieldsFunc(anyPlaceholder.ReplaceAllString(text, " "), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}))
	return words < 2*vars
}

// examples reads a component's example object.
type examples struct {
	HeaderText   []string     `json:"header_text"`
	HeaderNamed  []namedParam `json:"header_text_named_params"`
	HeaderHandle []string     `json:"header_handle"`
	BodyText     [][]string   `json:"body_text"`
	BodyNamed    []namedParam `json:"body_text_named_params"`
}

type namedParam struct {
	Name    string `json:"param_name"`
	Example string `json:"example"`
}

// checkExamples checks that every variable has a sample value.
func checkExamples(part string, names []string, format string, positional []string, named []namedParam) *graphError {
	if len(names) == 0 {
		return nil
	}
	if format == "NAMED" {
		for _, n := range names {
			i := slices.IndexFunc(named, func(p namedParam) bool { return p.Name == n })
			if i < 0 || strings.TrimSpace(named[i].Example) == "" {
				return templateError(0, "Missing sample", "The %s variable {{%s}} needs a sample value in example.%s_text_named_params.", part, n, part)
			}
		}
		return nil
	}
	if len(positional) != len(names) {
		return templateError(0, "Missing sample", "The %s has %d variables but %d sample values in example.%s_text.", part, len(names), len(positional), part)
	}
	for i, v := range positional {
		if strings.TrimSpace(v) == "" {
			return templateError(0, "Missing sample", "Sample value %d of the %s is empty.", i+1, part)
		}
	}
	return nil
}

// headerMIMEs are the file types each media header accepts.
var headerMIMEs = map[string][]string{
	"IMAGE":    {"image/jpeg", "image/png"},
	"VIDEO":    {"video/mp4"},
	"DOCUMENT": {"application/pdf"},
}

// validateDef checks a creation or edit request as Meta does before
// review; s.mu must be held (media handles are looked up).
func (s *Server) validateDef(d *templateDef) *graphError {
	switch {
	case d.Name == "":
		return required("name")
	case !templateNamePattern.MatchString(d.Name):
		e := errParam("(#100) Invalid parameter").withDetails("name must be at most 512 lowercase letters, digits and underscores")
		return &e
	case d.Language == "":
		return required("language")
	}
	if m := languagePattern.FindStringSubmatch(d.Language); m == nil || !slices.Contains(templateLanguages, m[1]) {
		e := errParam("(#100) Invalid parameter").withDetails("language %q is not a template language", d.Language)
		return &e
	}
	switch d.Category {
	case "MARKETING", "UTILITY", "AUTHENTICATION":
	case "":
		return required("category")
	default:
		e := errParam("(#100) Invalid parameter").withDetails("category must be MARKETING, UTILITY or AUTHENTICATION")
		return &e
	}
	switch d.ParameterFormat {
	case "", "POSITIONAL", "NAMED":
	default:
		e := errParam("(#100) Invalid parameter").withDetails("parameter_format must be POSITIONAL or NAMED")
		return &e
	}
	return s.validateComponents(d)
}

// validateComponents checks the components of d; s.mu must be held.
func (s *Server) validateComponents(d *templateDef) *graphError {
	seen := map[string]bool{}
	for _, c := range d.Components {
		t := strings.ToUpper(c.Type)
		if seen[t] {
			e := errParam("(#100) Invalid parameter").withDetails("only one %s component is allowed", t)
			return &e
		}
		seen[t] = true
	}
	if !seen["BODY"] {
		return required("components['BODY']")
	}
	if d.Category == "AUTHENTICATION" {
		return validateAuthDef(d)
	}
	for _, c := range d.Components {
		var ex examples
		if len(c.Example) > 0 {
			if err := json.Unmarshal(c.Example, &ex); err != nil {
				e := errParam("(#100) Invalid parameter").withDetails("example of %s is malformed", c.Type)
				return &e
			}
		}
		var gerr *graphError
		switch strings.ToUpper(c.Type) {
		case "HEADER":
			gerr = s.validateHeader(d, c, ex)
		case "BODY":
			gerr = validateBody(d, c, ex)
		case "FOOTER":
			switch {
			case chars(c.Text) == 0:
				gerr = required("components['FOOTER']['text']")
			case chars(c.Text) > 60:
				gerr = templateError(subTooLong, "Footer too long", "The footer has %d characters; at most 60 are allowed.", chars(c.Text))
			case len(placeholdersOf(c.Text)) > 0:
				gerr = templateError(subFooterFormat, "Message footer format is incorrect", "The footer can't contain variables.")
			}
		case "BUTTONS":
			gerr = validateButtons(d, c.Buttons)
		default:
			e := errParam("(#100) Invalid parameter").withDetails("unknown component type %s", c.Type)
			gerr = &e
		}
		if gerr != nil {
			return gerr
		}
	}
	return nil
}

// validateHeader checks a header; s.mu must be held.
func (s *Server) validateHeader(d *templateDef, c defComponent, ex examples) *graphError {
	switch f := strings.ToUpper(c.Format); f {
	case "TEXT":
		if chars(c.Text) == 0 {
			return required("components['HEADER']['text']")
		}
		if chars(c.Text) > 60 {
			return templateError(subTooLong, "Header too long", "The header has %d characters; at most 60 are allowed.", chars(c.Text))
		}
		if strings.ContainsAny(anyPlaceholder.ReplaceAllString(c.Text, ""), "\n*_~") {
			return templateError(subHeaderFormat, "Message header format is incorrect", "The header can't contain new lines or formatting characters.")
		}
		names, gerr := checkVariables("header", c.Text, d.ParameterFormat, subHeaderFormat)
		if gerr != nil {
			return gerr
		}
		if len(placeholdersOf(c.Text)) > 1 {
			return templateError(subHeaderFormat, "Message header format is incorrect", "A text header can have only one variable.")
		}
		return checkExamples("header", names, d.ParameterFormat, ex.HeaderText, ex.HeaderNamed)
	case "IMAGE", "VIDEO", "DOCUMENT":
		if len(ex.HeaderHandle) != 1 || ex.HeaderHandle[0] == "" {
			return templateError(subHeaderFormat, "Missing sample media", "A %s header needs one uploaded file handle in example.header_handle.", strings.ToLower(f))
		}
		u := s.author().handles[ex.HeaderHandle[0]]
		if u == nil || int64(len(u.data)) != u.length {
			return templateError(subHeaderFormat, "Invalid media handle", "example.header_handle is not the handle of a completed upload.")
		}
		if !slices.Contains(headerMIMEs[f], u.mime) {
			return templateError(subHeaderFormat, "Media type does not match the header", "A %s header needs %s; the uploaded file is %s.", strings.ToLower(f), strings.Join(headerMIMEs[f], " or "), u.mime)
		}
	case "LOCATION":
		if d.Category == "AUTHENTICATION" {
			return templateError(subHeaderFormat, "Message header format is incorrect", "Location headers are for marketing and utility templates.")
		}
	default:
		return templateError(subHeaderFormat, "Message header format is incorrect", "Header format must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION.")
	}
	return nil
}

// validateBody checks the body.
func validateBody(d *templateDef, c defComponent, ex examples) *graphError {
	if strings.TrimSpace(c.Text) == "" {
		return required("components['BODY']['text']")
	}
	if chars(c.Text) > 1024 {
		return templateError(subTooLong, "Body too long", "The body has %d characters; at most 1024 are allowed.", chars(c.Text))
	}
	names, gerr := checkVariables("body", c.Text, d.ParameterFormat, subBodyFormat)
	if gerr != nil {
		return gerr
	}
	if danglingVariable(c.Text) {
		return templateError(subDangling, "Variables can't be at the start or end of the template", "The body starts or ends with a variable. Add text before the first and after the last variable.")
	}
	if tooManyVariables(c.Text) {
		return templateError(subRatio, "This template has too many variables for its length", "Reduce the number of variables or make the message longer.")
	}
	var positional []string
	if len(ex.BodyText) > 0 {
		positional = ex.BodyText[0]
	}
	return checkExamples("body", names, d.ParameterFormat, positional, ex.BodyNamed)
}

// validateButtons checks the buttons of a marketing or utility template.
func validateButtons(d *templateDef, bs []defButton) *graphError {
	bad := func(format string, args ...any) *graphError {
		return templateError(0, "Invalid buttons", format, args...)
	}
	if len(bs) == 0 || len(bs) > 10 {
		return bad("A template has 1 to 10 buttons; this one has %d.", len(bs))
	}
	count := map[string]int{}
	groups := 0
	for i, b := range bs {
		t := strings.ToUpper(b.Type)
		count[t]++
		if i == 0 || (t == "QUICK_REPLY") != (strings.ToUpper(bs[i-1].Type) == "QUICK_REPLY") {
			groups++
		}
		if t != "COPY_CODE" && (chars(b.Text) == 0 || chars(b.Text) > 25) {
			return bad("Button %d text must be 1 to 25 characters.", i+1)
		}
		switch t {
		case "QUICK_REPLY":
		case "URL":
			if gerr := validateURLButton(i, b); gerr != nil {
				return gerr
			}
		case "PHONE_NUMBER":
			if b.PhoneNumber == "" || chars(b.PhoneNumber) > 20 {
				return bad("Button %d phone number must be 1 to 20 characters.", i+1)
			}
		case "COPY_CODE":
			var code string
			if json.Unmarshal(b.Example, &code) != nil || code == "" || chars(code) > 15 {
				return bad("Copy code button %d needs an example code of 1 to 15 characters.", i+1)
			}
		case "OTP":
			return bad("OTP buttons belong to authentication templates.")
		default:
			return bad("Button %d has an unsupported type %s.", i+1, b.Type)
		}
	}
	switch {
	case count["URL"] > 2:
		return bad("At most 2 URL buttons are allowed.")
	case count["PHONE_NUMBER"] > 1:
		return bad("At most 1 phone number button is allowed.")
	case count["COPY_CODE"] > 1:
		return bad("At most 1 copy code button is allowed.")
	case groups > 2:
		return bad("Quick reply buttons must be grouped together, before or after the other buttons.")
	}
	return nil
}

// validateURLButton checks a URL button: an http(s) URL of at most 2,000
// characters with at most one variable, {{1}}, at its end, and an example
// when it has one.
func validateURLButton(i int, b defButton) *graphError {
	bad := func(format string, args ...any) *graphError {
		return templateError(0, "Invalid buttons", format, args...)
	}
	if chars(b.URL) == 0 || chars(b.URL) > 2000 {
		return bad("Button %d URL must be 1 to 2000 characters.", i+1)
	}
	vars := placeholdersOf(b.URL)
	static := strings.TrimSuffix(b.URL, "{{1}}")
	if u, err := url.Parse(static); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return bad("Button %d URL must be a web address starting with https://.", i+1)
	}
	switch {
	case len(vars) > 1 || len(vars) == 1 && !strings.HasSuffix(b.URL, "{{1}}"):
		return bad("Button %d URL can have one variable, {{1}}, at its end.", i+1)
	case len(vars) == 1:
		var ex []string
		if json.Unmarshal(b.Example, &ex) != nil || len(ex) != 1 || ex[0] == "" {
			return bad("Button %d URL has a variable and needs one example URL.", i+1)
		}
	}
	return nil
}

// validateAuthDef checks an authentication template: Meta writes its
// text; the request gives the options and one OTP button.
func validateAuthDef(d *templateDef) *graphError {
	bad := func(format string, args ...any) *graphError {
		return templateError(0, "Invalid authentication template", format, args...)
	}
	var otp bool
	for _, c := range d.Components {
		switch strings.ToUpper(c.Type) {
		case "BODY":
			if c.Text != "" {
				return bad("Authentication templates use Meta's preset body; leave its text out.")
			}
		case "FOOTER":
			if c.CodeExpirationMinutes < 1 || c.CodeExpirationMinutes > 90 {
				return bad("code_expiration_minutes must be 1 to 90.")
			}
		case "BUTTONS":
			if len(c.Buttons) != 1 || strings.ToUpper(c.Buttons[0].Type) != "OTP" {
				return bad("Authentication templates have exactly one OTP button.")
			}
			switch strings.ToUpper(c.Buttons[0].OTPType) {
			case "COPY_CODE", "ONE_TAP", "ZERO_TAP":
				otp = true
			default:
				return bad("otp_type must be COPY_CODE, ONE_TAP or ZERO_TAP.")
			}
		default:
			return bad("Authentication templates have no %s.", c.Type)
		}
	}
	if !otp {
		return bad("Authentication templates need an OTP button.")
	}
	return nil
}
