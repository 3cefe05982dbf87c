package daemon

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestRoutingExtensionBothWays(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001", "1002")
	addr := "wa-1-" + customer

	p.customerSays(customer, "Ann \"Smith\"\r\n", "Hello, I need help")
	r, n := p.waitFor("1001", 0, "Hello, I need help")
	if r.From != `"Ann Smith (WhatsApp)" <sip:`+addr+`@127.0.0.1>` {
		t.Fatalf("From = %q", r.From)
	}
	if r.Variables["X-WA-Session"] == "" {
		t.Fatalf("no session header: %v", r.Variables)
	}
	if got := p.ari.Inbox("1001")[0].Body; !strings.Contains(got, "New WhatsApp conversation") {
		t.Fatalf("first message = %q, want the conversation header", got)
	}

	p.phoneSays("1001", addr, "Hi Ann, how can I help?")
	if got := p.waitSent(1); got != "Hi Ann, how can I help?" {
		t.Fatalf("sent = %q", got)
	}
	if len(p.ari.Inbox("1002")) != 0 {
		t.Fatalf("1002 got %v", p.ari.Inbox("1002"))
	}

	// A reply from another extension is refused.
	p.phoneSays("1002", addr, "I'll take over")
	_, _ = p.waitFor("1002", 0, "handled by 1001")
	if p.graph.SentCount(pnid) != 1 {
		t.Fatalf("non-owner reply was sent")
	}

	// Commands.
	for _, tt := range []struct{ cmd, want string }{
		{"/help", "/transfer queue <name>"},
		{"/info", "Reply window: 24h left"},
		{"/history 2", "customer: Hello, I need help"},
		{"/history 0", "Usage: /history [n]"},
		{"/frobnicate", "Unknown command /frobnicate."},
		{"/take", "already yours"},
		{"/transfer 9999", "extension 9999 does not exist"},
		{"/transfer queue nope", `there is no queue "nope"`},
		{"/transfer", "Usage: /transfer"},
	} {
		p.phoneSays("1001", addr, tt.cmd)
		_, n = p.waitFor("1001", n, tt.want)
	}

	// Long customer messages arrive split on UTF-8 boundaries.
	long := strings.Repeat("Grüße 👋 ", 200) // 2,400 bytes
	p.customerSays(customer, "Ann Smith", long)
	r, n = p.waitFor("1001", n, "(1/3) ")
	parts := []string{r.Body}
	for i := 2; i <= 3; i++ {
		r, n = p.waitFor("1001", n, "("+string(rune('0'+i))+"/3) ")
		parts = append(parts, r.Body)
	}
	var joined strings.Builder
	for i, part := range parts {
		if len(part) > p.cfg.AgentMessageMax {
			t.Fatalf("part %d is %d bytes", i, len(part))
		}
		joined.WriteString(part[len("(1/3) "):])
	}
	if joined.String() != long {
		t.Fatalf("parts do not rebuild the message")
	}

	// An agent message Asterisk emptied is reported, not sent.
	p.phoneSays("1001", addr, strings.Repeat("x", 1500))
	_, n = p.waitFor("1001", n, "too long (1500 bytes")

	// Transfer to 1002: it gets the history; 1001 is told.
	p.phoneSays("1001", addr, "/transfer 1002")
	p.waitFor("1002", 0, "transferred to you by 1001")
	p.waitFor("1002", 0, "Hello, I need help")
	_, n = p.waitFor("1001", n, "transferred to 1002 by 1001")
	p.phoneSays("1002", addr, "Ann, 1002 here")
	if got := p.waitSent(2); got != "Ann, 1002 here" {
		t.Fatalf("sent = %q", got)
	}

	// Messages are stored with session and agent.
	ss := p.sessions("?agent=1002&state=active")
	if len(ss) != 1 {
		t.Fatalf("sessions = %v", ss)
	}
	var msgs struct{ Messages []map[string]any }
	p.do("GET", "/api/v1/sessions/"+jsonNum(ss[0]["id"])+"/messages", nil, &msgs)
	if len(msgs.Messages) != 4 || msgs.Messages[1]["agent"] != "1001" || msgs.Messages[3]["agent"] != "1002" {
		t.Fatalf("session messages = %v", msgs.Messages)
	}

	// Close: a new message opens a new session routed afresh.
	p.phoneSays("1002", addr, "/close")
	p.waitFor("1002", 0, "was closed by 1002")
	p.customerSays(customer, "Ann Smith", "One more thing")
	p.waitFor("1001", n, "One more thing")
	if ss := p.sessions("?state=closed"); len(ss) != 1 {
		t.Fatalf("closed sessions = %v", ss)
	}
}

func TestRoutingQueueRingallTake(t *testing.T) {
	t.Parallel()
	q := queue("support", "ringall", "1001", "1002", "1003")
	q["away_message"] = "We are away, back soon."
	p := startPBX(t, map[string]string{"type": "queue", "id": "support"}, q)
	addr := "wa-1-" + customer

	// Nobody online: the session waits and the customer gets the away
	// message once.
	p.customerSays(customer, "Ann Smith", "Anyone there?")
	if got := p.waitSent(1); got != "We are away, back soon." {
		t.Fatalf("away message = %q", got)
	}
	p.customerSays(customer, "Ann Smith", "Hello?")
	if ss := p.sessions("?state=waiting"); len(ss) != 1 {
		t.Fatalf("waiting sessions = %v", ss)
	}

	// Members coming online are offered it with what was said.
	p.register("1001", "1002")
	p.waitFor("1001", 0, "New WhatsApp conversation")
	p.waitFor("1001", 0, "Hello?")
	p.waitFor("1002", 0, "(queue support)")
	_, n2 := p.waitFor("1002", 0, "Anyone there?")
	if p.graph.SentCount(pnid) != 1 {
		t.Fatalf("away message sent %d times", p.graph.SentCount(pnid))
	}

	// 1002 answers first and takes it; 1001 is told and refused.
	p.phoneSays("1002", addr, "Hi, this is Bob")
	if got := p.waitSent(2); got != "Hi, this is Bob" {
		t.Fatalf("sent = %q", got)
	}
	_, n1 := p.waitFor("1001", 0, "was taken by 1002")
	p.phoneSays("1001", addr, "Me too")
	_, n1 = p.waitFor("1001", n1, "handled by 1002")
	p.phoneSays("1001", addr, "/take")
	_, n1 = p.waitFor("1001", n1, "handled by 1002")

	// Later messages reach only the owner.
	p.customerSays(customer, "Ann Smith", "Thanks Bob")
	_, n2 = p.waitFor("1002", n2, "Thanks Bob")
	if p.inboxHas("1001", "Thanks Bob") {
		t.Fatal("1001 got a message of a session it does not own")
	}

	// Release: it waits again and is offered anew.
	p.phoneSays("1002", addr, "/release")
	p.waitFor("1002", n2, "You released conversation")
	_, n1 = p.waitFor("1001", n1, "New WhatsApp conversation")
	p.phoneSays("1001", addr, "/take")
	_, n1 = p.waitFor("1001", n1, "You took conversation")

	// Transfer to a queue: its members are offered it with the history.
	p.register("1003")
	var out map[string]any
	if code := p.do("POST", "/api/v1/queues", queue("vip", "ringall", "1003"), &out); code != 201 {
		t.Fatalf("create vip queue = %d %v", code, out)
	}
	p.phoneSays("1001", addr, "/transfer queue vip")
	p.waitFor("1003", 0, "(queue vip)")
	p.waitFor("1003", 0, "Thanks Bob")
	p.waitFor("1001", n1, "transferred to queue vip by 1001")
}

func TestRoutingStoreAndForward(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	addr := "wa-1-" + customer
	for _, text := range []string{"one", "two", "three"} {
		p.customerSays(customer, "Ann Smith", text)
	}
	// Wait until the deliveries are stored and tried.
	deadline := time.Now().Add(time.Minute)
	for {
		if ss := p.sessions("?state=active"); len(ss) == 1 {
			var msgs struct{ Messages []map[string]any }
			p.do("GET", "/api/v1/sessions/"+jsonNum(ss[0]["id"])+"/messages", nil, &msgs)
			if len(msgs.Messages) == 3 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("messages never stored")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := p.ari.Inbox("1001"); len(got) != 0 {
		t.Fatalf("offline phone got %v", got)
	}

	// The daemon restarts while the agent is offline: nothing is lost.
	p.restart()
	p.register("1001")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got, err := p.ari.WaitInbox(ctx, "1001", 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"New WhatsApp conversation", "one", "two", "three"}
	for i, w := range want {
		if !strings.Contains(got[i].Body, w) {
			t.Fatalf("message %d = %q, want %q", i, got[i].Body, w)
		}
	}

	// Asterisk restarts mid-conversation: messages that arrive while it is
	// down are delivered after the reconnect, in order. (A send whose 202
	// is cut off by the restart is repeated: delivery is at least once.)
	p.waitDelivered()
	p.ari.Stop()
	p.customerSays(customer, "Ann Smith", "four")
	p.customerSays(customer, "Ann Smith", "five")
	if err := p.ari.Start(); err != nil {
		t.Fatal(err)
	}
	got, err = p.ari.WaitInbox(ctx, "1001", 6)
	if err != nil {
		t.Fatal(err)
	}
	if got[4].Body != "four" || got[5].Body != "five" {
		for _, r := range got {
			t.Logf("%q %v", r.Body, r.Time)
		}
		t.Fatalf("after restart = %q, %q", got[4].Body, got[5].Body)
	}
	p.waitConnected()
	p.phoneSays("1001", addr, "Got them all")
	if got := p.waitSent(1); got != "Got them all" {
		t.Fatalf("sent = %q", got)
	}
}

func TestRoutingRoundRobinAndLeastBusy(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "queue", "id": "rr"},
		queue("rr", "roundrobin", "1001", "1002", "1003"), queue("lb", "leastbusy", "1001", "1002", "1003"))
	p.register("1001", "1002", "1003")
	ann, bea, cal := "wa-1-447700900001", "wa-1-447700900002", "wa-1-447700900003"

	// Offered to 1001 alone; after the ring timeout it moves to 1002.
	p.customerSays("447700900001", "Ann", "first")
	_, n1 := p.waitFor("1001", 0, "first")
	if p.inboxHas("1002", "first") || p.inboxHas("1003", "first") {
		t.Fatal("round robin offered to more than one agent")
	}
	p.advance(31 * time.Second)
	_, n1 = p.waitFor("1001", n1, "not taken in time; it was offered to 1002")
	_, n2 := p.waitFor("1002", 0, "first")
	p.phoneSays("1002", ann, "Hello Ann")
	p.waitSent(1)

	// The next customer goes to the next member in turn.
	p.customerSays("447700900002", "Bea", "second")
	_, n3 := p.waitFor("1003", 0, "second")
	p.phoneSays("1003", bea, "/take")
	p.waitFor("1003", n3, "You took conversation")
	if p.inboxHas("1001", "second") {
		t.Fatal("1001 was offered the second customer")
	}

	// Least busy: 1002 and 1003 each own a session, 1001 none.
	var out map[string]any
	body := newChannelBody()
	if code := p.do("PATCH", "/api/v1/channels/"+p.ch, map[string]any{"destination": map[string]string{"type": "queue", "id": "lb"}}, &out); code != 200 {
		t.Fatalf("patch channel = %d %v (%v)", code, out, body)
	}
	p.customerSays("447700900003", "Cal", "third")
	p.waitFor("1001", n1, "third")
	if p.inboxHas("1002", "third") || p.inboxHas("1003", "third") {
		t.Fatal("least busy offered to a busy agent")
	}
	p.phoneSays("1001", cal, "Hi Cal")
	p.waitSent(2)
	_ = n2
}

func TestRoutingSticky(t *testing.T) {
	t.Parallel()
	q := queue("sales", "ringall", "1001", "1002")
	q["sticky_days"] = 7
	p := startPBX(t, map[string]string{"type": "queue", "id": "sales"}, q)
	p.register("1001", "1002")
	addr := "wa-1-" + customer

	p.customerSays(customer, "Ann", "first visit")
	p.waitFor("1001", 0, "first visit")
	_, n2 := p.waitFor("1002", 0, "first visit")
	p.phoneSays("1002", addr, "Hi, Bob here")
	p.waitSent(1)
	p.phoneSays("1002", addr, "/close")
	_, n2 = p.waitFor("1002", n2, "was closed by 1002")
	n1 := len(p.ari.Inbox("1001"))

	// Back the next day: Bob alone is offered it first.
	p.advance(24 * time.Hour)
	p.customerSays(customer, "Ann", "second visit")
	p.waitFor("1002", n2, "second visit")
	if p.inboxHas("1001", "second visit") {
		t.Fatal("sticky session offered to everyone at once")
	}
	// Unanswered: after the ring timeout everyone is offered it.
	p.advance(31 * time.Second)
	p.waitFor("1001", n1, "second visit")
}

func TestRoutingIdleCloseAndWindow(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001")
	addr := "wa-1-" + customer

	p.customerSays(customer, "Ann", "hello")
	_, n := p.waitFor("1001", 0, "hello")
	p.advance(23 * time.Hour)
	p.phoneSays("1001", addr, "/info")
	_, n = p.waitFor("1001", n, "Reply window: 1h left")
	if ss := p.sessions("?state=active"); len(ss) != 1 {
		t.Fatalf("closed too early: %v", ss)
	}

	// Idle for the configured time: closed, and the agent is told. The
	// window counts from Meta's timestamp, taken on the real clock when
	// the webhook was made, a moment (seconds on a loaded machine) after
	// the routing clock's start: go a minute further.
	p.advance(time.Hour + time.Minute)
	_, n = p.waitFor("1001", n, "closed after 24h without a message")
	if ss := p.sessions("?state=closed"); len(ss) != 1 {
		t.Fatalf("sessions = %v", ss)
	}

	// The window has expired too: free text is refused with the reason.
	p.phoneSays("1001", addr, "Are you still there?")
	_, n = p.waitFor("1001", n, "more than 24 hours ago")
	if c := p.graph.SentCount(pnid); c != 0 {
		t.Fatalf("sent %d messages outside the window", c)
	}
	if ss := p.sessions("?state=open"); len(ss) != 0 {
		t.Fatalf("a refused reply opened a session: %v", ss)
	}

	// The customer writes again: a new session.
	p.customerSays(customer, "Ann", "back again")
	p.waitFor("1001", n, "New WhatsApp conversation #2")
}

func TestRoutingSendFailureNotice(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001")
	addr := "wa-1-" + customer
	p.customerSays(customer, "Ann", "hello")
	_, n := p.waitFor("1001", 0, "hello")
	p.graph.FailNext(pnid, 1, 131026)
	p.phoneSays("1001", addr, "This will bounce")
	p.waitFor("1001", n, `Not delivered to Ann (+447700900001): "This will bounce". WhatsApp error 131026: The message could not be delivered`)
}

func TestRoutingInternalMessagesUntouched(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001", "1002")
	// Extension to extension goes to the dialplan; wachan neither answers
	// nor stores anything.
	if code := p.ari.PhoneSend("1001", "1002", "lunch?"); code != 202 {
		t.Fatalf("internal message = %d", code)
	}
	p.phoneSays("1001", "wa-9-447700900001", "hello?")
	p.waitFor("1001", 0, "not a known WhatsApp customer address")
	if len(p.ari.Inbox("1002")) != 0 || len(p.ari.Inbox("1001")) != 1 || len(p.sessions("")) != 0 {
		t.Fatalf("internal message touched: 1001 %v, 1002 %v", p.ari.Inbox("1001"), p.ari.Inbox("1002"))
	}
}

func TestRoutingAdminAPI(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"}, queue("sales", "ringall", "1002"))
	p.register("1001", "1002")

	// Queue CRUD and validation.
	var e struct {
		Error struct{ Code, Field, Message string }
	}
	for _, tt := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "bad name", "members": []string{"1001"}}, "name"},
		{map[string]any{"name": "q", "members": []string{}}, "members"},
		{map[string]any{"name": "q", "members": []string{"1001"}, "strategy": "random"}, "strategy"},
		{map[string]any{"name": "q", "members": []string{"1001"}, "pickup": "anyone"}, "pickup"},
		{map[string]any{"name": "q", "members": []string{"1001"}, "ring_timeout": 1}, "ring_timeout"},
		{map[string]any{"name": "q", "members": []string{"1001"}, "max_conversations": -1}, "max_conversations"},
		{map[string]any{"name": "q", "members": []string{"1001"}, "unanswered_timeout": 60}, "overflow"},
		{map[string]any{"name": "q", "members": []string{"1001"}, "unanswered_timeout": 60, "overflow": map[string]string{"type": "queue", "id": "q"}}, "overflow.id"},
	} {
		if code := p.do("POST", "/api/v1/queues", tt.body, &e); code != 422 || e.Error.Field != tt.field {
			t.Fatalf("POST %v = %d %+v, want 422 on %s", tt.body, code, e.Error, tt.field)
		}
	}
	if code := p.do("POST", "/api/v1/queues", queue("sales", "ringall", "1002"), &e); code != 409 {
		t.Fatalf("duplicate queue = %d", code)
	}
	var q map[string]any
	upd := queue("sales", "roundrobin", "1002", "1003")
	upd["pickup"] = "take_only"
	if code := p.do("PUT", "/api/v1/queues/sales", upd, &q); code != 200 || q["strategy"] != "roundrobin" || q["pickup"] != "take_only" || q["ring_timeout"] != float64(30) {
		t.Fatalf("PUT queue = %d %v", code, q)
	}
	var list struct{ Queues []map[string]any }
	if p.do("GET", "/api/v1/queues", nil, &list); len(list.Queues) != 1 {
		t.Fatalf("queues = %v", list)
	}

	// Admin transfer and close of a live session.
	p.customerSays(customer, "Ann", "hello")
	_, n1 := p.waitFor("1001", 0, "hello")
	id := jsonNum(p.sessions("?state=active")[0]["id"])
	var s map[string]any
	if code := p.do("POST", "/api/v1/sessions/"+id+"/transfer", map[string]any{"to": map[string]string{"type": "extension", "id": "9999"}}, &e); code != 422 {
		t.Fatalf("transfer to unknown ext = %d %+v", code, e)
	}
	if code := p.do("POST", "/api/v1/sessions/"+id+"/transfer", map[string]any{"to": map[string]string{"type": "queue", "id": "sales"}}, &s); code != 200 || s["state"] != "waiting" || s["queue"] != "sales" {
		t.Fatalf("transfer to queue = %d %v", code, s)
	}
	p.waitFor("1001", n1, "transferred to queue sales by an administrator")
	_, n2 := p.waitFor("1002", 0, "Type /take to take it")
	p.phoneSays("1002", "wa-1-"+customer, "Hi")
	_, n2 = p.waitFor("1002", n2, "type /take first")
	if code := p.do("POST", "/api/v1/sessions/"+id+"/close", nil, &s); code != 200 || s["state"] != "closed" {
		t.Fatalf("close = %d %v", code, s)
	}
	p.waitFor("1002", n2, "closed by an administrator")
	if code := p.do("POST", "/api/v1/sessions/"+id+"/close", nil, &e); code != 409 || e.Error.Code != "session_closed" {
		t.Fatalf("second close = %d %+v", code, e)
	}
	if code := p.do("GET", "/api/v1/sessions/999/messages", nil, &e); code != 404 {
		t.Fatalf("messages of unknown session = %d", code)
	}
	if code := p.do("GET", "/api/v1/sessions?state=bogus", nil, &e); code != 422 || e.Error.Field != "state" {
		t.Fatalf("bad state filter = %d %+v", code, e)
	}
	if code := p.do("DELETE", "/api/v1/queues/sales", nil, nil); code != 204 {
		t.Fatalf("delete queue = %d", code)
	}
	if code := p.do("GET", "/api/v1/queues/sales", nil, &e); code != 404 {
		t.Fatalf("deleted queue = %d", code)
	}
}

func TestRoutingUnansweredOverflow(t *testing.T) {
	t.Parallel()
	q := queue("night", "ringall", "1002")
	q["unanswered_timeout"] = 60
	q["overflow"] = map[string]string{"type": "extension", "id": "1001"}
	p := startPBX(t, map[string]string{"type": "queue", "id": "night"}, q)
	p.register("1001", "1002")
	p.customerSays(customer, "Ann", "anyone?")
	p.waitFor("1002", 0, "anyone?")
	if len(p.ari.Inbox("1001")) != 0 {
		t.Fatal("overflow extension alerted before the timeout")
	}
	p.advance(61 * time.Second)
	p.waitFor("1001", 0, "transferred to you by overflow of queue night")
	p.waitFor("1001", 0, "anyone?")
	p.waitFor("1002", 0, "transferred to 1001 by overflow of queue night")
	if ss := p.sessions("?state=active&agent=1001"); len(ss) != 1 || ss[0]["queue"] != nil {
		t.Fatalf("sessions = %v", ss)
	}
}
