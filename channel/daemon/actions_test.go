package daemon

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/channel/integration"
)

// TestButtonActionsEndToEnd sets a channel's button actions through the
// API and taps buttons as Meta's webhooks carry them: a template's quick
// reply answering with a text and with a template, a reply button opting
// the customer out, and a list row posting a signed integration event.
func TestButtonActionsEndToEnd(t *testing.T) {
	t.Parallel()
	const waba = "102290129340398"
	emu, h, ch := startWithChannel(t, graphemu.Options{Statuses: []string{}})
	emu.AddTemplate(waba, graphemu.Template{Name: "order_confirmed", Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Thanks {{1}}, your order is confirmed."}}})
	if code := h.do("POST", "/api/v1/channels/"+ch.ID+"/templates/sync", nil, nil); code != 200 {
		t.Fatalf("sync = %d", code)
	}
	sink := newHookSink(t, 0)
	var key struct {
		Secret string `json:"webhook_secret"`
	}
	if code := h.do("POST", "/api/v1/keys", map[string]any{"name": "ERP", "channels": []string{ch.ID}, "webhook_url": sink.url,
		"events": []string{integration.EventButtonAction}}, &key); code != 201 {
		t.Fatalf("create key = %d", code)
	}
	sink.mu.Lock()
	sink.secret = key.Secret
	sink.mu.Unlock()

	base := "/api/v1/channels/" + ch.ID + "/button-actions/"
	for trigger, action := range map[string]map[string]any{
		"HOURS":        {"kind": "text", "text": "We open at 9."},
		"CONFIRM":      {"kind": "template", "template": map[string]any{"name": "order_confirmed", "params": map[string]any{"body": []string{"Ann"}}}},
		"stop":         {"kind": "opt_out"},
		"confirm_SO42": {"kind": "event", "event": "confirm_order"},
	} {
		if code := h.do("PUT", base+trigger, action, nil); code != 200 {
			t.Fatalf("put %s = %d", trigger, code)
		}
	}
	var e struct {
		Error struct{ Code, Field, Message string }
	}
	for _, bad := range []struct {
		action map[string]any
		field  string
	}{
		{map[string]any{"kind": "route", "destination": map[string]string{"type": "queue", "id": "nowhere"}}, "destination.id"},
		{map[string]any{"kind": "template", "template": map[string]any{"name": "order_confirmed"}}, "template.params"},
		{map[string]any{"kind": "template", "template": map[string]any{"name": "missing"}}, "template.name"},
		{map[string]any{"kind": "dance"}, "kind"},
	} {
		if code := h.do("PUT", base+"X", bad.action, &e); code != 422 || e.Error.Field != bad.field {
			t.Fatalf("%v = %d %+v", bad.action, code, e)
		}
	}
	var list struct {
		Actions []struct{ Trigger, Kind string } `json:"button_actions"`
	}
	if code := h.do("GET", "/api/v1/channels/"+ch.ID+"/button-actions", nil, &list); code != 200 || len(list.Actions) != 4 {
		t.Fatalf("list = %d %+v", code, list)
	}

	const customer = "447700900001"
	taps := []struct {
		typ     string
		payload any
	}{
		{"button", map[string]string{"payload": "HOURS", "text": "Opening hours"}},
		{"button", map[string]string{"payload": "CONFIRM", "text": "Confirm"}},
		{"interactive", map[string]any{"type": "list_reply", "list_reply": map[string]string{"id": "confirm_SO42", "title": "Confirm SO42"}}},
		{"interactive", map[string]any{"type": "button_reply", "button_reply": map[string]string{"id": "stop", "title": "Stop promotions"}}},
	}
	for _, tp := range taps {
		body := emu.InboundReply(pnid, customer, "Ann Smith", "wamid.HBgLbusinessmessage", tp.typ, tp.payload)
		if code, err := emu.DeliverInbound(pnid, body); err != nil || code != 200 {
			t.Fatalf("tap = %d %v", code, err)
		}
	}
	sent := waitSent(t, emu, 2)
	var kinds []string
	for _, s := range sent {
		kinds = append(kinds, s.Type)
	}
	if strings.Join(kinds, ",") != "text,template" || !strings.Contains(string(sent[0].Raw), "We open at 9.") || !strings.Contains(string(sent[1].Raw), `"text":"Ann"`) {
		t.Fatalf("answers = %v %s %s", kinds, sent[0].Raw, sent[1].Raw)
	}
	evs := sink.wait(t, "button.action", func(evs []integration.Envelope) bool { return len(evs) == 1 })
	var data struct {
		Event string
		Tap   struct{ Trigger, Kind, Context string }
	}
	if json.Unmarshal(evs[0].Data, &data); evs[0].Event != "button.action" || data.Event != "confirm_order" || data.Tap.Trigger != "confirm_SO42" ||
		data.Tap.Kind != "list_reply" || data.Tap.Context != "wamid.HBgLbusinessmessage" {
		t.Fatalf("event = %+v %s", evs[0], evs[0].Data)
	}
	h.waitStats(ch.ID, func(s stats) bool { return s.Received == 4 })
	var opt struct {
		Word string `json:"word"`
	}
	if code := h.do("GET", "/api/v1/channels/"+ch.ID+"/optouts/"+customer, nil, &opt); code != 200 || opt.Word != "button:stop" {
		t.Fatalf("opt-out = %d %+v", code, opt)
	}
	if code := h.do("DELETE", base+"stop", nil, nil); code != 204 {
		t.Fatalf("delete = %d", code)
	}
}
