package daemon

import (
	"strings"
	"testing"
)

// Meta's test business numbers (+1 555 …) and customers on such numbers
// are ordinary numbers: a channel takes one, customers on one write and
// are answered, and an agent can address a new one.
func TestMetaTestNumberEndToEnd(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001")
	var ch map[string]any
	if code := p.do("PATCH", "/api/v1/channels/"+p.ch, map[string]any{"number": "+1 555-025-3483"}, &ch); code != 200 || ch["number"] != "+15550253483" {
		t.Fatalf("PATCH number = %d %v", code, ch)
	}

	const testCustomer = "15551234567"
	p.customerSays(testCustomer, "Tess", "Hello from a test phone")
	got, n := p.waitFor("1001", 0, "Hello from a test phone")
	addr := "wa-1-" + testCustomer
	if got.From != `"Tess (WhatsApp)" <sip:`+addr+`@127.0.0.1>` {
		t.Fatalf("message from %q, want address %s", got.From, addr)
	}
	p.phoneSays("1001", addr, "Hi Tess")
	if text := p.waitSent(1); text != "Hi Tess" {
		t.Fatalf("sent %q", text)
	}
	if sent := p.graph.Sent(pnid); sent[0].To != "+"+testCustomer {
		t.Fatalf("sent to %q", sent[0].To)
	}

	// A new 555 number is a number: only the window stops free text.
	p.phoneSays("1001", "wa-1-15559876543", "Hi")
	_, n = p.waitFor("1001", n, "start a new conversation only with an approved template")
	// What cannot be a number is refused with the reason.
	p.phoneSays("1001", "wa-1-4412", "Hi")
	_, n = p.waitFor("1001", n, "too short for a number of country code +44")
	p.phoneSays("1001", "wa-1-4407700900123", "Hi")
	p.waitFor("1001", n, "write to wa-1-447700900123")
	if c := p.graph.SentCount(pnid); c != 1 {
		t.Fatalf("sent %d messages, want only the answer", c)
	}
}

// A phone number id belongs to one channel: creating or editing another
// channel onto it answers 409 naming the channel that has it.
func TestDuplicatePhoneNumberID(t *testing.T) {
	t.Parallel()
	h := start(t, testConfig(t, "http://127.0.0.1:1"))
	var a map[string]any
	if code := h.do("POST", "/api/v1/channels", newChannelBody(), &a); code != 201 {
		t.Fatalf("create = %d %v", code, a)
	}
	type apiErr struct {
		Error struct{ Code, Message, Field string }
	}
	check := func(what string, code int, e apiErr) {
		t.Helper()
		if code != 409 || e.Error.Code != "duplicate" || e.Error.Field != "phone_number_id" ||
			!strings.Contains(e.Error.Message, `channel "Sales" (id `+a["id"].(string)+`)`) {
			t.Fatalf("%s = %d %+v", what, code, e.Error)
		}
	}
	second := newChannelBody()
	second["name"] = "Support"
	var e apiErr
	check("second channel on the same number", h.do("POST", "/api/v1/channels", second, &e), e)

	second["phone_number_id"] = "106540352242923"
	var b map[string]any
	if code := h.do("POST", "/api/v1/channels", second, &b); code != 201 {
		t.Fatalf("create another number = %d %v", code, b)
	}
	e = apiErr{}
	check("moving it onto the first number", h.do("PATCH", "/api/v1/channels/"+b["id"].(string), map[string]any{"phone_number_id": pnid}, &e), e)
	// Saving a channel unchanged is not a conflict with itself.
	if code := h.do("PATCH", "/api/v1/channels/"+a["id"].(string), map[string]any{"phone_number_id": pnid}, nil); code != 200 {
		t.Fatalf("PATCH unchanged = %d", code)
	}
	var list struct{ Channels []map[string]any }
	h.do("GET", "/api/v1/channels", nil, &list)
	if len(list.Channels) != 2 || list.Channels[0]["phone_number_id"] == list.Channels[1]["phone_number_id"] {
		t.Fatalf("channels = %v", list.Channels)
	}
}
