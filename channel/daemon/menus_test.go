package daemon

import (
	"strings"
	"testing"
	"time"
)

// TestChatMenu answers new customers with the channel's menu: a typed
// number and a tapped button route them to the chosen queue or extension,
// a customer who never answers goes to the default after the timeout, and
// out of hours the customer gets the out-of-hours answer and the
// next-day queue.
func TestChatMenu(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"},
		queue("support", "ringall", "1002"), queue("nextday", "ringall", "1003"))
	p.register("1001", "1002", "1003")
	menu := map[string]any{
		"enabled": true, "text": "Hello! Who should answer you?", "timeout_minutes": 5,
		"default": map[string]string{"type": "extension", "id": "1001"},
		"options": []map[string]any{
			{"title": "Sales", "destination": map[string]string{"type": "extension", "id": "1001"}},
			{"title": "Support", "destination": map[string]string{"type": "queue", "id": "support"}},
		},
	}
	var e struct{ Error struct{ Field string } }
	bad := map[string]any{"enabled": true, "text": "Hi", "default": map[string]string{"type": "queue", "id": "nope"},
		"options": []map[string]any{{"title": "Sales", "destination": map[string]string{"type": "extension", "id": "1001"}}}}
	if code := p.do("PUT", "/api/v1/channels/"+p.ch+"/menu", bad, &e); code != 422 || e.Error.Field != "default.id" {
		t.Fatalf("bad menu = %d %+v", code, e)
	}
	if code := p.do("PUT", "/api/v1/channels/"+p.ch+"/menu", menu, nil); code != 200 {
		t.Fatalf("put menu = %d", code)
	}

	// Ann types 2: Support.
	const ann, bob, cat = "447700900001", "447700900002", "447700900003"
	p.customerSays(ann, "Ann Smith", "My order is broken")
	p.waitSentN(t, 1)
	if menuMsg := string(p.graph.Sent(pnid)[0].Raw); !strings.Contains(menuMsg, `1. Sales\n2. Support`) || !strings.Contains(menuMsg, `"id":"menu:2","title":"Support"`) {
		t.Fatalf("menu = %s", menuMsg)
	}
	if ss := p.sessions(""); len(ss) != 0 {
		t.Fatalf("sessions before the answer = %v", ss)
	}
	p.customerSays(ann, "Ann Smith", "2")
	p.waitFor("1002", 0, "(queue support)")

	// Bob taps Sales.
	p.customerSays(bob, "Bob Jones", "Hi")
	p.waitSentN(t, 2)
	body := p.graph.InboundReply(pnid, bob, "Bob Jones", p.graph.Sent(pnid)[1].WAMID, "interactive",
		map[string]any{"type": "button_reply", "button_reply": map[string]string{"id": "menu:1", "title": "Sales"}})
	if code, err := p.graph.DeliverInbound(pnid, body); err != nil || code != 200 {
		t.Fatalf("tap = %d %v", code, err)
	}
	p.waitFor("1001", 0, "Bob Jones")

	// Cat never answers: after the timeout her message reaches the default.
	p.customerSays(cat, "Cat Lee", "Is anyone there?")
	p.waitSentN(t, 3)
	p.clock.Add(6 * time.Minute)
	if err := p.d.menus.Expire(); err != nil {
		t.Fatal(err)
	}
	p.waitFor("1001", 0, "Is anyone there?")

	// Out of hours: the answer and the next-day queue.
	menu["business_hours"] = map[string]any{"time_zone": "Europe/London", "weekly": map[string][]string{},
		"text": "We are closed now; we answer tomorrow from 9:00.", "queue": "nextday"}
	if code := p.do("PUT", "/api/v1/channels/"+p.ch+"/menu", menu, &e); code != 200 {
		t.Fatalf("put hours = %d %+v", code, e)
	}
	p.customerSays("447700900004", "Dan Wu", "Hello?")
	if got := p.waitSent(4); !strings.Contains(got, "We are closed now") {
		t.Fatalf("out-of-hours answer = %q", got)
	}
	p.waitFor("1003", 0, "(queue nextday)")
}
