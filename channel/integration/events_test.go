package integration

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wachan/wachan/store"
)

// run starts the service's runner until the test ends.
func (e *env) run() {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { e.svc.Run(ctx) })
	e.t.Cleanup(func() { cancel(); wg.Wait() })
}

func (e *env) inbound(channel, text string) *store.Message {
	e.t.Helper()
	ch := &store.Channel{ID: channel}
	cust := &store.Customer{ChannelID: channel, Key: "447700900001", WaID: "447700900001", Name: "Ann"}
	m := &store.Message{ChannelID: channel, CustomerKey: cust.Key, Direction: store.Inbound, Type: "text", Text: text, Timestamp: time.Now().UTC()}
	e.update(func(tx *store.Tx) error {
		if _, err := tx.AddMessage(m); err != nil {
			return err
		}
		return e.svc.Hooks().Inbound(tx, ch, cust, m)
	})
	e.svc.Wake()
	return m
}

func (e *env) pending() int {
	var n int
	e.update(func(tx *store.Tx) error { n = tx.HookDeliveryCount(); return nil })
	return n
}

func TestWebhookRetriedUntilAccepted(t *testing.T) {
	e := newEnv(t, Options{RetryBase: 10 * time.Millisecond, RetryMax: 40 * time.Millisecond})
	rcv := newReceiver(t, 3)
	k := e.createKey(map[string]any{"name": "crm", "channels": []string{"chan-a"}, "webhook_url": rcv.url, "events": []string{EventInbound}})
	e.run()
	m := e.inbound("chan-a", "Hello")
	waitFor(t, "the fourth attempt", func() bool { return len(rcv.hits()) >= 4 && e.pending() == 0 })

	hits := rcv.hits()
	if len(hits) != 4 {
		t.Fatalf("attempts = %d, want 4 (3 failures then success)", len(hits))
	}
	var first Envelope
	for i, h := range hits {
		if !Verify(k.Secret, h.body, h.signature) {
			t.Fatalf("attempt %d: bad signature %q", i, h.signature)
		}
		if Verify("another-secret", h.body, h.signature) {
			t.Fatal("signature verifies with any secret")
		}
		var env Envelope
		if err := json.Unmarshal(h.body, &env); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = env
		}
		if env.ID != first.ID || h.header.Get(HeaderEventID) != env.ID || h.header.Get(HeaderEvent) != EventInbound || h.header.Get(HeaderTimestamp) == "" {
			t.Fatalf("attempt %d: envelope %+v headers %v", i, env, h.header)
		}
	}
	var d MessageData
	json.Unmarshal(first.Data, &d)
	if first.Event != EventInbound || first.ChannelID != "chan-a" || d.ID != m.ID || d.Text != "Hello" || d.Name != "Ann" {
		t.Fatalf("event = %+v data %+v", first, d)
	}
	// Backoff grows: the gaps between attempts do not shrink below the base.
	for i := 1; i < len(hits); i++ {
		if gap := hits[i].at.Sub(hits[i-1].at); gap < 10*time.Millisecond {
			t.Fatalf("attempt %d came %v after the previous one", i, gap)
		}
	}
}

func TestWebhookGivesUp(t *testing.T) {
	e := newEnv(t, Options{RetryBase: 5 * time.Millisecond, MaxAttempts: 3})
	rcv := newReceiver(t, 1000)
	e.createKey(map[string]any{"name": "crm", "channels": []string{"chan-a"}, "webhook_url": rcv.url})
	e.run()
	e.inbound("chan-a", "Hello")
	waitFor(t, "the delivery to be dropped", func() bool { return e.pending() == 0 })
	if n := len(rcv.hits()); n != 3 {
		t.Fatalf("attempts = %d, want 3", n)
	}
}

func TestEventsOnlyForSubscribedKeys(t *testing.T) {
	e := newEnv(t, Options{})
	rcv := newReceiver(t, 0)
	tests := []struct {
		name   string
		body   map[string]any
		revoke bool
	}{
		{"other channel", map[string]any{"channels": []string{"chan-b"}, "webhook_url": rcv.url}, false},
		{"other event", map[string]any{"channels": []string{"chan-a"}, "webhook_url": rcv.url, "events": []string{EventStatus}}, false},
		{"no webhook", map[string]any{"channels": []string{"chan-a"}}, false},
		{"revoked", map[string]any{"channels": []string{"chan-a"}, "webhook_url": rcv.url}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.body["name"] = tt.name
			k := e.createKey(tt.body)
			if tt.revoke {
				e.do(adminToken, "DELETE", "/api/v1/keys/"+k.ID, nil, nil)
			}
			e.inbound("chan-a", "hi")
			if n := e.pending(); n != 0 {
				t.Fatalf("%d deliveries queued", n)
			}
		})
	}
	// Session events follow the same rule.
	e.createKey(map[string]any{"name": "sessions", "channels": []string{"chan-a"}, "webhook_url": rcv.url, "events": []string{EventSessionClosed}})
	s := &store.Session{ID: 7, ChannelID: "chan-a", CustomerKey: "447700900001", State: store.StateClosed}
	e.update(func(tx *store.Tx) error {
		for _, ev := range []string{"opened", "taken", "closed"} {
			if err := e.svc.SessionChanged(tx, s, ev); err != nil {
				return err
			}
		}
		return nil
	})
	var ds []*store.HookDelivery
	e.update(func(tx *store.Tx) (err error) { ds, err = tx.HookDeliveries(10); return })
	if len(ds) != 1 || ds[0].Event != EventSessionClosed {
		t.Fatalf("deliveries = %+v", ds)
	}
}

func TestSignVerify(t *testing.T) {
	body := []byte(`{"id":"evt_1"}`)
	good := Sign("s3cret", body)
	tests := []struct {
		name, secret, header string
		body                 []byte
		want                 bool
	}{
		{"valid", "s3cret", good, body, true},
		{"other secret", "other", good, body, false},
		{"other body", "s3cret", good, []byte(`{"id":"evt_2"}`), false},
		{"no prefix", "s3cret", good[len("sha256="):], body, false},
		{"not hex", "s3cret", "sha256=zz", body, false},
		{"empty", "s3cret", "", body, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Verify(tt.secret, tt.body, tt.header); got != tt.want {
				t.Fatalf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFinishedReportsAcceptedAndFailed(t *testing.T) {
	e := newEnv(t, Options{})
	rcv := newReceiver(t, 0)
	e.createKey(map[string]any{"name": "crm", "channels": []string{"chan-a"}, "webhook_url": rcv.url, "events": []string{EventStatus}})
	ch := &store.Channel{ID: "chan-a"}
	for _, tt := range []struct {
		status string
		want   int
	}{{"accepted", 1}, {"failed", 2}, {"sent", 2}} {
		m := &store.Message{ID: 5, ChannelID: "chan-a", Status: tt.status, Error: &store.MessageError{Code: 131047}}
		e.update(func(tx *store.Tx) error { return e.svc.Finished(tx, ch, m) })
		if n := e.pending(); n != tt.want {
			t.Fatalf("after %s: %d deliveries, want %d", tt.status, n, tt.want)
		}
	}
	var ds []*store.HookDelivery
	e.update(func(tx *store.Tx) (err error) { ds, err = tx.HookDeliveries(10); return })
	var env Envelope
	var d MessageData
	json.Unmarshal(ds[1].Body, &env)
	json.Unmarshal(env.Data, &d)
	if d.Status != "failed" || d.Error == nil || d.Explanation == "" {
		t.Fatalf("failed event data = %+v", d)
	}
}

func TestQueuedEventSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	rcv := newReceiver(t, 0)
	st, err := store.Open(dir, store.Options{}, discard())
	if err != nil {
		t.Fatal(err)
	}
	svc := New(st, discard(), Options{})
	ch := &store.Channel{ID: "chan-a"}
	err = st.Update(func(tx *store.Tx) error {
		if err := tx.PutAPIKey(&store.APIKey{ID: "k1", Channels: []string{"chan-a"}, WebhookURL: rcv.url, WebhookSecret: "whsec_test", Events: Events}); err != nil {
			return err
		}
		return svc.Hooks().Status(tx, ch, &store.Message{ID: 9, ChannelID: "chan-a", Status: "delivered"})
	})
	if err != nil {
		t.Fatal(err)
	}
	st.Close() // no runner ran: the event waits in the store

	st, err = store.Open(dir, store.Options{}, discard())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := &env{t: t, st: st, svc: New(st, discard(), Options{})}
	e.run()
	waitFor(t, "the event after restart", func() bool { return len(rcv.hits()) == 1 && e.pending() == 0 })
	if h := rcv.hits()[0]; !Verify("whsec_test", h.body, h.signature) || h.header.Get(HeaderEvent) != EventStatus {
		t.Fatalf("delivery = %+v", h)
	}
}

func TestFailingReceiverKeepsOrderAndHoldsNoOne(t *testing.T) {
	e := newEnv(t, Options{RetryBase: 20 * time.Millisecond})
	failing, healthy := newReceiver(t, 2), newReceiver(t, 0)
	e.createKey(map[string]any{"name": "failing", "channels": []string{"chan-a"}, "webhook_url": failing.url, "events": []string{EventInbound}})
	e.createKey(map[string]any{"name": "healthy", "channels": []string{"chan-a"}, "webhook_url": healthy.url, "events": []string{EventInbound}})
	var ids []uint64
	for _, text := range []string{"one", "two", "three"} {
		ids = append(ids, e.inbound("chan-a", text).ID)
	}
	e.run()
	waitFor(t, "every delivery", func() bool { return e.pending() == 0 })

	accepted := func(r *receiver) (got []uint64, attempts []uint64) {
		for _, h := range r.hits() {
			var env Envelope
			var d MessageData
			json.Unmarshal(h.body, &env)
			json.Unmarshal(env.Data, &d)
			attempts = append(attempts, d.ID)
			if h.status == 200 {
				got = append(got, d.ID)
			}
		}
		return got, attempts
	}
	if got, attempts := accepted(healthy); !slices.Equal(got, ids) || len(attempts) != 3 {
		t.Fatalf("healthy receiver got %v in %v, want %v", got, attempts, ids)
	}
	got, attempts := accepted(failing)
	if !slices.Equal(got, ids) || !slices.Equal(attempts, []uint64{ids[0], ids[0], ids[0], ids[1], ids[2]}) {
		t.Fatalf("failing receiver got %v in attempts %v, want %v in order, the first one retried", got, attempts, ids)
	}
}
