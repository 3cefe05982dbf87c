package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/config"
)

// In a shared queue the first reply does not take the conversation from
// the others: every member sees each customer message and each member's
// reply, labelled with who wrote it.
func TestRoutingSharedPickup(t *testing.T) {
	t.Parallel()
	q := queue("team", "ringall", "1001", "1002", "1003")
	q["pickup"] = "shared"
	p := startPBX(t, map[string]string{"type": "queue", "id": "team"}, q)
	members := []string{"1001", "1002", "1003"}
	p.register("1001", "1002")
	addr := "wa-1-" + customer

	p.customerSays(customer, "Ann", "hello team")
	for _, e := range members[:2] {
		p.waitFor(e, 0, "hello team")
	}
	p.phoneSays("1001", addr, "Hi, 1001 here")
	if got := p.waitSent(1); got != "Hi, 1001 here" {
		t.Fatalf("sent = %q", got)
	}
	p.waitFor("1002", 0, "[1001] Hi, 1001 here")

	// A member who comes online later joins in with the history.
	p.register("1003")
	p.waitFor("1003", 0, "is shared; 1001 answered it")
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

	// Anyone sharing it may give it back; the others are told and offered
	// it again.
	p.phoneSays("1002", addr, "/release")
	p.waitFor("1002", 0, "You released conversation #1")
	for _, e := range []string{"1001", "1003"} {
		_, n := p.waitFor(e, 0, "1002 released conversation #1")
		p.waitFor(e, n, "New WhatsApp conversation #1")
	}
}

// Only a queue's members may take or answer its conversations: a reply or
// /take from another extension is refused and the members are not told
// it was taken.
func TestRoutingQueueMembersOnly(t *testing.T) {
	t.Parallel()
	for _, pickup := range []string{"first_reply", "shared"} {
		t.Run(pickup, func(t *testing.T) {
			q := queue("team", "ringall", "1001", "1002")
			q["pickup"] = pickup
			p := startPBX(t, map[string]string{"type": "queue", "id": "team"}, q)
			p.register("1001", "1002", "1003")
			addr := "wa-1-" + customer

			p.customerSays(customer, "Ann", "hello team")
			p.waitFor("1001", 0, "hello team")
			p.phoneSays("1003", addr, "I am not in this queue")
			_, n3 := p.waitFor("1003", 0, "only its members may answer it")
			p.phoneSays("1003", addr, "/take")
			_, n3 = p.waitFor("1003", n3, "only its members may take it")
			if ss := p.sessions("?state=waiting"); len(ss) != 1 {
				t.Fatalf("sessions = %v", ss)
			}

			// A member answers; the outsider still cannot.
			p.phoneSays("1002", addr, "Hello Ann")
			if got := p.waitSent(1); got != "Hello Ann" {
				t.Fatalf("sent = %q", got)
			}
			p.phoneSays("1003", addr, "Me again")
			p.waitFor("1003", n3, "handled by 1002")
			p.waitDelivered()
			if p.inboxHas("1001", "1003") || p.graph.SentCount(pnid) != 1 {
				t.Fatalf("the outsider's messages went through: 1001 %v, sent %d", p.ari.Inbox("1001"), p.graph.SentCount(pnid))
			}
		})
	}
}

// A session's idle deadline is armed as soon as the session opens, whether
// it goes straight to an extension or an agent opens it with a template:
// moving the routing clock past it closes the session without anything
// else waking the router.
func TestRoutingIdleDeadlineArmed(t *testing.T) {
	t.Parallel()
	p := startPBXWith(t, func(c *config.Config) { c.SessionIdle = time.Minute }, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001")
	p.syncTemplate()

	p.customerSays(customer, "Ann", "hello")
	_, n := p.waitFor("1001", 0, "hello")
	p.clock.Add(61 * time.Second)
	_, n = p.waitFor("1001", n, "closed after 1m without a message")

	const fresh = "447400123456"
	p.phoneSays("1001", "wa-1-"+fresh, "/template follow_up Zoe")
	p.waitSent(1)
	p.clock.Add(61 * time.Second)
	p.waitFor("1001", n, "closed after 1m without a message")
	if ss := p.sessions("?state=open"); len(ss) != 0 {
		t.Fatalf("open sessions = %v", ss)
	}
}

// An agent coming online to a long backlog sees the last ten messages and
// how to see the earlier ones.
func TestRoutingBacklogHint(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "queue", "id": "team"}, queue("team", "ringall", "1001"))
	for i := range 15 {
		p.customerSays(customer, "Ann", fmt.Sprintf("message %d", i+1))
	}
	p.waitMessages(15)
	p.register("1001")
	_, n := p.waitFor("1001", 0, "5 earlier messages: /history 15")
	_, n = p.waitFor("1001", n, "message 6")
	p.waitFor("1001", n, "message 15")
	if p.inboxHas("1001", "message 5") {
		t.Fatalf("inbox = %v", p.ari.Inbox("1001"))
	}
}

// waitMessages waits until the customer's open session holds n messages.
func (p *pbxHarness) waitMessages(n int) {
	p.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if ss := p.sessions("?state=open"); len(ss) == 1 {
			var msgs struct{ Messages []map[string]any }
			p.do("GET", "/api/v1/sessions/"+jsonNum(ss[0]["id"])+"/messages", nil, &msgs)
			if len(msgs.Messages) == n {
				return
			}
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the session never held %d messages", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Least busy counts the offers ringing at an agent as load: six customers
// arriving while three agents are idle are offered two to each.
func TestRoutingLeastBusyCountsRinging(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "queue", "id": "lb"}, queue("lb", "leastbusy", "1001", "1002", "1003"))
	agents := []string{"1001", "1002", "1003"}
	p.register(agents...)
	for i := range 6 {
		p.customerSays(fmt.Sprintf("44770090010%d", i), "Customer", "hello")
	}
	offers := func() map[string]int {
		n := map[string]int{}
		for _, e := range agents {
			for _, r := range p.ari.Inbox(e) {
				if strings.Contains(r.Body, "New WhatsApp conversation") {
					n[e]++
				}
			}
		}
		return n
	}
	deadline := time.Now().Add(time.Minute)
	for n := offers(); n["1001"]+n["1002"]+n["1003"] < 6; n = offers() {
		if time.Now().After(deadline) {
			t.Fatalf("offers = %v", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := offers(); n["1001"] != 2 || n["1002"] != 2 || n["1003"] != 2 {
		t.Fatalf("offers = %v, want two each", n)
	}
}

// unregister takes phones offline and waits until the adapter has seen it.
func (p *pbxHarness) unregister(exts ...string) {
	p.t.Helper()
	for _, e := range exts {
		if err := p.ari.Unregister(e); err != nil {
			p.t.Fatal(err)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for _, e := range exts {
		for {
			st, err := p.d.ari.Endpoint(context.Background(), e)
			if err == nil && !st.Online {
				break
			}
			if time.Now().After(deadline) {
				p.t.Fatalf("phone %s never went offline", e)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// outbound returns the texts sent to the customer in the session with id.
func (p *pbxHarness) outbound(id any) []string {
	var msgs struct{ Messages []map[string]any }
	p.do("GET", "/api/v1/sessions/"+jsonNum(id)+"/messages", nil, &msgs)
	var out []string
	for _, m := range msgs.Messages {
		if m["direction"] == "out" {
			out = append(out, fmt.Sprint(m["text"]))
		}
	}
	return out
}

// A member at the queue's limit of conversations is skipped; when all are
// busy the customer gets the away message, and overflow goes to its
// destination as soon as that can answer (an offline extension cannot).
func TestRoutingCapacityAndOverflow(t *testing.T) {
	t.Parallel()
	q := queue("team", "ringall", "1001", "1002")
	q["max_conversations"] = 1
	q["away_message"] = "All our agents are busy."
	q["overflow"] = map[string]string{"type": "extension", "id": "1003"}
	p := startPBX(t, map[string]string{"type": "queue", "id": "team"}, q)
	p.register("1001", "1002")
	const a, b, c = "447700900201", "447700900202", "447700900203"

	p.customerSays(a, "Ann", "from Ann")
	p.waitFor("1002", 0, "from Ann")
	p.phoneSays("1001", "wa-1-"+a, "Hi Ann")
	p.waitSent(1)

	p.customerSays(b, "Bea", "from Bea")
	p.waitFor("1002", 0, "from Bea")
	p.phoneSays("1002", "wa-1-"+b, "Hi Bea")
	p.waitSent(2)
	if p.inboxHas("1001", "from Bea") {
		t.Fatal("a member at the limit was offered another conversation")
	}

	// Everyone busy, overflow offline: the away message, no silent hold.
	p.customerSays(c, "Cal", "from Cal")
	if got := p.waitSent(3); got != "All our agents are busy." {
		t.Fatalf("sent = %q", got)
	}
	if ss := p.sessions("?state=waiting"); len(ss) != 1 || ss[0]["queue"] != "team" {
		t.Fatalf("waiting = %v", ss)
	}
	// The overflow extension comes online: it gets Cal at once.
	p.register("1003")
	p.waitFor("1003", 0, "transferred to you by overflow of queue team")
	p.waitFor("1003", 0, "from Cal")
	p.customerSays(c, "Cal", "thanks")
	p.waitFor("1003", 0, "thanks")
	if n := p.graph.SentCount(pnid); n != 3 {
		t.Fatalf("sent %d messages, want 3", n)
	}
	p.waitDelivered()
	if p.inboxHas("1001", "from Cal") || p.inboxHas("1002", "from Cal") {
		t.Fatal("busy members were offered Cal")
	}
}

// With no member online a session overflows at once, without waiting for
// the unanswered timeout, to a queue that can answer; until then the
// customer gets the away message, once per session.
func TestRoutingNobodyOnline(t *testing.T) {
	t.Parallel()
	day := queue("day", "ringall", "1001", "1002")
	day["unanswered_timeout"] = 300
	day["overflow"] = map[string]string{"type": "queue", "id": "night"}
	day["away_message"] = "Back at nine."
	night := queue("night", "roundrobin", "1003")
	night["away_message"] = "The night shift is away too."
	p := startPBX(t, map[string]string{"type": "queue", "id": "day"}, night, day)

	p.customerSays(customer, "Ann", "anyone?")
	if got := p.waitSent(1); got != "Back at nine." {
		t.Fatalf("sent = %q", got)
	}
	p.register("1003")
	p.waitFor("1003", 0, "(queue night)")
	p.waitFor("1003", 0, "anyone?")
	ss := p.sessions("?state=waiting")
	if len(ss) != 1 || ss[0]["queue"] != "night" {
		t.Fatalf("waiting = %v", ss)
	}
	// The night shift leaves too: the customer was told already.
	p.unregister("1003")
	p.customerSays(customer, "Ann", "hello?")
	p.waitMessages(3)
	p.customerSays(customer, "Ann", "still there?")
	p.waitMessages(4)
	if got := p.outbound(ss[0]["id"]); len(got) != 1 {
		t.Fatalf("sent to the customer: %q", got)
	}
}

// When the last member goes offline, only the customers not told yet get
// the away message.
func TestRoutingAwayOnlyOnce(t *testing.T) {
	t.Parallel()
	q := queue("team", "ringall", "1001")
	q["away_message"] = "We are away."
	p := startPBX(t, map[string]string{"type": "queue", "id": "team"}, q)
	const a, b = "447700900201", "447700900202"
	p.customerSays(a, "Ann", "from Ann")
	p.waitSent(1)
	p.register("1001")
	p.waitFor("1001", 0, "from Ann")
	p.customerSays(b, "Bea", "from Bea")
	p.waitFor("1001", 0, "from Bea")
	p.unregister("1001")
	p.waitSent(2)
	for _, s := range p.sessions("?state=waiting") {
		if got := p.outbound(s["id"]); len(got) != 1 || got[0] != "We are away." {
			t.Fatalf("session %v sent %q", s["id"], got)
		}
	}
	if sent := p.graph.Sent(pnid); sent[1].Body["to"] != "+"+b {
		t.Fatalf("second away message went to %v", sent[1].Body["to"])
	}
}

// countHas counts the messages at ext that contain want.
func (p *pbxHarness) countHas(ext, want string) int {
	n := 0
	for _, r := range p.ari.Inbox(ext) {
		if strings.Contains(r.Body, want) {
			n++
		}
	}
	return n
}
