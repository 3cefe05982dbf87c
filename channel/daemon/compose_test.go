package daemon

import (
	"strings"
	"testing"
)

// TestAgentButtonsListAndCannedReplies has an agent send reply buttons, a
// list and a canned reply from a softphone, sees over-limit commands
// explained, and receives the customer's tap on a button.
func TestAgentButtonsListAndCannedReplies(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001")
	addr := "wa-1-" + customer
	p.customerSays(customer, "Ann Smith", "Can you deliver?")
	p.waitFor("1001", 0, "Can you deliver?")
	if code := p.do("PUT", "/api/v1/canned-replies/thanks", map[string]string{"text": "Thanks {{customer.first_name}}, see you soon!"}, nil); code != 200 {
		t.Fatalf("put canned reply = %d", code)
	}

	p.phoneSays("1001", addr, "/buttons Shall we deliver tomorrow? Yes | No | Later")
	p.waitSentN(t, 1)
	p.phoneSays("1001", addr, "/buttons A | B | C | D")
	p.waitFor("1001", 0, "at most 3 buttons")
	p.phoneSays("1001", addr, "/list Sales | Support | Billing")
	p.waitSentN(t, 2)
	p.phoneSays("1001", addr, "/r thanks")
	p.waitSentN(t, 3)
	p.phoneSays("1001", addr, "/r nope")
	p.waitFor("1001", 0, "Canned replies: thanks")

	sent := p.graph.Sent(pnid)
	for i, want := range []string{
		`"interactive":{"type":"button","body":{"text":"Shall we deliver tomorrow?"},"action":{"buttons":[{"type":"reply","reply":{"id":"Yes","title":"Yes"}},{"type":"reply","reply":{"id":"No","title":"No"}},{"type":"reply","reply":{"id":"Later","title":"Later"}}]}}`,
		`"interactive":{"type":"list","body":{"text":"Please choose one:"},"action":{"button":"Choose","sections":[{"rows":[{"id":"Sales","title":"Sales"},{"id":"Support","title":"Support"},{"id":"Billing","title":"Billing"}]}]}}`,
		`"text":{"body":"Thanks Ann, see you soon!"}`,
	} {
		if !strings.Contains(string(sent[i].Raw), want) {
			t.Fatalf("send %d = %s, want %s", i, sent[i].Raw, want)
		}
	}
	// The customer taps Later: the agent's phone shows the answer.
	body := p.graph.InboundReply(pnid, customer, "Ann Smith", sent[0].WAMID, "interactive",
		map[string]any{"type": "button_reply", "button_reply": map[string]string{"id": "Later", "title": "Later"}})
	if code, err := p.graph.DeliverInbound(pnid, body); err != nil || code != 200 {
		t.Fatalf("tap = %d %v", code, err)
	}
	p.waitFor("1001", 0, "Later")
	p.phoneSays("1001", addr, "/help")
	p.waitFor("1001", 0, "/buttons [question?] Yes | No | Later")
}

// waitSentN waits until the Graph emulator accepted n sends.
func (p *pbxHarness) waitSentN(t *testing.T, n int) {
	t.Helper()
	waitSent(t, p.graph, n)
}
