package daemon

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/config"
	"github.com/wachan/wachan/pbx/ariemu"
	"github.com/wachan/wachan/store"
)

// fakeClock is the routing clock of a test daemon; its alarms ring when
// Add moves it to or past their time.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	alarms []fakeAlarm
}

type fakeAlarm struct {
	at time.Time
	c  chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.alarms = slices.DeleteFunc(c.alarms, func(a fakeAlarm) bool {
		if c.t.Before(a.at) {
			return false
		}
		a.c <- c.t
		return true
	})
}

// WakeAt returns a channel that receives once the clock reaches at.
func (c *fakeClock) WakeAt(at time.Time) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if !c.t.Before(at) {
		ch <- c.t
		return ch
	}
	c.alarms = append(c.alarms, fakeAlarm{at: at, c: ch})
	return ch
}

// pbxHarness is a daemon wired to a Graph API emulator and an ARI
// emulator over loopback.
type pbxHarness struct {
	*harness
	t     testing.TB
	d     *Daemon
	graph *graphemu.Server
	ari   *ariemu.Server
	clock *fakeClock
	ch    string // channel id
}

const customer = "447700900001"

func startPBX(t testing.TB, destination map[string]string, queues ...map[string]any) *pbxHarness {
	t.Helper()
	return startPBXWith(t, nil, destination, queues...)
}

// startPBXWith is startPBX with the configuration changed by tweak first.
func startPBXWith(t testing.TB, tweak func(*config.Config), destination map[string]string, queues ...map[string]any) *pbxHarness {
	t.Helper()
	p := startHarness(t, graphemu.Options{}, true, tweak, destination, queues...)
	p.waitConnected()
	return p
}

// startHarness runs a daemon on the fake clock wired to a Graph API
// emulator started with opts and, withARI, to an ARI emulator, creates
// queues and one channel routed to destination, and lets the emulator
// serve the channel's number. It does not wait for the PBX.
func startHarness(t testing.TB, opts graphemu.Options, withARI bool, tweak func(*config.Config), destination map[string]string, queues ...map[string]any) *pbxHarness {
	t.Helper()
	graph := graphemu.New(opts)
	graphURL, err := graph.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { graph.Close() })
	cfg := testConfig(t, graphURL)
	var ari *ariemu.Server
	if withARI {
		if ari, err = ariemu.New(ariemu.Options{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(ari.Close)
		cfg.ARIURL, cfg.ARIUser, cfg.ARIPassword = ari.URL(), "ari", "ari"
	}
	if tweak != nil {
		tweak(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Now()}
	h, d := startDaemon(t, cfg, clock)
	p := &pbxHarness{harness: h, t: t, d: d, graph: graph, ari: ari, clock: clock}
	for _, q := range queues {
		var out map[string]any
		if code := h.do("POST", "/api/v1/queues", q, &out); code != 201 {
			t.Fatalf("create queue: %d %v", code, out)
		}
	}
	body := newChannelBody()
	body["destination"] = destination
	var raw map[string]any
	if code := h.do("POST", "/api/v1/channels", body, &raw); code != 201 {
		t.Fatalf("create channel: %d %v", code, raw)
	}
	p.ch = raw["id"].(string)
	if err := graph.AddNumber(graphemu.Number{PhoneNumberID: pnid, WABAID: "102290129340398", DisplayPhoneNumber: "+44 7911 123456",
		VerifiedName: "Sales Ltd", Token: metaToken, AppSecret: appSecret, WebhookURL: raw["webhook_url"].(string)}); err != nil {
		t.Fatal(err)
	}
	return p
}

// startWithEmu runs a daemon with no PBX wired to a Graph API emulator
// started with opts; both stop when the test ends.
func startWithEmu(t testing.TB, opts graphemu.Options) (*graphemu.Server, *harness) {
	t.Helper()
	emu := graphemu.New(opts)
	emuURL, err := emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	return emu, start(t, testConfig(t, emuURL))
}

// metaChannel is a channel created through the admin API.
type metaChannel struct {
	ID         string `json:"id"`
	WebhookURL string `json:"webhook_url"`
}

// startWithChannel runs a daemon with no PBX wired to a Graph API emulator
// started with opts, and creates one channel whose number the emulator
// serves (WABA 102290129340398).
func startWithChannel(t testing.TB, opts graphemu.Options) (*graphemu.Server, *harness, metaChannel) {
	t.Helper()
	emu, h := startWithEmu(t, opts)
	var ch metaChannel
	if code := h.do("POST", "/api/v1/channels", newChannelBody(), &ch); code != 201 {
		t.Fatalf("create channel: %d", code)
	}
	if err := emu.AddNumber(graphemu.Number{PhoneNumberID: pnid, WABAID: "102290129340398", DisplayPhoneNumber: "+44 7911 123456",
		Token: metaToken, AppSecret: appSecret, WebhookURL: ch.WebhookURL}); err != nil {
		t.Fatal(err)
	}
	return emu, h, ch
}

// startDaemon runs a daemon with the routing clock clock.
func startDaemon(t testing.TB, cfg *config.Config, clock *fakeClock) (*harness, *Daemon) {
	t.Helper()
	d, err := New(cfg, testLogger(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	d.clock, d.wakeAt = clock.Now, clock.WakeAt
	return serve(t, d, cfg), d
}

// testLogger discards the daemon's log unless WACHAN_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("WACHAN_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// waitConnected waits until the adapter is connected and subscribed.
func (p *pbxHarness) waitConnected() {
	p.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !p.d.ari.Connected() {
		if time.Now().After(deadline) {
			p.t.Fatal("ARI adapter never connected")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitDelivered waits until the PBX accepted every held message.
func (p *pbxHarness) waitDelivered() {
	p.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var n int
		p.d.store.View(func(tx *store.Tx) error {
			ds, err := tx.Deliveries(0)
			n = len(ds)
			return err
		})
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%d deliveries still held", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// restart stops the daemon and starts it again on the same data.
func (p *pbxHarness) restart() {
	p.stop()
	p.harness, p.d = startDaemon(p.t, p.cfg, p.clock)
	p.waitConnected()
}

// register registers phones and waits until the router has seen them.
func (p *pbxHarness) register(exts ...string) {
	p.t.Helper()
	for _, e := range exts {
		if err := p.ari.Register(e); err != nil {
			p.t.Fatal(err)
		}
	}
	// Presence travels over the event socket; wait until the adapter
	// reports it (the router reads its channel before any later event).
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		all := true
		for _, e := range exts {
			st, err := p.d.ari.Endpoint(context.Background(), e)
			if err != nil || !st.Online {
				all = false
			}
		}
		if all {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.t.Fatalf("phones %v never came online", exts)
}

// customerSays delivers a signed text webhook from the customer.
func (p *pbxHarness) customerSays(from, name, text string) {
	p.t.Helper()
	_, body := p.graph.InboundText(pnid, from, name, text)
	if code, err := p.graph.DeliverInbound(pnid, body); err != nil || code != 200 {
		p.t.Fatalf("inbound webhook = %d, %v", code, err)
	}
}

// waitFor waits until the phone of ext has received a message containing
// want after the first skip messages and returns it with its index.
func (p *pbxHarness) waitFor(ext string, skip int, want string) (ariemu.Received, int) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for n := skip + 1; ; n++ {
		got, err := p.ari.WaitInbox(ctx, ext, n)
		if err != nil {
			var bodies []string
			for _, r := range got {
				bodies = append(bodies, r.Body)
			}
			p.t.Fatalf("%s never received %q; inbox: %q", ext, want, bodies)
		}
		if strings.Contains(got[n-1].Body, want) {
			return got[n-1], n
		}
	}
}

// inboxHas reports whether any message at ext contains want.
func (p *pbxHarness) inboxHas(ext, want string) bool {
	for _, r := range p.ari.Inbox(ext) {
		if strings.Contains(r.Body, want) {
			return true
		}
	}
	return false
}

// phoneSays sends a SIP MESSAGE from ext to addr.
func (p *pbxHarness) phoneSays(ext, addr, body string) {
	p.t.Helper()
	if code := p.ari.PhoneSend(ext, addr, body); code != 202 {
		p.t.Fatalf("PhoneSend from %s = %d", ext, code)
	}
}

// waitSent waits until the Graph emulator accepted n sends and returns the
// text of the n-th.
func (p *pbxHarness) waitSent(n int) string {
	p.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if sent := p.graph.Sent(pnid); len(sent) >= n {
			text, _ := sent[n-1].Body["text"].(map[string]any)
			b, _ := text["body"].(string)
			return b
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.t.Fatalf("Graph emulator never got send #%d (have %d)", n, p.graph.SentCount(pnid))
	return ""
}

// session fetches the customer's sessions through the API.
func (p *pbxHarness) sessions(query string) []map[string]any {
	var out struct{ Sessions []map[string]any }
	if code := p.do("GET", "/api/v1/sessions"+query, nil, &out); code != 200 {
		p.t.Fatalf("list sessions = %d", code)
	}
	return out.Sessions
}

// waitFirstSession waits for a session to be listed and returns the id
// of the first.
func (p *pbxHarness) waitFirstSession() uint64 {
	p.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if l := p.sessions(""); len(l) > 0 {
			return uint64(l[0]["id"].(float64))
		}
		if time.Now().After(deadline) {
			p.t.Fatal("no session")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func jsonNum(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func queue(name, strategy string, members ...string) map[string]any {
	return map[string]any{"name": name, "members": members, "strategy": strategy, "ring_timeout": 30}
}

// advance moves the routing clock and lets the router act on it.
func (p *pbxHarness) advance(d time.Duration) {
	p.clock.Add(d)
	p.d.router.Poke()
}
