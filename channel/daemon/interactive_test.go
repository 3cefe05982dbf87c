package daemon

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/store"
)

// TestInteractiveEndToEnd sends reply buttons, a list, a call-to-action
// button, a location request and a location through the API, sees
// messages over WhatsApp's limits refused naming the field, and receives
// the customer's button and list answers as Meta's webhooks carry them.
func TestInteractiveEndToEnd(t *testing.T) {
	t.Parallel()
	emu, h, ch := startWithChannel(t, graphemu.Options{Statuses: []string{}})
	const customer = "447700900001"
	send := func(kind string, v any) (int, map[string]any) {
		var out map[string]any
		code := h.do("POST", "/api/v1/messages", map[string]any{"channel_id": ch.ID, "to": customer, kind: v}, &out)
		return code, out
	}
	buttons := map[string]any{"type": "button", "body": "Shall we deliver tomorrow?",
		"buttons": []map[string]string{{"id": "yes", "title": "Yes"}, {"title": "No"}, {"id": "later", "title": "Later"}}}

	// Free-form messages need the customer's service window.
	if code, out := send("interactive", buttons); code != 409 {
		t.Fatalf("outside the window = %d %v", code, out)
	}
	_, body := emu.InboundText(pnid, customer, "Ann Smith", "Hello")
	if code, err := emu.DeliverInbound(pnid, body); err != nil || code != 200 {
		t.Fatalf("inbound = %d %v", code, err)
	}
	h.waitStats(ch.ID, func(s stats) bool { return s.Received == 1 })

	rows := func(prefix string, n int) []map[string]string {
		var out []map[string]string
		for i := range n {
			out = append(out, map[string]string{"id": fmt.Sprint(prefix, i), "title": fmt.Sprint("Row ", prefix, i)})
		}
		return out
	}
	refused := []struct {
		name  string
		kind  string
		v     any
		field string
	}{
		{"four buttons", "interactive", map[string]any{"type": "button", "body": "Pick",
			"buttons": []map[string]string{{"title": "A"}, {"title": "B"}, {"title": "C"}, {"title": "D"}}}, "interactive.buttons"},
		{"long title", "interactive", map[string]any{"type": "button", "body": "Pick",
			"buttons": []map[string]string{{"title": strings.Repeat("t", 21)}}}, "interactive.buttons[0].title"},
		{"same title twice", "interactive", map[string]any{"type": "button", "body": "Pick",
			"buttons": []map[string]string{{"id": "a", "title": "A"}, {"id": "b", "title": "A"}}}, "interactive.buttons[1].title"},
		{"eleven rows", "interactive", map[string]any{"type": "list", "body": "Pick", "button": "Menu",
			"sections": []map[string]any{{"title": "One", "rows": rows("a", 6)}, {"title": "Two", "rows": rows("b", 5)}}}, "interactive.sections[1].rows[4]"},
		{"untitled section among two", "interactive", map[string]any{"type": "list", "body": "Pick", "button": "Menu",
			"sections": []map[string]any{{"title": "One", "rows": rows("a", 1)}, {"rows": []map[string]string{{"id": "x", "title": "X"}}}}}, "interactive.sections[1].title"},
		{"long row title", "interactive", map[string]any{"type": "list", "body": "Pick", "button": "Menu",
			"sections": []map[string]any{{"rows": []map[string]string{{"title": strings.Repeat("r", 25)}}}}}, "interactive.sections[0].rows[0].title"},
		{"cta without url", "interactive", map[string]any{"type": "cta_url", "body": "See", "display_text": "Open"}, "interactive.url"},
		{"no body", "interactive", map[string]any{"type": "location_request"}, "interactive.body"},
		{"latitude", "location", map[string]any{"latitude": 91, "longitude": 0}, "location.latitude"},
	}
	for _, tt := range refused {
		code, out := send(tt.kind, tt.v)
		e, _ := out["error"].(map[string]any)
		if code != 422 || e["field"] != tt.field {
			t.Fatalf("%s = %d %v, want field %s", tt.name, code, out, tt.field)
		}
	}
	if n := emu.SentCount(pnid); n != 0 {
		t.Fatalf("refused messages reached Meta: %d", n)
	}

	list := map[string]any{"type": "list", "header": map[string]string{"type": "text", "text": "Departments"},
		"body": "Who should answer you?", "footer": "Acme", "button": "Choose",
		"sections": []map[string]any{
			{"title": "Shop", "rows": []map[string]string{{"id": "sales", "title": "Sales", "description": "Orders and quotes"}}},
			{"title": "After sales", "rows": []map[string]string{{"id": "support", "title": "Support"}, {"id": "billing", "title": "Billing"}}},
		}}
	for _, m := range []struct {
		kind string
		v    any
	}{
		{"interactive", buttons},
		{"interactive", list},
		{"interactive", map[string]any{"type": "cta_url", "header": map[string]string{"type": "image", "link": "https://shop.example/front.png"},
			"body": "Your order is ready.", "display_text": "Track order", "url": "https://shop.example/t/A12"}},
		{"interactive", map[string]any{"type": "location_request", "body": "Where should we deliver?"}},
		{"location", map[string]any{"latitude": 51.5072, "longitude": -0.1276, "name": "Shop", "address": "1 High St"}},
	} {
		if code, out := send(m.kind, m.v); code != 202 {
			t.Fatalf("send %v = %d %v", m.v, code, out)
		}
	}
	sent := waitSent(t, emu, 5)
	var wire []struct {
		Type        string
		Interactive struct {
			Type   string
			Action json.RawMessage
		}
	}
	for _, s := range sent {
		var w struct {
			Type        string
			Interactive struct {
				Type   string
				Action json.RawMessage
			}
		}
		if err := json.Unmarshal(s.Raw, &w); err != nil {
			t.Fatal(err)
		}
		wire = append(wire, w)
	}
	kinds := []string{}
	for _, w := range wire {
		kinds = append(kinds, w.Type+"/"+w.Interactive.Type)
	}
	if got := strings.Join(kinds, ","); got != "interactive/button,interactive/list,interactive/cta_url,interactive/location_request_message,location/" {
		t.Fatalf("sent kinds = %s", got)
	}
	if a := string(wire[0].Interactive.Action); !strings.Contains(a, `{"id":"No","title":"No"}`) || !strings.Contains(a, `{"id":"yes","title":"Yes"}`) {
		t.Fatalf("buttons action = %s", a)
	}

	// The customer taps a button, then picks a row: the answers come back
	// as Meta's interactive webhooks, replying to the messages sent.
	for _, reply := range []struct {
		to      string
		payload map[string]any
	}{
		{sent[0].WAMID, map[string]any{"type": "button_reply", "button_reply": map[string]string{"id": "later", "title": "Later"}}},
		{sent[1].WAMID, map[string]any{"type": "list_reply", "list_reply": map[string]string{"id": "billing", "title": "Billing"}}},
	} {
		body := emu.InboundReply(pnid, customer, "Ann Smith", reply.to, "interactive", reply.payload)
		if code, err := emu.DeliverInbound(pnid, body); err != nil || code != 200 {
			t.Fatalf("reply webhook = %d %v", code, err)
		}
	}
	h.waitStats(ch.ID, func(s stats) bool { return s.Received == 3 })
	h.stop()
	st, err := store.Open(h.cfg.DataDir, store.Options{Timeout: time.Second}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var convo []string
	err = st.View(func(tx *store.Tx) error {
		return tx.Messages(0, func(m *store.Message) bool {
			if m.ChannelID == ch.ID {
				convo = append(convo, m.Direction+" "+m.Type+": "+m.Text)
			}
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(convo, "\n")
	for _, want := range []string{
		"out interactive: Shall we deliver tomorrow? [Yes | No | Later]",
		"out interactive: Who should answer you? [Sales | Support | Billing]",
		"in interactive: [button] Later", "in interactive: [list] Billing",
	} {
		if !strings.Contains(got, want) {
			t.Fatalf("conversation lacks %q:\n%s", want, got)
		}
	}
}
