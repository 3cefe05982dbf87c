package daemon

import (
	"testing"
)

// In a shared queue the first reply does not take the conversation from
// the others: every member sees each customer message and each member's
// reply, labelled with who wrote it.
func TestRoutingSharedPickup(t *testing.T) {
	q := queue("team", "ringall", "1001", "1002", "1003")
	q["pickup"] = "shared"
	p := startPBX(t, map[string]string{"type": "queue", "id": "team"}, q)
	members := []string{"1001", "1002", "1003"}
	p.register(members...)
	addr := "wa-1-" + customer

	p.customerSays(customer, "Ann", "hello team")
	for _, e := range members {
		p.waitFor(e, 0, "hello team")
	}
	p.phoneSays("1001", addr, "Hi, 1001 here")
	if got := p.waitSent(1); got != "Hi, 1001 here" {
		t.Fatalf("sent = %q", got)
	}
	p.waitFor("1002", 0, "[1001] Hi, 1001 here")
	p.waitFor("1003", 0, "[1001] Hi, 1001 here")

	p.customerSays(customer, "Ann", "a follow-up")
	for _, e := range members {
		p.waitFor(e, 0, "a follow-up")
	}
	p.phoneSays("1002", addr, "1002 adds this")
	if got := p.waitSent(2); got != "1002 adds this" {
		t.Fatalf("sent = %q", got)
	}
	p.waitFor("1001", 0, "[1002] 1002 adds this")
	p.waitFor("1003", 0, "[1002] 1002 adds this")
	p.waitDelivered()
	for _, e := range members {
		if p.inboxHas(e, "taken by") {
			t.Fatalf("%s was told the shared conversation was taken", e)
		}
	}
	if ss := p.sessions("?state=active"); len(ss) != 1 || ss[0]["agent"] != "1001" {
		t.Fatalf("sessions = %v", ss)
	}
}
