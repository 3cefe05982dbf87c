package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/pbx/ariemu"
	"github.com/wachan/wachan/store"
)

// countIn returns how many messages at ext contain want.
func (p *pbxHarness) countIn(ext, want string) int {
	n := 0
	for _, r := range p.ari.Inbox(ext) {
		if strings.Contains(r.Body, want) {
			n++
		}
	}
	return n
}

// heldDeliveries returns how many messages for phones the store holds.
func (p *pbxHarness) heldDeliveries() int {
	var n int
	p.d.store.View(func(tx *store.Tx) error {
		ds, err := tx.Deliveries(0)
		n = len(ds)
		return err
	})
	return n
}

// poll waits up to five seconds for cond.
func poll(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestARIGoesAwayMidConversation stops Asterisk in the middle of a
// conversation, lets the customer write and the agent's phone drop off
// while it is down, starts it again on the same address and checks that
// every message reaches the agent once, after the phone is back, and that
// the conversation goes on.
func TestARIGoesAwayMidConversation(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001")
	addr := "wa-1-" + customer

	p.customerSays(customer, "Ann", "first question")
	p.waitFor("1001", 0, "first question")
	p.phoneSays("1001", addr, "first answer")
	if got := p.waitSent(1); got != "first answer" {
		t.Fatalf("sent %q", got)
	}
	p.waitDelivered()

	// Asterisk goes away; meanwhile the phone unregisters and the
	// customer goes on writing.
	p.ari.Stop()
	poll(t, "the adapter to notice", func() bool { return !p.d.ari.Connected() })
	if err := p.ari.Unregister("1001"); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"second question", "third question"} {
		p.customerSays(customer, "Ann", text)
	}
	poll(t, "both messages to be held", func() bool { return p.heldDeliveries() == 2 })

	// Asterisk is back on the same address; the phone is still offline,
	// so the messages stay held.
	if err := p.ari.Start(); err != nil {
		t.Fatal(err)
	}
	p.waitConnected()
	p.customerSays(customer, "Ann", "fourth question")
	poll(t, "the new message to be held too", func() bool { return p.heldDeliveries() == 3 })
	if p.inboxHas("1001", "second question") {
		t.Fatal("a message was delivered to a phone that is offline")
	}

	// The phone comes back: everything arrives, once, in order.
	p.register("1001")
	p.waitFor("1001", 0, "fourth question")
	p.waitDelivered()
	var got []string
	for _, r := range p.ari.Inbox("1001") {
		got = append(got, r.Body)
	}
	for _, want := range []string{"first question", "second question", "third question", "fourth question"} {
		if n := p.countIn("1001", want); n != 1 {
			t.Fatalf("%q reached the phone %d times; inbox %q", want, n, got)
		}
	}
	second := slices.IndexFunc(got, func(s string) bool { return strings.Contains(s, "second question") })
	fourth := slices.IndexFunc(got, func(s string) bool { return strings.Contains(s, "fourth question") })
	if second > fourth {
		t.Fatalf("out of order: %q", got)
	}

	// The agent answers through the new connection; a restart while idle
	// changes nothing either.
	p.phoneSays("1001", addr, "second answer")
	if got := p.waitSent(2); got != "second answer" {
		t.Fatalf("sent %q", got)
	}
	if err := p.ari.Restart(); err != nil {
		t.Fatal(err)
	}
	// The restart forgot the application: wait until wachan has
	// connected and subscribed again (until then Asterisk hands phone
	// messages to the dialplan).
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.ari.WaitAppState(ctx, p.cfg.ARIApp, true, true); err != nil {
		t.Fatal(err)
	}
	p.waitConnected()
	p.customerSays(customer, "Ann", "after the restart")
	p.waitFor("1001", 0, "after the restart")
	p.phoneSays("1001", addr, "third answer")
	if got := p.waitSent(3); got != "third answer" {
		t.Fatalf("sent %q", got)
	}
	p.waitDelivered()
	if n := p.countIn("1001", "after the restart"); n != 1 {
		t.Fatalf("message after the restart reached the phone %d times", n)
	}
	if n := p.graph.SentCount(pnid); n != 3 {
		t.Fatalf("Graph API got %d sends, want 3", n)
	}
}

// classLog records the retry classes the outbox asked a wait for.
type classLog struct {
	mu      sync.Mutex
	classes []cloudapi.Class
}

// backoff is a fast outbox Backoff that records each class.
func (c *classLog) backoff(class cloudapi.Class, attempt int) time.Duration {
	c.mu.Lock()
	c.classes = append(c.classes, class)
	c.mu.Unlock()
	return 20 * time.Millisecond
}

func (c *classLog) count(class cloudapi.Class) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range c.classes {
		if k == class {
			n++
		}
	}
	return n
}

// startFaultPBX is startPBX with the Graph emulator behind a fault proxy,
// a Graph client that gives up after 300 ms and an outbox whose retry and
// doubt waits are short (the daemon's are seconds to minutes).
func startFaultPBX(t *testing.T, edit func(*graphemu.Number)) (*pbxHarness, *graphemu.FaultProxy, *classLog) {
	t.Helper()
	graph := graphemu.New(graphemu.Options{})
	graphURL, err := graph.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { graph.Close() })
	proxy, err := graphemu.NewFaultProxy(graphURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	ari, err := ariemu.New(ariemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ari.Close)
	cfg := testConfig(t, proxy.URL())
	cfg.ARIURL, cfg.ARIUser, cfg.ARIPassword = ari.URL(), "ari", "ari"
	cfg.SendDoubtWait = 200 * time.Millisecond
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d, err := New(cfg, log, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	classes := &classLog{}
	client := cloudapi.New(cloudapi.Options{BaseURL: cfg.GraphURL, Version: cfg.GraphVersion, Logger: log,
		HTTP: &http.Client{Timeout: 300 * time.Millisecond}})
	d.outbox = outbox.New(d.store, client, log, outbox.Options{Rate: cfg.SendRate, DoubtWait: cfg.SendDoubtWait,
		GraphError: d.metrics.GraphError, Finished: d.onFinished, Backoff: classes.backoff})
	h := serve(t, d, cfg)
	p := &pbxHarness{harness: h, t: t, d: d, graph: graph, ari: ari, clock: &fakeClock{t: time.Now()}}
	var raw map[string]any
	if code := h.do("POST", "/api/v1/channels", newChannelBody(), &raw); code != 201 {
		t.Fatalf("create channel: %d %v", code, raw)
	}
	p.ch = raw["id"].(string)
	n := graphemu.Number{PhoneNumberID: pnid, WABAID: "102290129340398", DisplayPhoneNumber: "+44 7911 123456",
		VerifiedName: "Sales Ltd", Token: metaToken, AppSecret: appSecret, WebhookURL: raw["webhook_url"].(string)}
	if edit != nil {
		edit(&n)
	}
	if err := graph.AddNumber(n); err != nil {
		t.Fatal(err)
	}
	p.waitConnected()
	return p, proxy, classes
}

// jobError returns the last error of the first queued send, or "".
func (p *pbxHarness) jobError() string {
	var s string
	p.d.store.View(func(tx *store.Tx) error {
		jobs, err := tx.Jobs()
		if len(jobs) > 0 {
			s = jobs[0].LastError
		}
		return err
	})
	return s
}

// TestGraphFaults makes the Graph API time out, reset connections and
// answer 500, 503, 429 (4, 80007, 130429) and 131056 while an agent
// answers a customer, and checks that every answer is sent exactly once,
// in order, each failure retried per its class, the channel's send rate
// kept, and the errors counted by code in /metrics.
func TestGraphFaults(t *testing.T) {
	t.Parallel()
	const rate = 10
	p, proxy, classes := startFaultPBX(t, func(n *graphemu.Number) {
		// Meta's throughput limit, a little above the channel's rate:
		// going over it would be refused with 130429.
		n.Rate, n.Burst = rate+2, 2
	})
	var ch map[string]any
	if code := p.do("PATCH", "/api/v1/channels/"+p.ch, map[string]any{"send_rate": rate}, &ch); code != 200 {
		t.Fatalf("set send_rate: %d %v", code, ch)
	}
	p.register("1001")
	addr := "wa-1-" + customer
	p.customerSays(customer, "Ann", "hello")
	_, seen := p.waitFor("1001", 0, "hello")

	// A timeout: the request is lost on the way and never answered.
	proxy.HangNext(1)
	p.phoneSays("1001", addr, "answer 0")
	// Seen as the job's error, or (on a busy machine, once it is retried
	// and gone) as the one retry so far.
	poll(t, "a timed-out attempt", func() bool {
		e := p.jobError()
		return strings.Contains(e, "Timeout") || strings.Contains(e, "deadline") || classes.count(cloudapi.Retry) == 1
	})
	if got := p.waitSent(1); got != "answer 0" {
		t.Fatalf("sent %q", got)
	}

	// Connection resets, then a burst of error answers.
	codes := []int{131000, 1, 130429, 131056, 2, 80007, 4}
	proxy.ResetNext(2)
	p.graph.FailSeq(pnid, codes...)
	const burst = 12
	for i := 1; i <= burst; i++ {
		p.phoneSays("1001", addr, fmt.Sprintf("answer %d", i))
	}
	poll(t, "every answer to go out", func() bool { return p.graph.SentCount(pnid) >= burst+1 })
	poll(t, "the outbox to empty", func() bool {
		var n int
		p.d.store.View(func(tx *store.Tx) error { jobs, err := tx.Jobs(); n = len(jobs); return err })
		return n == 0
	})

	sent := p.graph.Sent(pnid)
	if len(sent) != burst+1 {
		t.Fatalf("Graph API got %d sends, want %d", len(sent), burst+1)
	}
	for i, s := range sent {
		text, _ := s.Body["text"].(map[string]any)
		if want := fmt.Sprintf("answer %d", i); text["body"] != want {
			t.Fatalf("send %d = %v, want %q (each once, in order)", i, text["body"], want)
		}
	}
	if p.graph.PendingFaults(pnid) != 0 || proxy.Resets() != 2 {
		t.Fatalf("faults left: %d injected errors, %d of 2 resets done", p.graph.PendingFaults(pnid), proxy.Resets())
	}
	rejected := p.graph.Rejected(pnid)
	for _, code := range codes {
		if rejected[code] != 1 {
			t.Errorf("code %d refused %d times, want 1 (the injected one): %v", code, rejected[code], rejected)
		}
	}
	if len(rejected) != len(codes) {
		t.Errorf("refusals %v: the send rate went over Meta's throughput or something else failed", rejected)
	}
	// Retries: every failure but 131056 is Retry (backoff doubling from
	// 1 s); 131056 waits per recipient (4^n s). A reset may be replayed by
	// the HTTP client on its own before the outbox sees it.
	if n := classes.count(cloudapi.PairBackoff); n != 1 {
		t.Errorf("%d pair backoffs, want 1", n)
	}
	if n := classes.count(cloudapi.Retry); n < len(codes)-1+1 || n > len(codes)-1+1+2 {
		t.Errorf("%d retries, want %d to %d", n, len(codes), len(codes)+2)
	}
	// The channel's rate: no second holds more than rate sends, plus the
	// bucket's one and one for timing noise.
	for i := range sent {
		j := i
		for j < len(sent) && sent[j].Time.Sub(sent[i].Time) < time.Second {
			j++
		}
		if j-i > rate+2 {
			t.Fatalf("%d sends within a second from send %d", j-i, i)
		}
	}

	// A send that must not be retried fails once and the agent is told.
	p.graph.FailNext(pnid, 1, 131026)
	p.phoneSays("1001", addr, "this one bounces")
	p.waitFor("1001", seen, "WhatsApp error 131026")
	if got := p.graph.Rejected(pnid)[131026]; got != 1 {
		t.Fatalf("131026 refused %d times, want 1 (never retried)", got)
	}

	resp, err := http.Get(p.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, code := range append(codes, 131026) {
		want := fmt.Sprintf(`wachan_graph_errors_total{code="%d"} 1`, code)
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
