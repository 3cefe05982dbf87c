package templates

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// Limits Meta enforces on a template send.
const (
	MaxHeaderText  = 60   // a text header, variables filled in
	MaxBodyText    = 1024 // the body, variables filled in
	MaxURL         = 2000 // a URL button's URL, variable filled in
	MaxPayload     = 256  // a quick-reply button's payload
	MaxCouponCode  = 15   // a copy-code button's coupon code
	MaxBodySpaces  = 4    // consecutive spaces in a body value
	maxButtonIndex = 9
)

// Params fills a template's variables. A positional template ({{1}},
// {{2}}, …) takes Header and Body as lists in variable order; a named one
// ({{first_name}}) takes Named for both its header and its body.
type Params struct {
	Header []string          `json:"header,omitempty"`
	Body   []string          `json:"body,omitempty"`
	Named  map[string]string `json:"named,omitempty"`
	// Media is the image, video or document of a media header.
	Media *Media `json:"media,omitempty"`
	// Location is the pin of a LOCATION header.
	Location *cloudapi.Location `json:"location,omitempty"`
	// Buttons maps a button's index to its value: the variable part of a
	// URL button (required when its URL has one), the code of an
	// authentication template's OTP button (required) or a quick reply's
	// payload (optional).
	Buttons map[int]string `json:"buttons,omitempty"`
}

// Media is a header's media, by Link (https) or uploaded ID. Type
// (image, video or document) may be left empty to take the header's.
type Media struct {
	Type     string `json:"type,omitempty"`
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// Build checks params against the stored template name of channelID in
// language (empty: its only language) and returns the template message,
// To left for the caller. It fails with a *Error for any mismatch Meta
// would refuse (132000, 132001, 132005, 132012, 132015, 132016, …).
func Build(tx *store.Tx, channelID, name, language string, params Params) (*cloudapi.Message, error) {
	t, err := Lookup(tx, channelID, name, language)
	if err != nil {
		return nil, err
	}
	return BuildFrom(t, params)
}

// BuildFrom is Build for a template already looked up.
func BuildFrom(t *store.Template, params Params) (*cloudapi.Message, error) {
	if t.Status != "APPROVED" {
		e := fail(CodeNotApproved, "name", "template %s (%s) is %s, not APPROVED", t.Name, t.Language, strings.ToLower(t.Status))
		if t.Reason != "" && t.Reason != "NONE" {
			e.Message += ": " + t.Reason
		}
		return nil, e
	}
	if t.Partial {
		return nil, fail(CodeNotSynced, "name", "template %s (%s) is known only from a webhook; sync the channel's templates first", t.Name, t.Language)
	}
	spec := SpecOf(t)
	msg := &cloudapi.TemplateMessage{Name: t.Name, Language: t.Language}

	header, err := buildHeader(t, spec, params)
	if err != nil {
		return nil, err
	}
	if header != nil {
		msg.Components = append(msg.Components, *header)
	}
	body, err := buildText(t, spec, params, "BODY")
	if err != nil {
		return nil, err
	}
	if body != nil {
		msg.Components = append(msg.Components, *body)
	}
	buttons, err := buildButtons(t, spec, params)
	if err != nil {
		return nil, err
	}
	msg.Components = append(msg.Components, buttons...)
	return &cloudapi.Message{Type: cloudapi.TypeTemplate, Template: msg}, nil
}

// componentText returns the text of t's component typ.
func componentText(t *store.Template, typ string) string {
	for _, c := range t.Components {
		if strings.EqualFold(c.Type, typ) {
			return c.Text
		}
	}
	return ""
}

func buildHeader(t *store.Template, spec *Spec, p Params) (*cloudapi.Component, error) {
	switch {
	case spec.MediaHeader():
		if p.Location != nil {
			return nil, fail(CodeMedia, "params.location", "the header of %s is %s, not a location", t.Name, strings.ToLower(spec.HeaderFormat))
		}
		return mediaHeader(spec, p.Media)
	case spec.HeaderFormat == "LOCATION":
		if p.Media != nil {
			return nil, fail(CodeMedia, "params.media", "the header of %s is a location, not media", t.Name)
		}
		if p.Location == nil {
			return nil, fail(CodeMedia, "params.location", "the header of %s needs a location (latitude, longitude)", t.Name)
		}
		return &cloudapi.Component{Type: "header", Parameters: []cloudapi.Parameter{{Type: cloudapi.TypeLocation, Location: p.Location}}}, nil
	}
	if p.Media != nil {
		return nil, fail(CodeMedia, "params.media", "template %s has no media header", t.Name)
	}
	if p.Location != nil {
		return nil, fail(CodeMedia, "params.location", "template %s has no location header", t.Name)
	}
	if spec.HeaderFormat == "" && len(p.Header) > 0 {
		return nil, fail(CodeParamCount, "params.header", "template %s has no header, got %d header values", t.Name, len(p.Header))
	}
	return buildText(t, spec, p, "HEADER")
}

func mediaHeader(spec *Spec, m *Media) (*cloudapi.Component, error) {
	kind := strings.ToLower(spec.HeaderFormat)
	switch {
	case m == nil:
		return nil, fail(CodeMedia, "params.media", "the header needs %s %s: give params.media.link or params.media.id", article(kind), kind)
	case m.Type != "" && !strings.EqualFold(m.Type, kind):
		return nil, fail(CodeMedia, "params.media.type", "the header takes %s %s, not %s", article(kind), kind, m.Type)
	case m.ID == "" && m.Link == "":
		return nil, fail(CodeMedia, "params.media", "the header %s needs a link or an id", kind)
	case m.ID != "" && m.Link != "":
		return nil, fail(CodeMedia, "params.media", "give either a link or an id for the header %s, not both", kind)
	case m.Filename != "" && kind != cloudapi.TypeDocument:
		return nil, fail(CodeMedia, "params.media.filename", "only a document header has a filename")
	}
	if m.Link != "" {
		u, err := url.Parse(m.Link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fail(CodeMedia, "params.media.link", "the header %s link must be an http(s) URL", kind)
		}
	}
	media := &cloudapi.Media{ID: m.ID, Link: m.Link, Filename: m.Filename}
	return &cloudapi.Component{Type: "header", Parameters: []cloudapi.Parameter{{Type: kind, Media: media}}}, nil
}

func article(kind string) string {
	if kind == cloudapi.TypeImage {
		return "an"
	}
	return "a"
}

// buildText fills the variables of the text component part (HEADER or
// BODY); it returns nil when the part has none.
func buildText(t *store.Template, spec *Spec, p Params, part string) (*cloudapi.Component, error) {
	vars, given, field, limit := spec.Body, p.Body, "params.body", MaxBodyText
	if part == "HEADER" {
		vars, given, field, limit = spec.Header, p.Header, "params.header", MaxHeaderText
	}
	lower := strings.ToLower(part)
	values := map[string]string{}
	var params []cloudapi.Parameter
	if spec.Format == Named {
		if len(p.Header) > 0 || len(p.Body) > 0 {
			which := "params.body"
			if len(p.Body) == 0 {
				which = "params.header"
			}
			e := fail(CodeParamFormat, which, "template %s uses named parameters (%s): give them in params.named", t.Name, strings.Join(spec.Names(), ", "))
			e.Options = spec.Names()
			return nil, e
		}
		if err := checkNames(t, spec, p.Named); err != nil {
			return nil, err
		}
		for _, v := range vars {
			val := p.Named[v]
			if err := checkValue("params.named."+v, val, part); err != nil {
				return nil, err
			}
			values[v] = val
			params = append(params, cloudapi.Parameter{Type: "text", Name: v, Text: val})
		}
	} else {
		if len(p.Named) > 0 {
			return nil, fail(CodeParamFormat, "params.named", "template %s uses positional parameters {{1}}, {{2}}, …: give params.header and params.body as lists, not names (%s)", t.Name, strings.Join(slices.Sorted(maps.Keys(p.Named)), ", "))
		}
		if len(given) != len(vars) {
			return nil, fail(CodeParamCount, field, "the %s of %s has %d variable(s), got %d value(s)", lower, t.Name, len(vars), len(given))
		}
		for i, v := range vars {
			if err := checkValue(fmt.Sprintf("%s[%d]", field, i), given[i], part); err != nil {
				return nil, err
			}
			values[v] = given[i]
			params = append(params, cloudapi.Parameter{Type: "text", Text: given[i]})
		}
	}
	if len(vars) == 0 {
		return nil, nil
	}
	filled := placeholder.ReplaceAllStringFunc(componentText(t, part), func(m string) string {
		return values[placeholder.FindStringSubmatch(m)[1]]
	})
	if n := utf8.RuneCountInString(filled); n > limit {
		return nil, fail(CodeParamText, field, "the %s of %s would be %d characters with these values; Meta allows %d", lower, t.Name, n, limit)
	}
	return &cloudapi.Component{Type: lower, Parameters: params}, nil
}

// checkNames reports named values missing from or unknown to the
// template.
func checkNames(t *store.Template, spec *Spec, named map[string]string) error {
	names := spec.Names()
	for _, n := range names {
		if _, ok := named[n]; !ok {
			e := fail(CodeParamMissing, "params.named."+n, "template %s needs the parameter %q (it takes %s)", t.Name, n, strings.Join(names, ", "))
			e.Options = names
			return e
		}
	}
	for _, n := range slices.Sorted(maps.Keys(named)) {
		if !slices.Contains(names, n) {
			e := fail(CodeParamExtra, "params.named."+n, "template %s has no parameter %q (it takes %s)", t.Name, n, strings.Join(orNone(names), ", "))
			e.Options = names
			return e
		}
	}
	return nil
}

func orNone(names []string) []string {
	if len(names) == 0 {
		return []string{"none"}
	}
	return names
}

// checkValue applies Meta's rules for a text value: not empty, and for
// the body and header no newline, tab or more than four spaces in a row.
func checkValue(field, v, part string) error {
	switch {
	case strings.TrimSpace(v) == "":
		return fail(CodeParamText, field, "%s is empty", field)
	case strings.ContainsAny(v, "\n\r"):
		return fail(CodeParamText, field, "%s contains a new line, which Meta refuses in template parameters", field)
	case strings.Contains(v, "\t"):
		return fail(CodeParamText, field, "%s contains a tab, which Meta refuses in template parameters", field)
	case strings.Contains(v, strings.Repeat(" ", MaxBodySpaces+1)):
		return fail(CodeParamText, field, "%s has more than %d spaces in a row, which Meta refuses", field, MaxBodySpaces)
	case part == "HEADER" && utf8.RuneCountInString(v) > MaxHeaderText:
		return fail(CodeParamText, field, "%s is longer than the header's %d characters", field, MaxHeaderText)
	case utf8.RuneCountInString(v) > MaxBodyText:
		return fail(CodeParamText, field, "%s is longer than %d characters", field, MaxBodyText)
	}
	return nil
}

func buildButtons(t *store.Template, spec *Spec, p Params) ([]cloudapi.Component, error) {
	for _, i := range slices.Sorted(maps.Keys(p.Buttons)) {
		if i < 0 || i >= len(spec.Buttons) {
			return nil, fail(CodeParamExtra, "params.buttons."+strconv.Itoa(i), "template %s has %d button(s); there is no button %d", t.Name, len(spec.Buttons), i)
		}
	}
	var out []cloudapi.Component
	for _, b := range spec.Buttons {
		field := "params.buttons." + strconv.Itoa(b.Index)
		val, given := p.Buttons[b.Index]
		switch {
		case b.Index > maxButtonIndex:
			if given {
				return nil, fail(CodeParamExtra, field, "button %d cannot take a value", b.Index)
			}
		case b.Type == "URL" && b.Variable:
			if !given || val == "" {
				return nil, fail(CodeParamMissing, field, "button %d (%q) of %s is a URL ending in a variable: give its value", b.Index, b.Text, t.Name)
			}
			if strings.ContainsAny(val, " \t\r\n") {
				return nil, fail(CodeParamText, field, "the URL variable of button %d contains white space", b.Index)
			}
			if n := utf8.RuneCountInString(buttonURL(t, b.Index)) + utf8.RuneCountInString(val); n > MaxURL {
				return nil, fail(CodeParamText, field, "the URL of button %d would be %d characters; Meta allows %d", b.Index, n, MaxURL)
			}
			out = append(out, cloudapi.Component{Type: "button", SubType: "url", Index: b.Index, Parameters: []cloudapi.Parameter{{Type: "text", Text: val}}})
		case b.Type == "OTP":
			// Authentication templates: the button carries the code.
			if !given || val == "" {
				return nil, fail(CodeParamMissing, field, "button %d of %s copies the one-time code: give the code as its value", b.Index, t.Name)
			}
			if err := checkValue(field, val, "BUTTON"); err != nil {
				return nil, err
			}
			out = append(out, cloudapi.Component{Type: "button", SubType: "url", Index: b.Index, Parameters: []cloudapi.Parameter{{Type: "text", Text: val}}})
		case b.Type == "QUICK_REPLY":
			if !given {
				continue
			}
			if val == "" || utf8.RuneCountInString(val) > MaxPayload {
				return nil, fail(CodeParamText, field, "the payload of button %d must be 1 to %d characters", b.Index, MaxPayload)
			}
			out = append(out, cloudapi.Component{Type: "button", SubType: "quick_reply", Index: b.Index, Parameters: []cloudapi.Parameter{{Type: "payload", Payload: val}}})
		case b.Type == "COPY_CODE":
			if !given || val == "" {
				return nil, fail(CodeParamMissing, field, "button %d of %s copies a coupon code: give the code as its value", b.Index, t.Name)
			}
			if utf8.RuneCountInString(val) > MaxCouponCode || strings.ContainsAny(val, " \t\r\n") {
				return nil, fail(CodeParamText, field, "the coupon code of button %d must be 1 to %d characters without spaces", b.Index, MaxCouponCode)
			}
			out = append(out, cloudapi.Component{Type: "button", SubType: "copy_code", Index: b.Index, Parameters: []cloudapi.Parameter{{Type: "coupon_code", CouponCode: val}}})
		default:
			if given {
				return nil, fail(CodeParamExtra, field, "button %d (%s %q) takes no value", b.Index, strings.ToLower(b.Type), b.Text)
			}
		}
	}
	return out, nil
}

// buttonURL returns the URL of button index of t.
func buttonURL(t *store.Template, index int) string {
	for _, c := range t.Components {
		if strings.EqualFold(c.Type, "BUTTONS") && index < len(c.Buttons) {
			return c.Buttons[index].URL
		}
	}
	return ""
}
