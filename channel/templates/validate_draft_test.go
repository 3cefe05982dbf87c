package templates_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wachan/wachan/channel/templates"
)

// goodDraft is a named-variable template with an image header and three
// kinds of button.
func goodDraft(handle string) *templates.Draft {
	return &templates.Draft{
		Name: "order_ready", Language: "en_US", Category: "utility",
		Header: &templates.DraftHeader{Format: "image", Handle: handle},
		Body: templates.DraftBody{Text: "Hello {{first_name}}, your order {{order_id}} is ready for pickup today.",
			Examples: json.RawMessage(`{"first_name":"Ann","order_id":"A12"}`)},
		Footer: "Acme Shop",
		Buttons: []templates.DraftButton{
			{Type: "quick_reply", Text: "Thanks"},
			{Type: "URL", Text: "Track", URL: "https://shop.example/t/{{1}}", Example: "A12"},
			{Type: "PHONE_NUMBER", Text: "Call us", PhoneNumber: "+1 555 078 3881"},
		},
	}
}

func TestDraftValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(d *templates.Draft)
		code  string
		field string
		says  string
	}{
		{"valid", func(*templates.Draft) {}, "", "", ""},
		{"name with capitals", func(d *templates.Draft) { d.Name = "Order Ready" }, templates.CodeDraft, "name", "lowercase"},
		{"unknown language", func(d *templates.Draft) { d.Language = "xx_YY" }, templates.CodeDraft, "language", "not one Meta offers"},
		{"old category", func(d *templates.Draft) { d.Category = "TRANSACTIONAL" }, templates.CodeDraft, "category", "agreed-upon request"},
		{"header format", func(d *templates.Draft) { d.Header.Format = "GIFV" }, templates.CodeDraft, "header.format", "TEXT, IMAGE"},
		{"media header without handle", func(d *templates.Draft) { d.Header.Handle = "" }, templates.CodeDraft, "header.handle", "templates/media"},
		{"two header variables", func(d *templates.Draft) {
			d.Header = &templates.DraftHeader{Format: "TEXT", Text: "{{first_name}} {{order_id}}"}
		}, templates.CodeDraft, "header.text", "one variable"},
		{"header variable without sample", func(d *templates.Draft) {
			d.Header = &templates.DraftHeader{Format: "TEXT", Text: "Order {{order_id}}"}
		}, templates.CodeExample, "header.example", "sample"},
		{"body starts with a variable", func(d *templates.Draft) {
			d.Body.Text = "{{first_name}}, your order {{order_id}} is ready for pickup today."
		}, templates.CodeVariablePlace, "body.text", "starts or ends"},
		{"body ends with a variable and a stop", func(d *templates.Draft) {
			d.Body.Text = "Hello there, your order for pickup today is {{order_id}}, {{first_name}}."
		}, templates.CodeVariablePlace, "body.text", "starts or ends"},
		{"too many variables", func(d *templates.Draft) {
			d.Body.Text = "Hi {{first_name}} {{order_id}} ok"
		}, templates.CodeVariableDensity, "body.text", "too many variables"},
		{"mixed variables", func(d *templates.Draft) {
			d.Body.Text = "Hello {{1}}, your order {{order_id}} is ready for pickup today."
		}, templates.CodeDraft, "body.text", "mixes"},
		{"positional gap", func(d *templates.Draft) {
			d.Body = templates.DraftBody{Text: "Hello {{1}}, your order {{3}} is ready for pickup today.", Examples: json.RawMessage(`["a","b"]`)}
		}, templates.CodeDraft, "body.text", "without gaps"},
		{"missing named sample", func(d *templates.Draft) {
			d.Body.Examples = json.RawMessage(`{"first_name":"Ann"}`)
		}, templates.CodeExample, "body.examples.order_id", "{{order_id}}"},
		{"positional samples short", func(d *templates.Draft) {
			d.Body = templates.DraftBody{Text: "Hello {{1}}, your order {{2}} is ready for pickup today.", Examples: json.RawMessage(`["Ann"]`)}
		}, templates.CodeExample, "body.examples", "2 in all"},
		{"footer variable", func(d *templates.Draft) { d.Footer = "Ref {{1}}" }, templates.CodeDraft, "footer", "variables"},
		{"footer too long", func(d *templates.Draft) { d.Footer = strings.Repeat("f", 61) }, templates.CodeDraft, "footer", "at most 60"},
		{"button text too long", func(d *templates.Draft) { d.Buttons[0].Text = strings.Repeat("b", 26) }, templates.CodeDraft, "buttons[0].text", "25"},
		{"url variable inside", func(d *templates.Draft) { d.Buttons[1].URL = "https://shop.example/{{1}}/t" }, templates.CodeDraft, "buttons[1].url", "very end"},
		{"url suffix without sample", func(d *templates.Draft) { d.Buttons[1].Example = "" }, templates.CodeExample, "buttons[1].example", "suffix"},
		{"phone without country code", func(d *templates.Draft) { d.Buttons[2].PhoneNumber = "0783881" }, templates.CodeDraft, "buttons[2].phone_number", "country code"},
		{"quick replies split", func(d *templates.Draft) {
			d.Buttons = append(d.Buttons, templates.DraftButton{Type: "QUICK_REPLY", Text: "Stop"})
		}, templates.CodeDraft, "buttons", "grouped"},
		{"copy code too long", func(d *templates.Draft) {
			d.Buttons = append(d.Buttons, templates.DraftButton{Type: "COPY_CODE", Example: strings.Repeat("C", 16)})
		}, templates.CodeDraft, "buttons[3].example", "15"},
		{"three URL buttons", func(d *templates.Draft) {
			d.Buttons = []templates.DraftButton{{Type: "URL", Text: "a", URL: "https://a.example"}, {Type: "URL", Text: "b", URL: "https://b.example"}, {Type: "URL", Text: "c", URL: "https://c.example"}}
		}, templates.CodeDraft, "buttons", "2 URL"},
		{"authentication with a body", func(d *templates.Draft) { d.Category = "AUTHENTICATION" }, templates.CodeDraft, "header", "no header"},
		{"authentication options elsewhere", func(d *templates.Draft) {
			d.Authentication = &templates.DraftAuth{CodeExpirationMinutes: 5}
		}, templates.CodeDraft, "authentication", "AUTHENTICATION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := goodDraft("4::handle")
			tt.edit(d)
			err := d.Validate()
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			var te *templates.Error
			if !errors.As(err, &te) || te.Code != tt.code || te.Field != tt.field || !strings.Contains(te.Message, tt.says) {
				t.Fatalf("Validate = %#v, want %s at %s saying %q", err, tt.code, tt.field, tt.says)
			}
		})
	}
}

func TestDraftAuthentication(t *testing.T) {
	d := &templates.Draft{Name: "login_code", Language: "en", Category: "AUTHENTICATION",
		Authentication: &templates.DraftAuth{SecurityRecommendation: true, CodeExpirationMinutes: 10}}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	d.Authentication.OTPType = "ONE_TAP"
	var te *templates.Error
	if err := d.Validate(); !errors.As(err, &te) || te.Field != "authentication.otp_type" {
		t.Fatalf("one-tap = %v", err)
	}
}

func FuzzDraftValidate(f *testing.F) {
	f.Add("Hello {{first_name}}, your order {{order_id}} is ready.", `{"first_name":"Ann","order_id":"A12"}`, "https://shop.example/t/{{1}}", "Order {{1}}")
	f.Add("{{1}}", `["a"]`, "https://x/{{1}}{{2}}", "{{}}")
	f.Add("Hi {{ 1 }} and {{2}} {{", `[]`, "ftp://x", "{{a}}{{b}}")
	f.Fuzz(func(t *testing.T, body, examples, url, header string) {
		d := &templates.Draft{Name: "fuzz", Language: "en", Category: "MARKETING",
			Header:  &templates.DraftHeader{Format: "TEXT", Text: header, Example: "x"},
			Body:    templates.DraftBody{Text: body, Examples: json.RawMessage(examples)},
			Buttons: []templates.DraftButton{{Type: "URL", Text: "Go", URL: url, Example: "x"}}}
		err := d.Validate()
		var te *templates.Error
		if err != nil && (!errors.As(err, &te) || te.Field == "" || te.Message == "") {
			t.Fatalf("Validate = %#v: not a field-named error", err)
		}
	})
}
