package daemon

import (
	"testing"

	"github.com/wachan/wachan/channel/graphemu"
)

// TestCannedRepliesAPI manages shared and personal canned replies and
// expands one for a customer's conversation.
func TestCannedRepliesAPI(t *testing.T) {
	t.Parallel()
	emu, h, ch := startWithChannel(t, graphemu.Options{Statuses: []string{}})
	_, body := emu.InboundText(pnid, "447700900001", "Ann Smith", "Hello")
	if code, err := emu.DeliverInbound(pnid, body); err != nil || code != 200 {
		t.Fatalf("inbound = %d %v", code, err)
	}
	h.waitStats(ch.ID, func(s stats) bool { return s.Received == 1 })

	for path, text := range map[string]string{
		"/api/v1/canned-replies/hours":            "Hi {{customer.first_name}}, {{channel.name}} opens at 9.",
		"/api/v1/canned-replies/hours?owner=1001": "Hi {{customer.first_name}}, I am in from 10 (ext {{agent.extension}}).",
	} {
		if code := h.do("PUT", path, map[string]string{"text": text}, nil); code != 200 {
			t.Fatalf("put %s = %d", path, code)
		}
	}
	var e struct{ Error struct{ Field string } }
	if code := h.do("PUT", "/api/v1/canned-replies/Bad%20Name", map[string]string{"text": "x"}, &e); code != 422 || e.Error.Field != "shortcut" {
		t.Fatalf("bad shortcut = %d %+v", code, e)
	}
	if code := h.do("PUT", "/api/v1/canned-replies/x", map[string]string{"text": "Hi {{customer.nickname}}"}, &e); code != 422 || e.Error.Field != "text" {
		t.Fatalf("unknown variable = %d %+v", code, e)
	}
	var list struct {
		Shared, Personal []struct{ Shortcut, Text string }
	}
	if code := h.do("GET", "/api/v1/canned-replies?owner=1001", nil, &list); code != 200 || len(list.Shared) != 1 || len(list.Personal) != 1 {
		t.Fatalf("list = %d %+v", code, list)
	}
	var out struct{ Text string }
	for ext, want := range map[string]string{
		"1001": "Hi Ann, I am in from 10 (ext 1001).",
		"1002": "Hi Ann, Sales opens at 9.",
	} {
		if code := h.do("POST", "/api/v1/canned-replies/hours/expand", map[string]string{"channel_id": ch.ID, "customer": "447700900001", "extension": ext}, &out); code != 200 || out.Text != want {
			t.Fatalf("expand for %s = %d %q", ext, code, out.Text)
		}
	}
	if code := h.do("DELETE", "/api/v1/canned-replies/hours?owner=1001", nil, nil); code != 204 {
		t.Fatalf("delete = %d", code)
	}
	if code := h.do("POST", "/api/v1/canned-replies/hours/expand", map[string]string{"extension": "1001"}, &out); code != 200 || out.Text != "Hi, opens at 9." {
		t.Fatalf("expand without conversation = %d %q", code, out.Text)
	}
}
