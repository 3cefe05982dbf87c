package daemon

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestConsoleReplyRetrying: a reply WhatsApp does not take for now shows
// in the console as waiting for its next attempt, and each further failed
// attempt updates the live thread.
func TestConsoleReplyRetrying(t *testing.T) {
	t.Parallel()
	p := startConsoleOnly(t, map[string]string{"type": "extension", "id": "1001"})
	admin := signIn(t, p.base, "admin", "", adminToken)
	if code, _ := admin.post("/admin/users", url.Values{"role": {"agent"}, "name": {"1001"}, "password": {"agent-pass-1001"}}); code != 200 {
		t.Fatalf("creating agent = %d", code)
	}
	agent := signIn(t, p.base, "agent", "1001", "agent-pass-1001")
	p.customerSays(customer, "Ann", "Hello?")
	var id uint64
	poll(t, "a session", func() bool {
		if ss := p.sessions(""); len(ss) == 1 {
			id = uint64(ss[0]["id"].(float64))
		}
		return id != 0
	})
	thread := agent.open(fmt.Sprintf("/agent/events?view=conversation&id=%d", id))
	thread.WaitFor(t, "Hello?")

	p.graph.FailNext(pnid, 1000, 131000)
	if code, page := agent.post(fmt.Sprintf("/agent/c/%d", id), url.Values{"action": {"send"}, "text": {"One moment please"}}); code != 200 || strings.Contains(page, `id="conv-error"`) {
		t.Fatalf("replying = %d:\n%s", code, page)
	}
	// Each failed attempt updates the thread (renders may merge two).
	attempts := regexp.MustCompile(`data-attempts="(\d+)">Not sent yet \(\d+ failed attempts?\): retrying`)
	for n := 0; n < 2; {
		m := attempts.FindStringSubmatch(thread.WaitFor(t, "One moment please", "Not sent yet"))
		if m != nil {
			n, _ = strconv.Atoi(m[1])
		}
	}
	_, page := agent.get(fmt.Sprintf("/agent/c/%d", id))
	m := regexp.MustCompile(`data-retry-at="\d+" data-attempts="\d+">Not sent yet \(\d+ failed attempts?\): retrying (in \d+ s|now)\.`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the conversation does not say when the reply is tried again:\n%s", page)
	}
	if p.graph.SentCount(pnid) != 0 {
		t.Fatalf("sent despite the faults: %d", p.graph.SentCount(pnid))
	}
}
