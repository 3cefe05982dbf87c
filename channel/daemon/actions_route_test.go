package daemon

import "testing"

// TestButtonRouteAction taps a quick reply whose action routes to a queue:
// the conversation it opens goes to that queue instead of the channel's
// destination.
func TestButtonRouteAction(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"}, queue("billing", "ringall", "1002"))
	p.register("1001", "1002")
	if code := p.do("PUT", "/api/v1/channels/"+p.ch+"/button-actions/BILLING",
		map[string]any{"kind": "route", "destination": map[string]string{"type": "queue", "id": "billing"}}, nil); code != 200 {
		t.Fatalf("put action = %d", code)
	}
	body := p.graph.InboundReply(pnid, customer, "Ann Smith", "wamid.HBgLreminder", "button", map[string]string{"payload": "BILLING", "text": "Talk to billing"})
	if code, err := p.graph.DeliverInbound(pnid, body); err != nil || code != 200 {
		t.Fatalf("tap = %d %v", code, err)
	}
	p.waitFor("1002", 0, "(queue billing)")
	ss := p.sessions("")
	if len(ss) != 1 || ss[0]["queue"] != "billing" {
		t.Fatalf("sessions = %v", ss)
	}
	if p.inboxHas("1001", "Talk to billing") {
		t.Fatal("the channel's destination got the routed conversation")
	}
}
