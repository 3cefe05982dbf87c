package daemon

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
)

// startConsoleOnly runs a daemon with no PBX configured, wired to a Graph
// API emulator, with one channel routed to destination.
func startConsoleOnly(t *testing.T, destination map[string]string, queues ...map[string]any) *pbxHarness {
	t.Helper()
	return startHarness(t, graphemu.Options{}, false, nil, destination, queues...)
}

// session fetches one session through the API.
func (p *pbxHarness) session(id uint64) map[string]any {
	p.t.Helper()
	var out map[string]any
	if code := p.do("GET", fmt.Sprintf("/api/v1/sessions/%d", id), nil, &out); code != 200 {
		p.t.Fatalf("get session %d = %d %v", id, code, out)
	}
	if s, ok := out["session"].(map[string]any); ok {
		return s
	}
	return out
}

// waitSession waits until session id satisfies ok and returns it.
func (p *pbxHarness) waitSession(id uint64, what string, ok func(s map[string]any) bool) map[string]any {
	p.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		s := p.session(id)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("session %d never %s: %v", id, what, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func alerted(s map[string]any) []string {
	var out []string
	list, _ := s["alerted"].([]any)
	for _, e := range list {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

// TestConsoleWithoutPBX: with no PBX configured, a conversation waits for
// an agent until one signs in to the web console, is offered to agents
// who have the console open (not to those who have not), is answered
// and closed there, and a later one closes itself after the idle time.
func TestConsoleWithoutPBX(t *testing.T) {
	t.Parallel()
	p := startConsoleOnly(t, map[string]string{"type": "queue", "id": "sales"}, queue("sales", "ringall", "1001", "1002"))

	admin := signIn(t, p.base, "admin", "", adminToken)
	for _, path := range []string{"/admin/channels", "/admin/queues", "/admin/sessions", "/admin/system"} {
		if _, page := admin.get(path); !strings.Contains(page, `id="no-pbx"`) || !strings.Contains(page, "No PBX is connected") {
			t.Fatalf("%s does not say that no PBX is connected:\n%s", path, page)
		}
	}
	for _, ext := range []string{"1001", "1002"} {
		if code, page := admin.post("/admin/users", url.Values{"role": {"agent"}, "name": {ext}, "password": {"agent-pass-" + ext}}); code != 200 || !strings.Contains(page, ext) {
			t.Fatalf("creating agent %s = %d:\n%s", ext, code, page)
		}
	}

	// Nobody has the console open: the conversation waits, offered to
	// nobody.
	p.customerSays(customer, "Ann", "Hello, anyone there?")
	var list []map[string]any
	deadline := time.Now().Add(time.Minute)
	for len(list) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no session opened for the customer's message")
		}
		list = p.sessions("")
		time.Sleep(10 * time.Millisecond)
	}
	id := uint64(list[0]["id"].(float64))
	if s := p.session(id); s["state"] != "waiting" || len(alerted(s)) != 0 {
		t.Fatalf("session before any agent signed in = %v", s)
	}

	// 1001 signs in: the console says there is no PBX, the conversation
	// is offered to 1001 (not to 1002, who is away) and shows in the
	// live inbox.
	agent := signIn(t, p.base, "agent", "1001", "agent-pass-1001")
	if _, page := agent.get("/agent/"); !strings.Contains(page, `id="no-pbx"`) || !strings.Contains(page, "only here, in this console") {
		t.Fatalf("the inbox does not say that no PBX is connected:\n%s", page)
	}
	inbox := agent.open("/agent/events?view=inbox")
	inbox.WaitFor(t, "Hello, anyone there?", fmt.Sprintf(`/agent/c/%d"`, id))
	p.waitSession(id, "offered to 1001", func(s map[string]any) bool { return slices.Equal(alerted(s), []string{"1001"}) })

	// 1001 answers from the console: the conversation is theirs and the
	// reply reaches WhatsApp; its ticks come back to the thread.
	thread := agent.open(fmt.Sprintf("/agent/events?view=conversation&id=%d", id))
	if code, page := agent.post(fmt.Sprintf("/agent/c/%d", id), url.Values{"action": {"send"}, "text": {"Hi Ann, how can I help?"}}); code != 200 || strings.Contains(page, `id="conv-error"`) {
		t.Fatalf("replying from the console = %d:\n%s", code, page)
	}
	if got := p.waitSent(1); got != "Hi Ann, how can I help?" {
		t.Fatalf("sent %q", got)
	}
	p.waitSession(id, "taken by 1001", func(s map[string]any) bool { return s["state"] == "active" && s["agent"] == "1001" })
	thread.WaitFor(t, "Hi Ann, how can I help?", "tick-read")

	// The customer writes again: it shows in the thread.
	p.customerSays(customer, "Ann", "My order A1 is late")
	thread.WaitFor(t, "My order A1 is late")

	// 1001 hands it to 1002, who is not signed in: told 1002 is offline,
	// 1001 holds it for 1002, who finds it on signing in and closes it.
	if code, page := agent.post(fmt.Sprintf("/agent/c/%d", id), url.Values{"action": {"transfer"}, "to": {"1002"}}); code != 200 || !strings.Contains(page, "1002 is offline") {
		t.Fatalf("transfer to an agent who is away = %d:\n%s", code, page)
	}
	if code, page := agent.post(fmt.Sprintf("/agent/c/%d", id), url.Values{"action": {"transfer"}, "to": {"1002 hold"}}); code != 200 || strings.Contains(page, `id="conv-error"`) || !strings.Contains(page, `class="flash"`) {
		t.Fatalf("transfer from the console = %d:\n%s", code, page)
	}
	p.waitSession(id, "with 1002", func(s map[string]any) bool { return s["state"] == "active" && s["agent"] == "1002" })
	second := signIn(t, p.base, "agent", "1002", "agent-pass-1002")
	second.open("/agent/events?view=inbox") // present however long the test takes
	if _, page := second.get("/agent/"); !strings.Contains(page, fmt.Sprintf(`/agent/c/%d"`, id)) || !strings.Contains(page, "My order A1 is late") {
		t.Fatalf("1002's inbox lacks the transferred conversation:\n%s", page)
	}
	if code, page := second.post(fmt.Sprintf("/agent/c/%d", id), url.Values{"action": {"close"}}); code != 200 || strings.Contains(page, `id="conv-error"`) {
		t.Fatalf("closing from the console = %d:\n%s", code, page)
	}
	s := p.waitSession(id, "closed", func(s map[string]any) bool { return s["state"] == "closed" })
	if s["close_reason"] != "was closed by 1002" {
		t.Fatalf("close reason = %v", s["close_reason"])
	}
	// The admin's timeline of the session shows each routing step (the
	// routing clock of this test stands still, so only their order counts).
	_, page := admin.get(fmt.Sprintf("/admin/sessions/%d", id))
	last := -1
	for _, step := range []string{"Opened for queue sales.", "Offered to 1001.", "Taken (by 1001).", "Transferred to extension 1002 (by 1001).", "Closed by 1002."} {
		i := strings.Index(page, step)
		if i < last || i < 0 {
			t.Fatalf("the session's timeline lacks %q in order:\n%s", step, page)
		}
		last = i
	}

	// A new conversation is offered at once to both agents, present in
	// the console; unanswered for the idle time, it closes itself.
	p.customerSays(customer, "Ann", "One more thing")
	var id2 uint64
	deadline = time.Now().Add(time.Minute)
	for id2 == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no second session")
		}
		for _, s := range p.sessions("") {
			if n := uint64(s["id"].(float64)); n != id {
				id2 = n
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.waitSession(id2, "offered to 1001 and 1002", func(s map[string]any) bool { return slices.Equal(alerted(s), []string{"1001", "1002"}) })
	p.clock.Add(p.cfg.SessionIdle + time.Minute)
	p.d.router.Poke()
	p.waitSession(id2, "closed when idle", func(s map[string]any) bool { return s["state"] == "closed" })
	if n := len(p.graph.Sent(pnid)); n != 1 {
		t.Fatalf("Graph got %d sends, want only the agent's reply", n)
	}
}

// TestConsoleAndPhoneAreOneAgent: with a PBX, an agent whose phone is
// offline but who has the console open is offered conversations there;
// the phone gets what was held for it when it registers, and a reply from
// the phone answers the conversation the console shows.
func TestConsoleAndPhoneAreOneAgent(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "queue", "id": "sales"}, queue("sales", "ringall", "1001", "1002"))
	admin := signIn(t, p.base, "admin", "", adminToken)
	if _, page := admin.get("/admin/channels"); strings.Contains(page, `id="no-pbx"`) || strings.Contains(page, `id="pbx-down"`) {
		t.Fatalf("a connected PBX is reported missing:\n%s", page)
	}
	admin.addAgent("1001")
	agent := signIn(t, p.base, "agent", "1001", "agent-pass-1001")
	inbox := agent.open("/agent/events?view=inbox")

	p.customerSays(customer, "Ann", "Hello from WhatsApp")
	inbox.WaitFor(t, "Hello from WhatsApp")
	id := p.waitFirstSession()
	p.waitSession(id, "offered to 1001 on the console", func(s map[string]any) bool { return slices.Equal(alerted(s), []string{"1001"}) })
	if p.inboxHas("1001", "Hello from WhatsApp") {
		t.Fatal("an offline phone received a message")
	}

	// The phone registers: it gets the offer held for it and answers.
	p.register("1001")
	p.waitFor("1001", 0, "Hello from WhatsApp")
	p.phoneSays("1001", "wa-1-"+customer, "Answered from my phone")
	if got := p.waitSent(1); got != "Answered from my phone" {
		t.Fatalf("sent %q", got)
	}
	p.waitSession(id, "taken by 1001", func(s map[string]any) bool { return s["state"] == "active" && s["agent"] == "1001" })
	thread := agent.open(fmt.Sprintf("/agent/events?view=conversation&id=%d", id))
	thread.WaitFor(t, "Answered from my phone", "Yours")
}

// TestQueueMembers: with a PBX connected, a queue member the PBX does not
// have is refused; the queues page says where each member is present.
func TestQueueMembers(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "queue", "id": "sales"}, queue("sales", "ringall", "1001", "1002"))
	var out map[string]any
	for _, members := range [][]string{{"1001", "9999"}, {"abc"}} {
		code := p.do("POST", "/api/v1/queues", queue("support", "ringall", members...), &out)
		e, _ := out["error"].(map[string]any)
		if code != 422 || !strings.Contains(fmt.Sprint(e["message"]), "the PBX has no extension "+members[len(members)-1]) {
			t.Fatalf("queue with %v = %d %v", members, code, out)
		}
	}
	if code := p.do("PUT", "/api/v1/queues/sales", queue("sales", "ringall", "1001", "1003"), &out); code != 200 {
		t.Fatalf("queue with PBX extensions = %d %v", code, out)
	}

	admin := signIn(t, p.base, "admin", "", adminToken)
	admin.addAgent("1003")
	p.register("1001")
	agent := signIn(t, p.base, "agent", "1003", "agent-pass-1003")
	agent.open("/agent/events?view=inbox")
	deadline := time.Now().Add(time.Minute)
	for {
		_, page := admin.get("/admin/queues")
		if strings.Contains(page, "1001 <span class=\"muted\">present: phone</span>") && strings.Contains(page, "1003 <span class=\"muted\">present: console</span>") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queues page does not show presence:\n%s", page)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, page := admin.post("/admin/queues/sales", url.Values{"members": {"1001, 9999"}, "strategy": {"ringall"}, "pickup": {"first_reply"}, "ring_timeout": {"20"}}); code != 422 || !strings.Contains(page, "the PBX has no extension 9999") {
		t.Fatalf("saving a queue with an unknown member in the panel = %d:\n%s", code, page)
	}
}

// TestConsoleRetry: a reply Meta keeps refusing for a passing reason says
// in the console when it will be tried again, then goes out.
func TestConsoleRetry(t *testing.T) {
	t.Parallel()
	p := startConsoleOnly(t, map[string]string{"type": "extension", "id": "1001"})
	admin := signIn(t, p.base, "admin", "", adminToken)
	admin.addAgent("1001")
	p.customerSays(customer, "Ann", "Hello")
	id := p.waitFirstSession()
	agent := signIn(t, p.base, "agent", "1001", "agent-pass-1001")
	// Meta's "something went wrong" (retried) until the console has said
	// when the reply goes again.
	p.graph.FailNext(pnid, 1000, 131000)
	conv := fmt.Sprintf("/agent/c/%d", id)
	if code, _ := agent.post(conv, url.Values{"action": {"send"}, "text": {"Sorry for the wait"}}); code != 200 {
		t.Fatalf("reply = %d", code)
	}
	retrying := regexp.MustCompile(`Not sent yet \((1 failed attempt|\d+ failed attempts)\): retrying (in \d+ s|now)`)
	poll(t, "the console says when the reply is retried", func() bool {
		_, page := agent.get(conv)
		if retrying.MatchString(page) && !strings.Contains(page, `data-retry-at="`) {
			t.Fatalf("no countdown for the page's script:\n%s", page)
		}
		return retrying.MatchString(page)
	})
	p.graph.ClearFaults(pnid)
	if got := p.waitSent(1); got != "Sorry for the wait" {
		t.Fatalf("sent %q", got)
	}
}
