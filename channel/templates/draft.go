package templates

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wachan/wachan/store"
)

// Categories and what Meta means by them (shown to whoever authors a
// template; Meta re-categorizes or rejects a template that does not fit).
var Categories = map[string]string{
	"MARKETING":      "Promotions, offers, product news, newsletters, greetings, invitations: anything that is not utility or authentication.",
	"UTILITY":        "A specific, agreed-upon request or transaction: order, delivery, account, billing and appointment updates the customer expects. No promotional content.",
	"AUTHENTICATION": "One-time passcodes that let customers verify their identity. Meta writes the text; the template only sets its options.",
}

// Draft is a template as wachan's API takes it for creation or edit.
type Draft struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	Category string `json:"category"`
	// ParameterFormat is POSITIONAL ({{1}}) or NAMED ({{first_name}});
	// empty takes the kind of the variables used.
	ParameterFormat string        `json:"parameter_format,omitempty"`
	Header          *DraftHeader  `json:"header,omitempty"`
	Body            DraftBody     `json:"body"`
	Footer          string        `json:"footer,omitempty"`
	Buttons         []DraftButton `json:"buttons,omitempty"`
	// Authentication sets an AUTHENTICATION template's options.
	Authentication *DraftAuth `json:"authentication,omitempty"`
}

// DraftHeader is a template header: TEXT with at most one variable and
// its Example, IMAGE, VIDEO or DOCUMENT with the Handle of a file
// uploaded through POST /channels/:id/templates/media, or LOCATION.
type DraftHeader struct {
	Format  string `json:"format"`
	Text    string `json:"text,omitempty"`
	Example string `json:"example,omitempty"`
	Handle  string `json:"handle,omitempty"`
}

// DraftBody is the body text and a sample value for each variable: a list
// in variable order for positional templates, an object by name for named
// ones.
type DraftBody struct {
	Text     string          `json:"text"`
	Examples json.RawMessage `json:"examples,omitempty"`
}

// DraftButton is one button: QUICK_REPLY (Text), URL (Text and URL, which
// may end in {{1}}, then Example is the sample value of that suffix),
// PHONE_NUMBER (Text and PhoneNumber) or COPY_CODE (Example is a sample
// code).
type DraftButton struct {
	Type        string `json:"type"`
	Text        string `json:"text,omitempty"`
	URL         string `json:"url,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
	Example     string `json:"example,omitempty"`
}

// DraftAuth are the options of an authentication template.
type DraftAuth struct {
	SecurityRecommendation bool `json:"security_recommendation,omitempty"`
	// CodeExpirationMinutes (1 to 90) adds an expiry footer; 0 leaves it
	// out.
	CodeExpirationMinutes int `json:"code_expiration_minutes,omitempty"`
	// OTPType is COPY_CODE (the default); one-tap and zero-tap autofill
	// need an Android app and are not offered.
	OTPType string `json:"otp_type,omitempty"`
}

// normalize upper-cases the enumerations and trims names.
func (d *Draft) normalize() {
	d.Name = strings.TrimSpace(d.Name)
	d.Language = strings.TrimSpace(d.Language)
	d.Category = strings.ToUpper(strings.TrimSpace(d.Category))
	d.ParameterFormat = strings.ToUpper(strings.TrimSpace(d.ParameterFormat))
	if d.Header != nil {
		d.Header.Format = strings.ToUpper(strings.TrimSpace(d.Header.Format))
	}
	for i := range d.Buttons {
		d.Buttons[i].Type = strings.ToUpper(strings.TrimSpace(d.Buttons[i].Type))
	}
	if d.Authentication != nil && d.Authentication.OTPType == "" {
		d.Authentication.OTPType = "COPY_CODE"
	}
}

// rawJSON encodes v for an example.
func rawJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// namedExamples returns the example objects of names.
func namedExamples(names []string, values map[string]string) []map[string]string {
	out := make([]map[string]string, 0, len(names))
	for _, n := range names {
		out = append(out, map[string]string{"param_name": n, "example": values[n]})
	}
	return out
}

// definition returns d, checked, as Meta's creation components and as
// the stored (listed) components. format is the parameter format.
func (d *Draft) definition(format string, ex *draftExamples) (wire []json.RawMessage, stored []store.TemplateComponent) {
	add := func(w any, s store.TemplateComponent) {
		wire = append(wire, rawJSON(w))
		stored = append(stored, s)
	}
	if d.Category == "AUTHENTICATION" {
		a := d.Authentication
		if a == nil {
			a = &DraftAuth{OTPType: "COPY_CODE"}
		}
		text := "{{1}} is your verification code."
		if a.SecurityRecommendation {
			text += " For your security, do not share this code."
		}
		add(map[string]any{"type": "BODY", "add_security_recommendation": a.SecurityRecommendation},
			store.TemplateComponent{Type: "BODY", Text: text})
		if a.CodeExpirationMinutes > 0 {
			add(map[string]any{"type": "FOOTER", "code_expiration_minutes": a.CodeExpirationMinutes},
				store.TemplateComponent{Type: "FOOTER", Text: fmt.Sprintf("This code expires in %d minutes.", a.CodeExpirationMinutes)})
		}
		add(map[string]any{"type": "BUTTONS", "buttons": []map[string]string{{"type": "OTP", "otp_type": a.OTPType}}},
			store.TemplateComponent{Type: "BUTTONS", Buttons: []store.TemplateButton{{Type: "OTP", Text: "Copy code"}}})
		return wire, stored
	}
	if h := d.Header; h != nil {
		c := store.TemplateComponent{Type: "HEADER", Format: h.Format}
		switch h.Format {
		case "TEXT":
			c.Text = h.Text
			if len(ex.header) == 1 {
				if format == Named {
					c.Example = rawJSON(map[string]any{"header_text_named_params": namedExamples(ex.header, ex.named)})
				} else {
					c.Example = rawJSON(map[string]any{"header_text": []string{h.Example}})
				}
			}
		case "IMAGE", "VIDEO", "DOCUMENT":
			c.Example = rawJSON(map[string]any{"header_handle": []string{h.Handle}})
		}
		add(c, c)
	}
	body := store.TemplateComponent{Type: "BODY", Text: d.Body.Text}
	if len(ex.body) > 0 {
		if format == Named {
			body.Example = rawJSON(map[string]any{"body_text_named_params": namedExamples(ex.body, ex.named)})
		} else {
			body.Example = rawJSON(map[string]any{"body_text": [][]string{ex.positional}})
		}
	}
	add(body, body)
	if d.Footer != "" {
		c := store.TemplateComponent{Type: "FOOTER", Text: d.Footer}
		add(c, c)
	}
	if len(d.Buttons) > 0 {
		c := store.TemplateComponent{Type: "BUTTONS"}
		var wb []map[string]any
		for _, b := range d.Buttons {
			sb := store.TemplateButton{Type: b.Type, Text: b.Text, URL: b.URL, PhoneNumber: b.PhoneNumber}
			w := map[string]any{"type": b.Type, "text": b.Text}
			switch b.Type {
			case "URL":
				w["url"] = b.URL
				if strings.HasSuffix(b.URL, "{{1}}") {
					sb.Example = rawJSON([]string{strings.TrimSuffix(b.URL, "{{1}}") + b.Example})
					w["example"] = sb.Example
				}
			case "PHONE_NUMBER":
				w["phone_number"] = b.PhoneNumber
			case "COPY_CODE":
				sb.Text = "Copy offer code"
				sb.Example = rawJSON(b.Example)
				w = map[string]any{"type": b.Type, "example": b.Example}
			}
			c.Buttons = append(c.Buttons, sb)
			wb = append(wb, w)
		}
		wire = append(wire, rawJSON(map[string]any{"type": "BUTTONS", "buttons": wb}))
		stored = append(stored, c)
	}
	return wire, stored
}
