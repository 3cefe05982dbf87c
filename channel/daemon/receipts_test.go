package daemon

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
)

// TestCustomerMessagesMarkedRead: a customer's messages get their blue
// ticks once the agent has seen them (a reply went out, or the
// conversation is open in the console), not when a phone merely received
// them; only the newest is marked, once.
func TestCustomerMessagesMarkedRead(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001")
	admin := signIn(t, p.base, "admin", "", adminToken)
	admin.addAgent("1001")
	agent := signIn(t, p.base, "agent", "1001", "agent-pass-1001")
	say := func(text string) string {
		t.Helper()
		wamid, body := p.graph.InboundText(pnid, customer, "Ann", text)
		if code, err := p.graph.DeliverInbound(pnid, body); err != nil || code != 200 {
			t.Fatalf("inbound webhook = %d, %v", code, err)
		}
		return wamid
	}
	waitReads := func(n int) []graphemu.ReadReceipt {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if r := p.graph.Reads(pnid); len(r) >= n {
				return r
			}
		}
		t.Fatalf("%d messages marked read, want %d", len(p.graph.Reads(pnid)), n)
		return nil
	}

	say("First question")
	p.waitFor("1001", 0, "First question")
	second := say("Second question")
	p.waitFor("1001", 1, "Second question")
	if r := p.graph.Reads(pnid); len(r) != 0 {
		t.Fatalf("messages a phone received were marked read: %+v", r)
	}
	// The agent answers from the phone: the newest message is marked
	// read (WhatsApp then shows the earlier ones read too).
	p.phoneSays("1001", "wa-1-"+customer, "Answer")
	p.waitSent(1)
	if r := waitReads(1); r[0].MessageID != second || r[0].Typing {
		t.Fatalf("read receipts = %+v, want %s", r, second)
	}
	id := p.waitFirstSession()

	// Open in the console, a new message is marked read as it shows.
	thread := agent.open(fmt.Sprintf("/agent/events?view=conversation&id=%d", id))
	thread.WaitFor(t, "Answer")
	third := say("Third question")
	thread.WaitFor(t, "Third question")
	if r := waitReads(2); r[1].MessageID != third {
		t.Fatalf("read receipts = %+v, want %s second", r, third)
	}
	// Seeing it again, or answering, marks nothing twice.
	if code, page := agent.get(fmt.Sprintf("/agent/c/%d", id)); code != 200 || !strings.Contains(page, "Third question") {
		t.Fatalf("conversation page = %d", code)
	}
	p.phoneSays("1001", "wa-1-"+customer, "Another answer")
	p.waitSent(2)
	fourth := say("Fourth question")
	thread.WaitFor(t, "Fourth question")
	r := waitReads(3)
	if len(r) != 3 || r[2].MessageID != fourth {
		t.Fatalf("read receipts = %+v, want 3, the last %s", r, fourth)
	}
	// The session's timeline says when each was marked read (stored once
	// Meta has answered).
	admin2 := signIn(t, p.base, "admin", "", adminToken)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		_, page := admin2.get(fmt.Sprintf("/admin/sessions/%d", id))
		if n := strings.Count(page, "marked read"); n == 3 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("timeline shows %d messages marked read, want 3:\n%s", n, page)
		}
	}
}
