package templates_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/store"
)

const (
	testPNID  = "106540352242922"
	testWABA  = "102290129340398"
	testToken = "EAAG-test-token-not-real"
	channelID = "sales"
)

// env is a real store, a Graph emulator on loopback and a Service.
type env struct {
	st     *store.Store
	emu    *graphemu.Server
	client *cloudapi.Client
	svc    *templates.Service
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEnv(t testing.TB, pageSize int) *env {
	t.Helper()
	emu := graphemu.New(graphemu.Options{Version: "v25.0", TemplatePageSize: pageSize})
	t.Cleanup(func() { emu.Close() })
	if err := emu.AddNumber(graphemu.Number{PhoneNumberID: testPNID, WABAID: testWABA, DisplayPhoneNumber: "+1 555-078-3881", Token: testToken, AppSecret: "s"}); err != nil {
		t.Fatal(err)
	}
	base, err := emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.TempDir(), store.Options{Timeout: time.Second}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	hc := &http.Client{Timeout: time.Minute}
	t.Cleanup(hc.CloseIdleConnections)
	client := cloudapi.New(cloudapi.Options{BaseURL: base, Version: "v25.0", HTTP: hc})
	e := &env{st: st, emu: emu, client: client, svc: templates.New(st, client, quiet(), templates.Options{})}
	e.addChannel(t, channelID, testWABA)
	return e
}

func (e *env) addChannel(t testing.TB, id, waba string) {
	t.Helper()
	err := e.st.Update(func(tx *store.Tx) error {
		return tx.PutChannel(&store.Channel{ID: id, Name: id, PhoneNumberID: testPNID, WABAID: waba, AccessToken: testToken})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// catalogue is the emulator's account: every header kind, named and
// positional parameters, URL, quick-reply and copy-code buttons.
func catalogue() []graphemu.Template {
	return []graphemu.Template{
		{ID: "1001", Name: "order_update", Language: "en_US", Components: []graphemu.TemplateComponent{
			{Type: "HEADER", Format: "TEXT", Text: "Order {{1}}", Example: raw(`{"header_text":["A1"]}`)},
			{Type: "BODY", Text: "Hi {{1}}, your order {{2}} ships {{3}}.", Example: raw(`{"body_text":[["Ann","A1","today"]]}`)},
			{Type: "FOOTER", Text: "Acme"},
			{Type: "BUTTONS", Buttons: []graphemu.TemplateButton{
				{Type: "URL", Text: "Track", URL: "https://shop.example/track/{{1}}", Example: raw(`["https://shop.example/track/A1"]`)},
				{Type: "QUICK_REPLY", Text: "Stop"},
			}},
		}, QualityScore: &graphemu.TemplateQuality{Score: "GREEN"}},
		{ID: "1002", Name: "order_update", Language: "pt_BR", Components: []graphemu.TemplateComponent{
			{Type: "HEADER", Format: "TEXT", Text: "Pedido {{1}}"},
			{Type: "BODY", Text: "Olá {{1}}, o pedido {{2}} sai {{3}}."},
			{Type: "BUTTONS", Buttons: []graphemu.TemplateButton{{Type: "URL", Text: "Rastrear", URL: "https://shop.example/track/{{1}}"}}},
		}},
		{ID: "1003", Name: "welcome", Language: "en", ParameterFormat: "NAMED", Category: "MARKETING", Components: []graphemu.TemplateComponent{
			{Type: "BODY", Text: "Hello {{first_name}}, welcome to {{shop}}! {{first_name}}, enjoy.",
				Example: raw(`{"body_text_named_params":[{"param_name":"first_name","example":"Ann"},{"param_name":"shop","example":"Acme"}]}`)},
		}},
		{ID: "1004", Name: "invoice", Language: "en_US", Components: []graphemu.TemplateComponent{
			{Type: "HEADER", Format: "DOCUMENT", Example: raw(`{"header_handle":["https://files.example/i.pdf"]}`)},
			{Type: "BODY", Text: "Invoice {{1}} attached."},
		}},
		{ID: "1005", Name: "promo", Language: "en_US", Status: "PAUSED", Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Sale!"}}},
		{ID: "1006", Name: "coupon", Language: "en_US", Components: []graphemu.TemplateComponent{
			{Type: "BODY", Text: "Your code is ready."},
			{Type: "BUTTONS", Buttons: []graphemu.TemplateButton{{Type: "COPY_CODE", Text: "Copy", Example: raw(`"SAVE10"`)}}},
		}},
		{ID: "1007", Name: "visit", Language: "en_US", Components: []graphemu.TemplateComponent{
			{Type: "HEADER", Format: "LOCATION"},
			{Type: "BODY", Text: "We are here."},
			{Type: "BUTTONS", Buttons: []graphemu.TemplateButton{{Type: "PHONE_NUMBER", Text: "Call", PhoneNumber: "+15550783881"}}},
		}},
		{ID: "1008", Name: "plain", Language: "en_US", Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Thanks for writing."}}},
	}
}

func (e *env) seed() {
	for _, tpl := range catalogue() {
		e.emu.AddTemplate(testWABA, tpl)
	}
}

func (e *env) sync(t testing.TB) *templates.Result {
	t.Helper()
	res, err := e.svc.Sync(t.Context(), channelID)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (e *env) template(t testing.TB, name, lang string) *store.Template {
	t.Helper()
	var tpl *store.Template
	err := e.st.View(func(tx *store.Tx) error {
		var err error
		tpl, err = tx.Template(channelID, name, lang)
		return err
	})
	if err != nil {
		t.Fatalf("template %s/%s: %v", name, lang, err)
	}
	return tpl
}

// addAuth adds an authentication template whose OTP button carries the
// code.
func (e *env) addAuth() {
	e.emu.AddTemplate(testWABA, graphemu.Template{ID: "3001", Name: "login_code", Language: "en_US", Category: "AUTHENTICATION", Components: []graphemu.TemplateComponent{
		{Type: "BODY", Text: "{{1}} is your verification code."},
		{Type: "BUTTONS", Buttons: []graphemu.TemplateButton{{Type: "OTP", Text: "Copy code"}}},
	}})
}
