package asterisk

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wachan/wachan/pbx"
	"github.com/wachan/wachan/pbx/ariemu"
)

// runAdapter runs a fresh adapter against emu until the returned stop is
// called; clean stops call Close first, like the daemon's shutdown, while
// a killed run just ends.
func runAdapter(t *testing.T, emu *ariemu.Server, msgs chan pbx.TextMessage) (stop func(clean bool)) {
	t.Helper()
	conn := make(chan bool, 10)
	ad := New(Options{
		URL: emu.URL(), User: "ari", Password: "ari", App: "wachan",
		OnMessage:   func(m pbx.TextMessage) { msgs <- m },
		OnConnected: func(up bool) { conn <- up },
		MinBackoff:  10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ad.Run(ctx) }()
	if !recv(t, conn, "connected") {
		t.Fatal("not connected")
	}
	return func(clean bool) {
		if clean {
			if err := ad.Close(context.Background()); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
		cancel()
		if err := recv(t, done, "Run to return"); err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

func TestOneReferenceAcrossRestarts(t *testing.T) {
	emu, err := ariemu.New(ariemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	emu.SetDialplan() // no dialplan rule: only the subscription claims messages
	emu.Register("1001")
	msgs := make(chan pbx.TextMessage, 10)
	for i := range 10 {
		stop := runAdapter(t, emu, msgs)
		if got := emu.SubscriptionRefs("wachan", "PJSIP"); got != 1 {
			t.Fatalf("start %d: %d references", i+1, got)
		}
		if code := emu.PhoneSend("1001", "wa-1-447700900001", "hello"); code != 202 {
			t.Fatalf("start %d: SIP answer %d", i+1, code)
		}
		if m := recv(t, msgs, "message"); m.Body != "hello" {
			t.Fatalf("got %+v", m)
		}
		clean := i%2 == 1
		stop(clean)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if clean {
			// No reference left: Asterisk destroys the application and
			// refuses the agent's message instead of dropping it.
			if err := emu.WaitAppState(ctx, "wachan", false, false); err != nil {
				t.Fatalf("start %d: application kept after a clean stop: %v", i+1, err)
			}
			if code := emu.PhoneSend("1001", "wa-1-447700900001", "while stopped"); code != 404 {
				t.Fatalf("after clean stop %d: SIP answer %d, want 404", i+1, code)
			}
		} else {
			// A killed run leaves its reference: 202 and dropped, until the
			// next start removes it.
			if err := emu.WaitAppState(ctx, "wachan", true, false); err != nil {
				t.Fatalf("start %d: %v", i+1, err)
			}
			missed := emu.Missed("wachan")
			if code := emu.PhoneSend("1001", "wa-1-447700900001", "while killed"); code != 202 || emu.Missed("wachan") != missed+1 {
				t.Fatalf("after kill %d: SIP answer %d, missed %d", i+1, code, emu.Missed("wachan")-missed)
			}
		}
		cancel()
	}
}

func TestCloseReportsUnreachableARI(t *testing.T) {
	ad := New(Options{URL: "http://127.0.0.1:1/ari", App: "wachan"})
	if err := ad.Close(context.Background()); !errors.Is(err, pbx.ErrNotConnected) {
		t.Fatalf("Close = %v", err)
	}
}

// Stopped before it subscribed, wachan still removes what a crashed run
// left, so Asterisk stops accepting agents' messages for it.
func TestCloseBeforeSubscribingClearsLeftovers(t *testing.T) {
	h := newHarness(t, nil, "1001")
	h.waitUp(t)
	// A second run that is killed leaves its reference besides ours.
	stop := runAdapter(t, h.emu, make(chan pbx.TextMessage, 10))
	stop(false)
	ad := New(Options{URL: h.emu.URL(), User: "ari", Password: "ari", App: "wachan"})
	if err := ad.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := h.emu.SubscriptionRefs("wachan", "PJSIP"); got != 0 {
		t.Fatalf("%d references left", got)
	}
}

// The same SIP request gets the same ID through ARI and through the
// dialplan hand-off.
func TestHandoffMatchesARIMessage(t *testing.T) {
	forms := make(chan HandoffForm, 1)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		forms <- HandoffForm{From: r.PostFormValue("from"), To: r.PostFormValue("to"), CallID: r.PostFormValue("call_id"),
			CSeq: r.PostFormValue("cseq"), Length: r.PostFormValue("length"), Body: r.PostFormValue("body")}
		w.Write([]byte(HandoffAccepted))
	}))
	defer target.Close()
	h := newHarness(t, nil, "1001")
	h.waitUp(t)
	h.emu.SetDialplan(ariemu.Handoff{URL: target.URL + HandoffPath, Accepted: HandoffAccepted, Notice: HandoffNotice}.Extension("_wa-."))
	for _, body := range []string{"hello, world", string(make([]byte, 1500))} {
		h.emu.PhoneSend("1001", "wa-1-447700900001", body)
		viaARI := recv(t, h.msgs, "message")
		viaDialplan, err := HandoffMessage(recv(t, forms, "hand-off"), "wa-", viaARI.Time)
		if err != nil {
			t.Fatal(err)
		}
		if viaARI.ID == "" || viaARI != viaDialplan {
			t.Fatalf("ARI %+v\nhand-off %+v", viaARI, viaDialplan)
		}
	}
}

func TestHandoffMessage(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name string
		f    HandoffForm
		want pbx.TextMessage
		err  bool
	}{
		{"text", HandoffForm{From: "<sip:1001@127.0.0.1>", To: "pjsip:wa-1-447700900001@127.0.0.1", CallID: "abc", CSeq: "12  MESSAGE", Length: "5", Body: "hello"},
			pbx.TextMessage{ID: "abc 12 MESSAGE", From: "1001", To: "wa-1-447700900001", Body: "hello", ContentLength: 5, Time: now}, false},
		{"oversize", HandoffForm{From: "<sip:1001@127.0.0.1>", To: "pjsip:wa-1-447700900001@127.0.0.1", Length: "1500"},
			pbx.TextMessage{From: "1001", To: "wa-1-447700900001", ContentLength: 1500, Oversize: true, Time: now}, false},
		{"not a channel address", HandoffForm{From: "<sip:1001@127.0.0.1>", To: "pjsip:1002@127.0.0.1", Body: "x"}, pbx.TextMessage{}, true},
		{"no sender", HandoffForm{From: "", To: "pjsip:wa-1@127.0.0.1", Body: "x"}, pbx.TextMessage{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := HandoffMessage(tc.f, "wa-", now)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
	if a, b := HandoffSecret("ari"), HandoffSecret("other"); len(a) != 32 || a == b || a != HandoffSecret("ari") {
		t.Fatalf("secrets %q %q", a, b)
	}
}
