package daemon

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wachan/wachan/pbx/ariemu"
	"github.com/wachan/wachan/pbx/asterisk"
)

// handoffPBX starts a daemon whose emulated Asterisk has the dialplan
// `wachan setup asterisk` recommends: wa- addresses are handed to wachan
// with CURL(), and the agent is told when wachan does not take them. A
// customer's message has reached 1001, so that replies have a session.
func handoffPBX(t *testing.T) (*pbxHarness, string) {
	t.Helper()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	p.ari.SetDialplan(ariemu.Handoff{
		URL: p.base + asterisk.HandoffPath, UserPwd: asterisk.HandoffUser + ":" + asterisk.HandoffSecret("ari"),
		Accepted: asterisk.HandoffAccepted, Notice: asterisk.HandoffNotice,
	}.Extension("_wa-."))
	p.register("1001")
	p.customerSays(customer, "Ann", "Hello")
	p.waitFor("1001", 0, "Hello")
	return p, "wa-1-" + customer
}

// sentTexts returns the text bodies the Graph emulator accepted.
func (p *pbxHarness) sentTexts() []string {
	var out []string
	for _, s := range p.graph.Sent(pnid) {
		text, _ := s.Body["text"].(map[string]any)
		b, _ := text["body"].(string)
		out = append(out, b)
	}
	return out
}

// sentOnce waits until body was sent to WhatsApp, then sends a marker
// reply and waits for it, so that a second copy of body would have been
// sent by then, and checks body went out exactly once.
func (p *pbxHarness) sentOnce(addr, body string) {
	p.t.Helper()
	poll(p.t, "sending "+body, func() bool { return count(p.sentTexts(), body) > 0 })
	marker := "marker after " + body
	p.phoneSays("1001", addr, marker)
	poll(p.t, "sending the marker", func() bool { return count(p.sentTexts(), marker) > 0 })
	if n := count(p.sentTexts(), body); n != 1 {
		p.t.Fatalf("%q sent %d times", body, n)
	}
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// stopped: a clean stop removes wachan's subscription, so Asterisk hands
// the reply to the dialplan, which tells the agent; after the next start
// the same reply goes through.
func TestReplyWhileStopped(t *testing.T) {
	t.Parallel()
	p, addr := handoffPBX(t)
	n := len(p.ari.Inbox("1001"))
	p.stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.ari.WaitAppState(ctx, "wachan", false, false); err != nil {
		t.Fatalf("application kept after a clean stop: %v", err)
	}
	p.phoneSays("1001", addr, "Are you there?")
	p.waitFor("1001", n, asterisk.HandoffNotice)
	if p.ari.Missed("wachan") != 0 {
		t.Fatal("a message was accepted by ARI and dropped")
	}
	// Without the dialplan rule the phone shows a failure instead.
	p.ari.SetDialplan()
	if code := p.ari.PhoneSend("1001", addr, "Are you there?"); code != http.StatusNotFound {
		t.Fatalf("SIP answer %d, want 404", code)
	}

	p.ari.SetDialplan(ariemu.Handoff{URL: p.base + asterisk.HandoffPath, UserPwd: asterisk.HandoffUser + ":" + asterisk.HandoffSecret("ari"),
		Accepted: asterisk.HandoffAccepted, Notice: asterisk.HandoffNotice}.Extension("_wa-."))
	p.restart()
	p.phoneSays("1001", addr, "Are you there now?")
	p.sentOnce(addr, "Are you there now?")
}

// killed: a wachan that died without unsubscribing (SIGKILL) leaves an
// inactive application with its reference; Asterisk accepts the reply for
// it and drops ARI's copy, and the dialplan tells the agent. The next
// start removes the stale reference and holds exactly one.
func TestReplyWhileKilled(t *testing.T) {
	t.Parallel()
	p, addr := handoffPBX(t)
	n := len(p.ari.Inbox("1001"))
	p.stop()
	// What Asterisk is left with after SIGKILL: the process's websocket
	// closed by the kernel, its subscription reference still held.
	u := "ws://" + p.ari.Addr() + "/ari/events?app=wachan&api_key=ari:ari&subscribeAll=false"
	c, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, p.ari.URL()+"/applications/wachan/subscription?eventSource=endpoint:PJSIP", nil)
	req.SetBasicAuth("ari", "ari")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("subscribing: %v %v", resp, err)
	}
	resp.Body.Close()
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.ari.WaitAppState(ctx, "wachan", true, false); err != nil {
		t.Fatal(err)
	}

	p.phoneSays("1001", addr, "Hello?")
	if p.ari.Missed("wachan") != 1 {
		t.Fatalf("missed %d, want 1", p.ari.Missed("wachan"))
	}
	p.waitFor("1001", n, asterisk.HandoffNotice)

	p.restart()
	if got := p.ari.SubscriptionRefs("wachan", "PJSIP"); got != 1 {
		t.Fatalf("%d references after restart", got)
	}
	p.phoneSays("1001", addr, "Hello again")
	p.sentOnce(addr, "Hello again")
}

// reconnecting: after an Asterisk restart wachan has no subscription until
// its websocket is back; the dialplan hands the reply over meanwhile. Once
// reconnected both routes carry it, and it is sent once.
func TestReplyWhileReconnecting(t *testing.T) {
	t.Parallel()
	p, addr := handoffPBX(t)
	p.ari.HoldEvents(true)
	if err := p.ari.Restart(); err != nil {
		t.Fatal(err)
	}
	poll(t, "the adapter noticing the restart", func() bool { return !p.d.ari.Connected() })
	if exists, _ := p.ari.AppState("wachan"); exists {
		t.Fatal("application exists before the adapter reconnected")
	}
	p.phoneSays("1001", addr, "Sent during the restart")
	p.sentOnce(addr, "Sent during the restart")

	p.ari.HoldEvents(false)
	p.waitConnected()
	p.phoneSays("1001", addr, "Sent by both routes")
	p.sentOnce(addr, "Sent by both routes")
	if p.ari.Missed("wachan") != 0 {
		t.Fatal("a message was dropped")
	}
}

// before first subscription: wachan serves HTTP before its ARI websocket
// is up; a reply typed then goes through the dialplan.
func TestReplyBeforeFirstSubscription(t *testing.T) {
	t.Parallel()
	p, addr := handoffPBX(t)
	p.stop()
	p.ari.HoldEvents(true)
	p.harness, p.d = startDaemon(t, p.cfg, p.clock)
	if p.d.ari.Connected() {
		t.Fatal("connected while events are held")
	}
	p.phoneSays("1001", addr, "First words")
	p.sentOnce(addr, "First words")
	p.ari.HoldEvents(false)
	p.waitConnected()
	if got := p.ari.SubscriptionRefs("wachan", "PJSIP"); got != 1 {
		t.Fatalf("%d references", got)
	}
}

func TestHandoffRefusesWrongSecret(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	for _, auth := range []string{"", asterisk.HandoffUser + ":" + asterisk.HandoffSecret("old password"), "ari:ari"} {
		req, _ := http.NewRequest(http.MethodPost, p.base+asterisk.HandoffPath, strings.NewReader("from=%3Csip%3A1001%40h%3E&to=pjsip%3Awa-1-1%40h&body=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user, pass, ok := strings.Cut(auth, ":"); ok {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("credentials %q: %d", auth, resp.StatusCode)
		}
	}
}
