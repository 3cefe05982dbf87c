package daemon

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/config"
)

// syncTemplate gives the channel an approved template with one value.
func (p *pbxHarness) syncTemplate() {
	p.t.Helper()
	p.graph.AddTemplate("102290129340398", graphemu.Template{Name: "follow_up", Language: "en_US", Status: "APPROVED", Category: "UTILITY",
		ParameterFormat: "POSITIONAL", Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Hello {{1}}, any news on your order?"}}})
	var out map[string]any
	if code := p.do("POST", "/api/v1/channels/"+p.ch+"/templates/sync", nil, &out); code != 200 {
		p.t.Fatalf("template sync = %d %v", code, out)
	}
}

// An agent reaches a number that never wrote, with a template, from the
// softphone; the customer's reply comes back to that agent, not to the
// channel's queue.
func TestAgentStartsConversationWithTemplate(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "queue", "id": "sales"}, queue("sales", "ringall", "1002"))
	p.register("1001", "1002")
	p.syncTemplate()
	const fresh = "447400123456"
	addr := "wa-1-" + fresh

	// Free text to a new number is refused: only a template may open.
	p.phoneSays("1001", addr, "Hi there")
	_, n := p.waitFor("1001", 0, "+447400123456 has never written to Sales, and WhatsApp lets a business start a new conversation only with an approved template: /template <name>")
	// A wrong template says why.
	p.phoneSays("1001", addr, "/template follow_up Ann | extra")
	_, n = p.waitFor("1001", n, "Not sent")
	if c := p.graph.SentCount(pnid); c != 0 {
		t.Fatalf("sent %d before a valid template", c)
	}
	p.phoneSays("1001", addr, "/template follow_up Ann")
	deadline := time.Now().Add(time.Minute)
	for p.graph.SentCount(pnid) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	sent := p.graph.Sent(pnid)
	if len(sent) != 1 || sent[0].Body["to"] != "+"+fresh {
		t.Fatalf("sends = %+v", sent)
	}
	if rej := p.graph.Rejected(pnid); len(rej) != 0 {
		t.Fatalf("emulator rejected: %v", rej)
	}
	// The customer answers: the session is the agent's, 1002 (the queue) is
	// not offered it.
	p.customerSays(fresh, "Zoe", "Yes, it arrived, thanks")
	p.waitFor("1001", n, "Yes, it arrived")
	if p.inboxHas("1002", "Yes, it arrived") {
		t.Fatal("the reply went to the queue instead of the agent who wrote")
	}
	ss := p.sessions("?state=active")
	if len(ss) != 1 || ss[0]["agent"] != "1001" {
		t.Fatalf("sessions = %v", ss)
	}
}

// /send fetches a linked file, checks it and sends it as media; a file
// WhatsApp cannot take is refused with the reason.
func TestAgentSendsFileByLink(t *testing.T) {
	t.Parallel()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/logo.png":
			w.Write(png)
		case "/tool.exe":
			w.Write([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer files.Close()
	p := startPBXWith(t, func(c *config.Config) { c.MediaFetchPrivate = true }, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001")
	addr := "wa-1-" + customer
	p.customerSays(customer, "Ann", "Can you send the logo?")
	_, n := p.waitFor("1001", 0, "send the logo")

	p.phoneSays("1001", addr, "/send "+files.URL+"/tool.exe")
	_, n = p.waitFor("1001", n, "Not sent")
	p.phoneSays("1001", addr, "/send "+files.URL+"/logo.png Our logo")
	deadline := time.Now().Add(time.Minute)
	for p.graph.SentCount(pnid) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	sent := p.graph.Sent(pnid)
	if len(sent) != 1 || sent[0].Body["type"] != "image" {
		t.Fatalf("sends = %+v", sent)
	}
	img, _ := sent[0].Body["image"].(map[string]any)
	if img["caption"] != "Our logo" || img["link"] == nil && img["id"] == nil {
		t.Fatalf("image = %v", img)
	}
	_ = n
}

// A customer who answers STOP is put on the opt-out list before routing:
// the agent is told, and integrations can no longer message them.
func TestOptOutToldToAgentAndRefusedToIntegrations(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001")
	p.customerSays(customer, "Ann", "hello")
	_, n := p.waitFor("1001", 0, "hello")
	p.customerSays(customer, "Ann", "Stop!")
	p.waitFor("1001", n, "This customer opted out (STOP)")

	var out map[string]any
	code := p.do("POST", "/api/v1/messages", map[string]any{"channel_id": p.ch, "to": "+" + customer, "text": "Special offer"}, &out)
	if code != 409 || out["error"].(map[string]any)["code"] != "opted_out" {
		t.Fatalf("send to an opted-out customer = %d %v", code, out)
	}
	if c := p.graph.SentCount(pnid); c != 0 {
		t.Fatalf("sent %d messages to an opted-out customer", c)
	}
	// START lets them back in.
	p.customerSays(customer, "Ann", "start")
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if code = p.do("POST", "/api/v1/messages", map[string]any{"channel_id": p.ch, "to": customer, "text": "Welcome back"}, &out); code == 202 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code != 202 {
		t.Fatalf("send after START = %d %v", code, out)
	}
}
