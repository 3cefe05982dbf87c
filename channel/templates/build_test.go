package templates_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/store"
)

func build(e *env, name, lang string, p templates.Params) (*cloudapi.Message, error) {
	var msg *cloudapi.Message
	err := e.st.View(func(tx *store.Tx) error {
		var err error
		msg, err = templates.Build(tx, channelID, name, lang, p)
		return err
	})
	return msg, err
}

func TestBuildRefusesMismatches(t *testing.T) {
	e := newEnv(t, 0)
	e.seed()
	e.addAuth()
	e.sync(t)
	// A template known only from a webhook.
	if err := e.st.Update(func(tx *store.Tx) error {
		return tx.PutTemplate(&store.Template{ChannelID: channelID, Name: "fresh", Language: "en_US", Status: "APPROVED", Partial: true})
	}); err != nil {
		t.Fatal(err)
	}
	order := templates.Params{Header: []string{"A1"}, Body: []string{"Ann", "A1", "today"}, Buttons: map[int]string{0: "A1"}}
	with := func(edit func(p *templates.Params)) templates.Params {
		p := order
		p.Header = append([]string(nil), order.Header...)
		p.Body = append([]string(nil), order.Body...)
		p.Buttons = map[int]string{0: "A1"}
		edit(&p)
		return p
	}
	tests := []struct {
		name, tpl, lang string
		params          templates.Params
		code, field     string
		say             string // part of the message
		options         []string
	}{
		{"unknown template", "nope", "", templates.Params{}, templates.CodeNotFound, "name", `no template "nope"`, nil},
		{"unknown language", "order_update", "fr", order, templates.CodeLanguageNotFound, "language", "exists in en_US, pt_BR", []string{"en_US", "pt_BR"}},
		{"language needed", "order_update", "", order, templates.CodeLanguageRequired, "language", "en_US, pt_BR", []string{"en_US", "pt_BR"}},
		{"paused", "promo", "", templates.Params{}, templates.CodeNotApproved, "name", "is paused", nil},
		{"webhook only", "fresh", "", templates.Params{}, templates.CodeNotSynced, "name", "sync", nil},
		{"too few body values", "order_update", "en_US", with(func(p *templates.Params) { p.Body = p.Body[:2] }), templates.CodeParamCount, "params.body", "has 3 variable(s), got 2", nil},
		{"too many body values", "plain", "", templates.Params{Body: []string{"x"}}, templates.CodeParamCount, "params.body", "has 0 variable(s), got 1", nil},
		{"header value missing", "order_update", "en_US", with(func(p *templates.Params) { p.Header = nil }), templates.CodeParamCount, "params.header", "header", nil},
		{"header on headerless", "plain", "", templates.Params{Header: []string{"x"}}, templates.CodeParamCount, "params.header", "no header", nil},
		{"names for positional", "order_update", "en_US", with(func(p *templates.Params) { p.Named = map[string]string{"name": "Ann"} }), templates.CodeParamFormat, "params.named", "positional", nil},
		{"list for named", "welcome", "", templates.Params{Body: []string{"Ann", "Acme"}}, templates.CodeParamFormat, "params.body", "first_name, shop", []string{"first_name", "shop"}},
		{"missing name", "welcome", "", templates.Params{Named: map[string]string{"first_name": "Ann"}}, templates.CodeParamMissing, "params.named.shop", `"shop"`, []string{"first_name", "shop"}},
		{"extra name", "welcome", "", templates.Params{Named: map[string]string{"first_name": "Ann", "shop": "Acme", "city": "Rome"}}, templates.CodeParamExtra, "params.named.city", `no parameter "city"`, []string{"first_name", "shop"}},
		{"newline", "order_update", "en_US", with(func(p *templates.Params) { p.Body[0] = "Ann\nSmith" }), templates.CodeParamText, "params.body[0]", "new line", nil},
		{"tab", "order_update", "en_US", with(func(p *templates.Params) { p.Body[1] = "A\t1" }), templates.CodeParamText, "params.body[1]", "tab", nil},
		{"five spaces", "order_update", "en_US", with(func(p *templates.Params) { p.Body[2] = "to     day" }), templates.CodeParamText, "params.body[2]", "4 spaces", nil},
		{"four spaces are fine until the URL", "order_update", "en_US", with(func(p *templates.Params) { p.Body[2] = "to    day"; p.Buttons = nil }), templates.CodeParamMissing, "params.buttons.0", "URL", nil},
		{"empty value", "order_update", "en_US", with(func(p *templates.Params) { p.Body[0] = " " }), templates.CodeParamText, "params.body[0]", "empty", nil},
		{"header too long", "order_update", "en_US", with(func(p *templates.Params) { p.Header[0] = strings.Repeat("x", 61) }), templates.CodeParamText, "params.header[0]", "60", nil},
		{"body too long", "order_update", "en_US", with(func(p *templates.Params) { p.Body[0] = strings.Repeat("x", 1000) }), templates.CodeParamText, "params.body", "1024", nil},
		{"named value with newline", "welcome", "", templates.Params{Named: map[string]string{"first_name": "A\nB", "shop": "Acme"}}, templates.CodeParamText, "params.named.first_name", "new line", nil},
		{"media header missing", "invoice", "", templates.Params{Body: []string{"7"}}, templates.CodeMedia, "params.media", "needs a document", nil},
		{"media header wrong type", "invoice", "", templates.Params{Body: []string{"7"}, Media: &templates.Media{Type: "image", Link: "https://x.example/a.jpg"}}, templates.CodeMedia, "params.media.type", "takes a document, not image", nil},
		{"media link and id", "invoice", "", templates.Params{Body: []string{"7"}, Media: &templates.Media{ID: "1", Link: "https://x.example/a.pdf"}}, templates.CodeMedia, "params.media", "not both", nil},
		{"media link not http", "invoice", "", templates.Params{Body: []string{"7"}, Media: &templates.Media{Link: "ftp://x.example/a.pdf"}}, templates.CodeMedia, "params.media.link", "http", nil},
		{"media on text header", "order_update", "en_US", with(func(p *templates.Params) { p.Media = &templates.Media{Link: "https://x.example/a.jpg"} }), templates.CodeMedia, "params.media", "no media header", nil},
		{"location missing", "visit", "", templates.Params{}, templates.CodeMedia, "params.location", "location", nil},
		{"URL variable missing", "order_update", "en_US", with(func(p *templates.Params) { p.Buttons = nil }), templates.CodeParamMissing, "params.buttons.0", "Track", nil},
		{"URL variable with space", "order_update", "en_US", with(func(p *templates.Params) { p.Buttons[0] = "A 1" }), templates.CodeParamText, "params.buttons.0", "white space", nil},
		{"no such button", "order_update", "en_US", with(func(p *templates.Params) { p.Buttons[5] = "x" }), templates.CodeParamExtra, "params.buttons.5", "no button 5", nil},
		{"button index past the last", "order_update", "pt_BR", templates.Params{Header: []string{"A1"}, Body: []string{"a", "b", "c"}, Buttons: map[int]string{0: "A1", 1: "x"}}, templates.CodeParamExtra, "params.buttons.1", "no button 1", nil},
		{"value for a static button", "visit", "", templates.Params{Location: &cloudapi.Location{Latitude: 1, Longitude: 2}, Buttons: map[int]string{0: "x"}}, templates.CodeParamExtra, "params.buttons.0", `phone_number "Call"`, nil},
		{"one-time code missing", "login_code", "", templates.Params{Body: []string{"123456"}}, templates.CodeParamMissing, "params.buttons.0", "one-time code", nil},
		{"coupon code missing", "coupon", "", templates.Params{}, templates.CodeParamMissing, "params.buttons.0", "coupon code", nil},
		{"coupon code too long", "coupon", "", templates.Params{Buttons: map[int]string{0: "SAVE10SAVE10SAVE10"}}, templates.CodeParamText, "params.buttons.0", "coupon code", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := build(e, tt.tpl, tt.lang, tt.params)
			var te *templates.Error
			if !errors.As(err, &te) {
				t.Fatalf("Build = %+v, %v; want a *templates.Error", msg, err)
			}
			if te.Code != tt.code || te.Field != tt.field || !strings.Contains(te.Message, tt.say) {
				t.Fatalf("error = %s %s %q; want %s %s containing %q", te.Code, te.Field, te.Message, tt.code, tt.field, tt.say)
			}
			if tt.options != nil && strings.Join(te.Options, ",") != strings.Join(tt.options, ",") {
				t.Fatalf("options = %v, want %v", te.Options, tt.options)
			}
		})
	}
}

// TestBuiltTemplatesAcceptedByGraph sends what Build made to the Graph
// emulator, which checks template sends against its own definitions.
func TestBuiltTemplatesAcceptedByGraph(t *testing.T) {
	e := newEnv(t, 0)
	e.seed()
	e.addAuth()
	e.sync(t)
	creds := cloudapi.Creds{PhoneNumberID: testPNID, WABAID: testWABA, Token: testToken}
	tests := []struct {
		name, tpl, lang string
		params          templates.Params
		want            string // part of the request body
	}{
		{"positional with header and URL button", "order_update", "en_US",
			templates.Params{Header: []string{"A1"}, Body: []string{"Ann", "A1", "today"}, Buttons: map[int]string{0: "A1", 1: "stop-A1"}},
			`{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"A1"}]}`},
		{"other language", "order_update", "pt-br",
			templates.Params{Header: []string{"A1"}, Body: []string{"Ana", "A1", "hoje"}, Buttons: map[int]string{0: "A1"}},
			`"language":{"code":"pt_BR"}`},
		{"named, language defaulted", "welcome", "",
			templates.Params{Named: map[string]string{"first_name": "Ann", "shop": "Acme"}},
			`{"type":"text","parameter_name":"first_name","text":"Ann"}`},
		{"document header", "invoice", "en_US",
			templates.Params{Body: []string{"7"}, Media: &templates.Media{Link: "https://files.example/7.pdf", Filename: "7.pdf"}},
			`{"type":"document","document":{"link":"https://files.example/7.pdf","filename":"7.pdf"}}`},
		{"location header", "visit", "",
			templates.Params{Location: &cloudapi.Location{Latitude: 51.5, Longitude: -0.12, Name: "Shop"}},
			`"type":"location"`},
		{"no variables", "plain", "", templates.Params{}, `"name":"plain"`},
		{"authentication code", "login_code", "", templates.Params{Body: []string{"123456"}, Buttons: map[int]string{0: "123456"}},
			`{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"123456"}]}`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := build(e, tt.tpl, tt.lang, tt.params)
			if err != nil {
				t.Fatal(err)
			}
			msg.To = "+447700900001"
			if err := msg.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if _, err := e.client.Send(t.Context(), creds, msg); err != nil {
				t.Fatalf("emulator refused the send: %v", err)
			}
			sent := e.emu.Sent(testPNID)
			if len(sent) != i+1 {
				t.Fatalf("emulator recorded %d sends", len(sent))
			}
			if body := string(sent[i].Raw); !strings.Contains(body, tt.want) {
				t.Fatalf("sent %s; want it to contain %s", body, tt.want)
			}
		})
	}

	// A paused template is refused before Meta; the emulator would have
	// answered 132015.
	if _, err := build(e, "promo", "", templates.Params{}); err == nil {
		t.Fatal("paused template built")
	}
	paused := &cloudapi.Message{To: "+447700900001", Type: cloudapi.TypeTemplate, Template: &cloudapi.TemplateMessage{Name: "promo", Language: "en_US"}}
	var apiErr *cloudapi.APIError
	if _, err := e.client.Send(t.Context(), creds, paused); !errors.As(err, &apiErr) || apiErr.Code != 132015 {
		t.Fatalf("emulator on a paused template: %v", err)
	}
}

func TestBuildNamedComponentsOrder(t *testing.T) {
	e := newEnv(t, 0)
	e.seed()
	e.sync(t)
	msg, err := build(e, "welcome", "en", templates.Params{Named: map[string]string{"shop": "Acme", "first_name": "Ann"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(msg.Template)
	want := `{"name":"welcome","language":{"code":"en"},"components":[{"type":"body","parameters":[{"type":"text","parameter_name":"first_name","text":"Ann"},{"type":"text","parameter_name":"shop","text":"Acme"}]}]}`
	if string(b) != want {
		t.Fatalf("template = %s\nwant       %s", b, want)
	}
}

func TestCouponCodeButton(t *testing.T) {
	e := newEnv(t, 0)
	e.seed()
	e.sync(t)
	msg, err := build(e, "coupon", "", templates.Params{Buttons: map[int]string{0: "SAVE10"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(msg.Template)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"button","sub_type":"copy_code","index":"0","parameters":[{"type":"coupon_code","coupon_code":"SAVE10"}]}`; !strings.Contains(string(b), want) {
		t.Fatalf("template = %s, want %s in it", b, want)
	}
}
