package daemon

import (
	"testing"
	"time"

	"github.com/wachan/wachan/config"
)

// Transfers: a queue is named as such, an offline extension takes a
// conversation only when asked to hold it, a transfer to an extension
// leaves the queue, and a transfer back to a queue is offered to the
// others before the agent who had it.
func TestRoutingTransfers(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "queue", "id": "sales"}, queue("sales", "ringall", "1001", "1002", "1003"))
	p.register("1001", "1002")
	addr := "wa-1-" + customer
	p.customerSays(customer, "Ann", "hello")
	p.waitFor("1002", 0, "hello")
	p.phoneSays("1001", addr, "Hi Ann")
	p.waitSent(1)
	id := jsonNum(p.sessions("?state=active")[0]["id"])

	// An admin puts it back on the queue: 1002 is offered it, 1001 (who
	// had it) only after the ring timeout.
	var s map[string]any
	if code := p.do("POST", "/api/v1/sessions/"+id+"/transfer", map[string]any{"to": map[string]string{"type": "queue", "id": "sales"}}, &s); code != 200 {
		t.Fatalf("transfer = %d %v", code, s)
	}
	_, n1 := p.waitFor("1001", 0, "transferred to queue sales by an administrator")
	_, n2 := p.waitFor("1002", 0, "(queue sales)")
	p.waitDelivered()
	if p.countHas("1001", "(queue sales)") != 1 {
		t.Fatalf("1001 was offered it again at once: %v", p.ari.Inbox("1001"))
	}
	p.advance(31 * time.Second)
	p.waitFor("1001", n1, "(queue sales)")
	p.phoneSays("1002", addr, "Bob here")
	p.waitSent(2)

	p.phoneSays("1002", addr, "/transfer sales")
	_, n2 = p.waitFor("1002", n2, "extension sales does not exist. To hand it to queue sales, type /transfer queue sales")
	p.phoneSays("1002", addr, "/transfer 1003")
	_, n2 = p.waitFor("1002", n2, "Not transferred: 1003 is offline")
	var e struct {
		Error struct{ Code, Message string }
	}
	if code := p.do("POST", "/api/v1/sessions/"+id+"/transfer", map[string]any{"to": map[string]string{"type": "extension", "id": "1003"}}, &e); code != 409 || e.Error.Code != "extension_offline" {
		t.Fatalf("transfer to an offline extension = %d %+v", code, e)
	}
	if ss := p.sessions("?state=active"); len(ss) != 1 || ss[0]["agent"] != "1002" {
		t.Fatalf("sessions = %v", ss)
	}
	p.phoneSays("1002", addr, "/transfer 1003 hold")
	p.waitFor("1002", n2, "transferred to 1003 by 1002")
	ss := p.sessions("?state=active")
	if len(ss) != 1 || ss[0]["agent"] != "1003" || ss[0]["queue"] != nil {
		t.Fatalf("sessions = %v", ss)
	}
	p.register("1003")
	p.waitFor("1003", 0, "transferred to you by 1002")
}

// An agent who gives a conversation back to the queue is not offered it
// again at once, even when alone; after the ring timeout it is.
func TestRoutingReleaseNotReofferedAtOnce(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		online []string
	}{{"others online", []string{"1001", "1002"}}, {"alone", []string{"1001"}}} {
		t.Run(tt.name, func(t *testing.T) {
			p := startPBX(t, map[string]string{"type": "queue", "id": "sales"}, queue("sales", "ringall", "1001", "1002"))
			p.register(tt.online...)
			addr := "wa-1-" + customer
			p.customerSays(customer, "Ann", "hello")
			p.waitFor("1001", 0, "hello")
			p.phoneSays("1001", addr, "Hi Ann")
			p.waitSent(1)
			p.phoneSays("1001", addr, "/release")
			_, n1 := p.waitFor("1001", 0, "You released conversation")
			if len(tt.online) > 1 {
				p.waitFor("1002", 0, "was taken by 1001")
				p.waitFor("1002", 0, "Hi Ann")
			}
			p.waitDelivered()
			if c := p.countHas("1001", "New WhatsApp conversation"); c != 1 {
				t.Fatalf("1001 was offered it again at once: %v", p.ari.Inbox("1001"))
			}
			p.advance(31 * time.Second)
			p.waitFor("1001", n1, "New WhatsApp conversation")
		})
	}
}

// After /close an agent's stray message is not sent: the agent is told
// the conversation is closed and how to reopen it. /reopen routes it like
// a new conversation: a member of the queue takes it, anyone else leaves
// it waiting for the members.
func TestRoutingReopen(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "queue", "id": "sales"}, queue("sales", "ringall", "1001", "1002"))
	p.register("1001", "1002", "1003")
	addr := "wa-1-" + customer
	p.customerSays(customer, "Ann", "hello")
	p.waitFor("1002", 0, "hello")
	p.phoneSays("1001", addr, "Hi Ann")
	p.waitSent(1)
	p.phoneSays("1001", addr, "/close")
	_, n1 := p.waitFor("1001", 0, "was closed by 1001")

	p.phoneSays("1001", addr, "one more thing")
	_, n1 = p.waitFor("1001", n1, "Not sent: the conversation with Ann (+447700900001) is closed. Type /reopen")
	if ss := p.sessions("?state=open"); len(ss) != 0 {
		t.Fatalf("a stray message opened %v", ss)
	}
	p.phoneSays("1001", addr, "/reopen")
	_, n1 = p.waitFor("1001", n1, "You reopened conversation #2 with Ann (+447700900001) (queue sales); it is yours.")
	p.phoneSays("1001", addr, "one more thing")
	if got := p.waitSent(2); got != "one more thing" {
		t.Fatalf("sent = %q", got)
	}
	p.customerSays(customer, "Ann", "yes?")
	_, n1 = p.waitFor("1001", n1, "yes?")
	p.phoneSays("1001", addr, "/close")
	_, n1 = p.waitFor("1001", n1, "was closed by 1001")
	p.waitDelivered()
	if p.inboxHas("1002", "yes?") {
		t.Fatal("1002 saw a message of 1001's conversation")
	}

	// Someone outside the queue reopens it: the members are offered it.
	p.phoneSays("1003", addr, "/reopen")
	p.waitFor("1003", 0, "it waits in queue sales for one of its members")
	p.waitFor("1001", n1, "New WhatsApp conversation #3")
	p.waitFor("1002", 0, "New WhatsApp conversation #3")
	p.phoneSays("1003", addr, "/reopen")
	p.waitFor("1003", 0, "Conversation #3 with Ann (+447700900001) is still open.")
}

// Every strategy with every pick-up mode, three members online: who is
// offered a new conversation, how it is picked up, who may answer and who
// sees the customer's next message.
func TestRoutingStrategyPickupMatrix(t *testing.T) {
	t.Parallel()
	agents := []string{"1001", "1002", "1003"}
	for _, strategy := range []string{"ringall", "roundrobin", "leastbusy"} {
		for _, pickup := range []string{"first_reply", "take_only", "shared"} {
			t.Run(strategy+"/"+pickup, func(t *testing.T) {
				q := queue("team", strategy, agents...)
				q["pickup"] = pickup
				p := startPBX(t, map[string]string{"type": "queue", "id": "team"}, q)
				p.register(agents...)
				addr := "wa-1-" + customer

				p.customerSays(customer, "Ann", "hello")
				offered := agents
				if strategy != "ringall" {
					offered = agents[:1] // one at a time, in member order
				}
				for _, e := range offered {
					p.waitFor(e, 0, "hello")
				}
				p.waitDelivered()
				for _, e := range agents[len(offered):] {
					if len(p.ari.Inbox(e)) != 0 {
						t.Fatalf("%s offered with %v", e, p.ari.Inbox(e))
					}
				}

				// 1001 picks it up.
				if pickup == "take_only" {
					p.phoneSays("1001", addr, "Hi Ann")
					p.waitFor("1001", 0, "type /take first")
					p.phoneSays("1001", addr, "/take")
					p.waitFor("1001", 0, "You took conversation #1")
				}
				p.phoneSays("1001", addr, "Hi, 1001 here")
				if got := p.waitSent(1); got != "Hi, 1001 here" {
					t.Fatalf("sent = %q", got)
				}

				// 1002 answers too: only a shared conversation lets it.
				p.phoneSays("1002", addr, "1002 here")
				if pickup == "shared" {
					if got := p.waitSent(2); got != "1002 here" {
						t.Fatalf("sent = %q", got)
					}
					p.waitFor("1001", 0, "[1002] 1002 here")
					p.waitFor("1003", 0, "[1002] 1002 here")
				} else {
					p.waitFor("1002", 0, "handled by 1001")
				}

				// The customer's next message.
				p.customerSays(customer, "Ann", "follow-up")
				p.waitFor("1001", 0, "follow-up")
				if pickup == "shared" {
					p.waitFor("1002", 0, "follow-up")
					p.waitFor("1003", 0, "follow-up")
				}
				p.waitDelivered()
				if pickup != "shared" && (p.inboxHas("1002", "follow-up") || p.inboxHas("1003", "follow-up")) {
					t.Fatal("a member who does not own the conversation saw the follow-up")
				}
				if ss := p.sessions("?state=active"); len(ss) != 1 || ss[0]["agent"] != "1001" {
					t.Fatalf("sessions = %v", ss)
				}
			})
		}
	}
}

// A conversation an admin puts back on the queue goes straight back to
// the agent who had it when no other member is online.
func TestRoutingTransferBackWhenAlone(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "queue", "id": "sales"}, queue("sales", "ringall", "1001", "1002"))
	p.register("1001")
	addr := "wa-1-" + customer
	p.customerSays(customer, "Ann", "hello")
	p.waitFor("1001", 0, "hello")
	p.phoneSays("1001", addr, "Hi Ann")
	p.waitSent(1)
	id := jsonNum(p.sessions("?state=active")[0]["id"])
	var s map[string]any
	if code := p.do("POST", "/api/v1/sessions/"+id+"/transfer", map[string]any{"to": map[string]string{"type": "queue", "id": "sales"}}, &s); code != 200 {
		t.Fatalf("transfer = %d %v", code, s)
	}
	_, n := p.waitFor("1001", 0, "transferred to queue sales by an administrator")
	p.waitFor("1001", n, "New WhatsApp conversation #1")
}

// /reopen on a channel whose destination is an extension gives the
// conversation to that extension, whoever asks.
func TestRoutingReopenToExtension(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001", "1002")
	addr := "wa-1-" + customer
	p.customerSays(customer, "Ann", "hello")
	p.waitFor("1001", 0, "hello")
	p.phoneSays("1001", addr, "/close")
	_, n1 := p.waitFor("1001", 0, "was closed by 1001")
	p.phoneSays("1002", addr, "/reopen")
	p.waitFor("1002", 0, "You reopened conversation #2 with Ann (+447700900001); it went to 1001.")
	p.waitFor("1001", n1, "Conversation #2 with Ann (+447700900001) on Sales was reopened by 1002.")
	if ss := p.sessions("?state=active"); len(ss) != 1 || ss[0]["agent"] != "1001" {
		t.Fatalf("sessions = %v", ss)
	}
}

// A customer who was sent the away message and writes again in a new
// session, still with nobody online, is not sent it again.
func TestRoutingAwayNotRepeatedAcrossSessions(t *testing.T) {
	t.Parallel()
	q := queue("team", "ringall", "1001")
	q["away_message"] = "We are away."
	p := startPBXWith(t, func(c *config.Config) { c.SessionIdle = time.Minute }, map[string]string{"type": "queue", "id": "team"}, q)
	const a, b = "447700900201", "447700900202"
	p.customerSays(a, "Ann", "first")
	p.waitSent(1)
	p.clock.Add(61 * time.Second)
	deadline := time.Now().Add(time.Minute)
	for len(p.sessions("?state=closed")) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the first session never closed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.customerSays(a, "Ann", "again")
	p.customerSays(b, "Bea", "hello")
	p.waitSent(2)
	if sent := p.graph.Sent(pnid); len(sent) != 2 || sent[1].Body["to"] != "+"+b {
		t.Fatalf("sends = %v", sent)
	}
}
