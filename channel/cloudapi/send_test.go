package cloudapi_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
)

// canonical re-encodes a JSON document so two documents compare by value.
func canonical(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func TestSendBodies(t *testing.T) {
	e := newEnv(t, graphemu.Options{Statuses: []string{}}, nil)
	e.emu.AddTemplate(testWABA, graphemu.Template{
		Name:     "order_update",
		Language: "pt_BR",
		Components: []graphemu.TemplateComponent{
			{Type: "HEADER", Format: "IMAGE"},
			{Type: "BODY", Text: "Olá {{1}}, pedido {{2}}"},
		},
	})
	e.emu.AddTemplate(testWABA, graphemu.Template{
		Name:            "named_hello",
		Language:        "en_US",
		ParameterFormat: "NAMED",
		Components:      []graphemu.TemplateComponent{{Type: "BODY", Text: "Hi {{first_name}}"}},
	})
	const head = `"messaging_product":"whatsapp","recipient_type":"individual","to":"+5511912345678",`
	tests := []struct {
		name string
		msg  cloudapi.Message
		want string
	}{
		{"text", cloudapi.Message{To: "5511912345678", Text: &cloudapi.Text{Body: "Olá, tudo bem?", PreviewURL: true}},
			`{` + head + `"type":"text","text":{"body":"Olá, tudo bem?","preview_url":true}}`},
		{"text reply with callback data", cloudapi.Message{To: "+5511912345678", Type: cloudapi.TypeText, Text: &cloudapi.Text{Body: "yes"}, Context: &cloudapi.Context{MessageID: "wamid.abc"}, BizOpaqueCallbackData: "ticket-42"},
			`{` + head + `"type":"text","text":{"body":"yes"},"context":{"message_id":"wamid.abc"},"biz_opaque_callback_data":"ticket-42"}`},
		{"image by id", cloudapi.Message{To: "5511912345678", Image: &cloudapi.Media{ID: "1234567890", Caption: "receipt"}},
			`{` + head + `"type":"image","image":{"id":"1234567890","caption":"receipt"}}`},
		{"audio by link", cloudapi.Message{To: "5511912345678", Audio: &cloudapi.Media{Link: "https://example.com/a.ogg"}},
			`{` + head + `"type":"audio","audio":{"link":"https://example.com/a.ogg"}}`},
		{"video", cloudapi.Message{To: "5511912345678", Video: &cloudapi.Media{ID: "42", Caption: "clip"}},
			`{` + head + `"type":"video","video":{"id":"42","caption":"clip"}}`},
		{"document", cloudapi.Message{To: "5511912345678", Document: &cloudapi.Media{ID: "43", Caption: "invoice", Filename: "invoice.pdf"}},
			`{` + head + `"type":"document","document":{"id":"43","caption":"invoice","filename":"invoice.pdf"}}`},
		{"sticker", cloudapi.Message{To: "5511912345678", Sticker: &cloudapi.Media{ID: "44"}},
			`{` + head + `"type":"sticker","sticker":{"id":"44"}}`},
		{"location", cloudapi.Message{To: "5511912345678", Location: &cloudapi.Location{Latitude: -23.55, Longitude: -46.63, Name: "Office", Address: "Av. Paulista"}},
			`{` + head + `"type":"location","location":{"latitude":-23.55,"longitude":-46.63,"name":"Office","address":"Av. Paulista"}}`},
		{"contacts", cloudapi.Message{To: "5511912345678", Contacts: []cloudapi.Contact{{
			Name:   cloudapi.ContactName{FormattedName: "Ana Lima", FirstName: "Ana"},
			Phones: []cloudapi.ContactPhone{{Phone: "+55 11 91234-0000", Type: "WORK", WaID: "551191234000"}},
			Emails: []cloudapi.ContactEmail{{Email: "ana@example.com"}},
			Org:    &cloudapi.ContactOrg{Company: "Acme"},
		}}},
			`{` + head + `"type":"contacts","contacts":[{"name":{"formatted_name":"Ana Lima","first_name":"Ana"},"phones":[{"phone":"+55 11 91234-0000","type":"WORK","wa_id":"551191234000"}],"emails":[{"email":"ana@example.com"}],"org":{"company":"Acme"}}]}`},
		{"interactive buttons", cloudapi.Message{To: "5511912345678", Interactive: &cloudapi.Interactive{
			Type:    cloudapi.InteractiveButton,
			Header:  &cloudapi.Header{Type: "text", Text: "Support"},
			Body:    "Was this helpful?",
			Footer:  "Acme",
			Buttons: []cloudapi.Button{{ID: "yes", Title: "Yes"}, {ID: "no", Title: "No"}},
		}},
			`{` + head + `"type":"interactive","interactive":{"type":"button","header":{"type":"text","text":"Support"},"body":{"text":"Was this helpful?"},"footer":{"text":"Acme"},"action":{"buttons":[{"type":"reply","reply":{"id":"yes","title":"Yes"}},{"type":"reply","reply":{"id":"no","title":"No"}}]}}}`},
		{"interactive image header", cloudapi.Message{To: "5511912345678", Interactive: &cloudapi.Interactive{
			Type:    cloudapi.InteractiveButton,
			Header:  &cloudapi.Header{Type: "image", Media: &cloudapi.Media{ID: "55"}},
			Body:    "Pick",
			Buttons: []cloudapi.Button{{ID: "a", Title: "A"}},
		}},
			`{` + head + `"type":"interactive","interactive":{"type":"button","header":{"type":"image","image":{"id":"55"}},"body":{"text":"Pick"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}}]}}}`},
		{"interactive list", cloudapi.Message{To: "5511912345678", Interactive: &cloudapi.Interactive{
			Type:   cloudapi.InteractiveList,
			Body:   "Choose a department",
			Button: "Departments",
			Sections: []cloudapi.Section{
				{Title: "Sales", Rows: []cloudapi.Row{{ID: "s1", Title: "New order", Description: "Buy something"}}},
				{Title: "Support", Rows: []cloudapi.Row{{ID: "t1", Title: "Broken item"}}},
			},
		}},
			`{` + head + `"type":"interactive","interactive":{"type":"list","body":{"text":"Choose a department"},"action":{"button":"Departments","sections":[{"title":"Sales","rows":[{"id":"s1","title":"New order","description":"Buy something"}]},{"title":"Support","rows":[{"id":"t1","title":"Broken item"}]}]}}}`},
		{"interactive cta url", cloudapi.Message{To: "5511912345678", Interactive: &cloudapi.Interactive{
			Type: cloudapi.InteractiveCTAURL,
			Body: "Tap to see the dates.",
			CTA:  &cloudapi.CTA{DisplayText: "See dates", URL: "https://shop.example/dates"},
		}},
			`{` + head + `"type":"interactive","interactive":{"type":"cta_url","body":{"text":"Tap to see the dates."},"action":{"name":"cta_url","parameters":{"display_text":"See dates","url":"https://shop.example/dates"}}}}`},
		{"interactive location request", cloudapi.Message{To: "5511912345678", Interactive: &cloudapi.Interactive{
			Type: cloudapi.InteractiveLocationRequest,
			Body: "Where should we deliver?",
		}},
			`{` + head + `"type":"interactive","interactive":{"type":"location_request_message","body":{"text":"Where should we deliver?"},"action":{"name":"send_location"}}}`},
		{"template positional with media header and button", cloudapi.Message{To: "5511912345678", Template: &cloudapi.TemplateMessage{
			Name:     "order_update",
			Language: "pt_BR",
			Components: []cloudapi.Component{
				{Type: "header", Parameters: []cloudapi.Parameter{{Type: "image", Media: &cloudapi.Media{Link: "https://example.com/p.jpg"}}}},
				{Type: "body", Parameters: []cloudapi.Parameter{{Type: "text", Text: "Ana"}, {Type: "text", Text: "#123"}}},
				{Type: "button", SubType: "quick_reply", Index: 0, Parameters: []cloudapi.Parameter{{Type: "payload", Payload: "TRACK_123"}}},
			},
		}},
			`{` + head + `"type":"template","template":{"name":"order_update","language":{"code":"pt_BR"},"components":[{"type":"header","parameters":[{"type":"image","image":{"link":"https://example.com/p.jpg"}}]},{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"#123"}]},{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"TRACK_123"}]}]}}`},
		{"template named", cloudapi.Message{To: "5511912345678", Template: &cloudapi.TemplateMessage{
			Name: "named_hello", Language: "en_US",
			Components: []cloudapi.Component{{Type: "body", Parameters: []cloudapi.Parameter{{Type: "text", Name: "first_name", Text: "Ana"}}}},
		}},
			`{` + head + `"type":"template","template":{"name":"named_hello","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","parameter_name":"first_name","text":"Ana"}]}]}}`},
		{"reaction", cloudapi.Message{To: "5511912345678", Reaction: &cloudapi.Reaction{MessageID: "wamid.xyz", Emoji: "👍"}},
			`{` + head + `"type":"reaction","reaction":{"message_id":"wamid.xyz","emoji":"👍"}}`},
		{"reaction removed", cloudapi.Message{To: "5511912345678", Reaction: &cloudapi.Reaction{MessageID: "wamid.xyz"}},
			`{` + head + `"type":"reaction","reaction":{"message_id":"wamid.xyz","emoji":""}}`},
		{"by business-scoped user id", cloudapi.Message{Recipient: "US.13491208655302741918", Text: &cloudapi.Text{Body: "hi"}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","recipient":"US.13491208655302741918","type":"text","text":{"body":"hi"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.emu.SentCount(testPNID)
			sent, err := e.client.Send(t.Context(), e.creds, &tt.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			all := e.emu.Sent(testPNID)
			if len(all) != before+1 {
				t.Fatalf("emulator recorded %d messages, want %d", len(all), before+1)
			}
			got := all[len(all)-1]
			if got.WAMID != sent.WAMID || !strings.HasPrefix(sent.WAMID, "wamid.") {
				t.Errorf("wamid %q, emulator recorded %q", sent.WAMID, got.WAMID)
			}
			if sent.MessageStatus != "accepted" {
				t.Errorf("message status %q, want accepted", sent.MessageStatus)
			}
			if tt.msg.To != "" && sent.WaID != "5511912345678" {
				t.Errorf("wa_id %q, want 5511912345678", sent.WaID)
			}
			if g, w := canonical(t, got.Raw), canonical(t, []byte(tt.want)); g != w {
				t.Errorf("body received by the emulator:\n got %s\nwant %s", g, w)
			}
		})
	}
}

func TestSendValidatesBeforeCalling(t *testing.T) {
	e := newEnv(t, graphemu.Options{}, nil)
	_, err := e.client.Send(t.Context(), e.creds, &cloudapi.Message{To: "5511912345678", Text: &cloudapi.Text{}})
	var ve *cloudapi.ValidationError
	if !errors.As(err, &ve) || ve.Field != "text.body" {
		t.Fatalf("error %v, want a ValidationError on text.body", err)
	}
	if n := e.emu.SentCount(testPNID); n != 0 {
		t.Fatalf("emulator got %d messages, want none", n)
	}
	if cloudapi.ClassOf(err) != cloudapi.Never {
		t.Errorf("class %v, want never", cloudapi.ClassOf(err))
	}
}

func TestMarkRead(t *testing.T) {
	e := newEnv(t, graphemu.Options{}, nil)
	wamid, _ := e.emu.InboundText(testPNID, "5511912345678", "Ana", "oi")
	if err := e.client.MarkRead(t.Context(), e.creds, wamid, true); err != nil {
		t.Fatalf("MarkRead: %v", err)
	}
	if err := e.client.MarkRead(t.Context(), e.creds, wamid, false); err != nil {
		t.Fatalf("MarkRead without typing: %v", err)
	}
	reads := e.emu.Reads(testPNID)
	if len(reads) != 2 || reads[0].MessageID != wamid || !reads[0].Typing || reads[1].Typing {
		t.Fatalf("reads %+v", reads)
	}
	err := e.client.MarkRead(t.Context(), e.creds, "wamid.unknown", false)
	var apiErr *cloudapi.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 100 || apiErr.Subcode != 33 {
		t.Fatalf("unknown wamid: %v, want 100/33", err)
	}
}
