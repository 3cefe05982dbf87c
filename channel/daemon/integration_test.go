package daemon

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/integration"
)

// hookSink is a loopback event webhook receiver that answers 500 to its
// first failFirst requests.
type hookSink struct {
	mu        sync.Mutex
	failFirst int
	requests  int
	events    []integration.Envelope
	bad       []string
	url       string
	secret    string
}

func newHookSink(t *testing.T, failFirst int) *hookSink {
	s := &hookSink{failFirst: failFirst}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests++
		if !integration.Verify(s.secret, body, r.Header.Get(integration.HeaderSignature)) {
			s.bad = append(s.bad, string(body))
		}
		if s.requests <= s.failFirst {
			w.WriteHeader(500)
			return
		}
		var env integration.Envelope
		json.Unmarshal(body, &env)
		s.events = append(s.events, env)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s.url = "http://" + ln.Addr().String() + "/wachan"
	return s
}

// wait returns the accepted events once ok holds for them.
func (s *hookSink) wait(t *testing.T, what string, ok func([]integration.Envelope) bool) []integration.Envelope {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		s.mu.Lock()
		evs := slices.Clone(s.events)
		bad := slices.Clone(s.bad)
		s.mu.Unlock()
		if len(bad) > 0 {
			t.Fatalf("webhooks with bad signatures: %v", bad)
		}
		if ok(evs) {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; got %+v", what, evs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func countEvents(evs []integration.Envelope, event string, match func(json.RawMessage) bool) int {
	n := 0
	for _, e := range evs {
		if e.Event == event && (match == nil || match(e.Data)) {
			n++
		}
	}
	return n
}

// client calls the API with one credential and keeps every response body.
type client struct {
	t      *testing.T
	base   string
	token  string
	bodies *[]string
}

func (c client) call(method, path, idem string, body any, out any) int {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	*c.bodies = append(*c.bodies, string(data))
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: decoding %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

type apiErr struct {
	Error struct{ Code, Message string }
}

// TestIntegrationEndToEnd drives the daemon like a CRM would: an admin
// issues a key scoped to one channel with an event webhook; the CRM sends
// idempotently, follows the status trail and receives signed events, with
// a redelivery after its receiver failed; then the key is revoked.
func TestIntegrationEndToEnd(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	var bodies []string
	admin := client{t: t, base: p.base, token: adminToken, bodies: &bodies}

	other := newChannelBody()
	other["name"], other["number"], other["phone_number_id"] = "Support", "+44 7911 123457", "106540352242923"
	var chB struct{ ID string }
	if code := admin.call("POST", "/api/v1/channels", "", other, &chB); code != 201 {
		t.Fatalf("create channel B = %d", code)
	}

	sink := newHookSink(t, 1)
	var key struct {
		ID, Key string
		Secret  string `json:"webhook_secret"`
		Events  []string
	}
	created := len(bodies)
	if code := admin.call("POST", "/api/v1/keys", "", map[string]any{"name": "CRM", "channels": []string{p.ch}, "webhook_url": sink.url}, &key); code != 201 {
		t.Fatalf("create key = %d %s", code, bodies[len(bodies)-1])
	}
	if !strings.HasPrefix(key.Key, "wk_") || !strings.HasPrefix(key.Secret, "whsec_") || len(key.Events) != len(integration.Events) {
		t.Fatalf("created key = %+v", key)
	}
	sink.mu.Lock()
	sink.secret = key.Secret
	sink.mu.Unlock()
	var keyB struct{ Key string }
	admin.call("POST", "/api/v1/keys", "", map[string]any{"name": "Billing", "channels": []string{chB.ID}}, &keyB)
	created = len(bodies) - created // the two creation answers show secrets

	crm := client{t: t, base: p.base, token: key.Key, bodies: &bodies}
	billing := client{t: t, base: p.base, token: keyB.Key, bodies: &bodies}
	send := map[string]any{"channel_id": p.ch, "to": customer, "text": "Your order 42 has shipped"}

	// Before the customer writes, free text is refused; channel B is not
	// the key's; admin routes are not either.
	var e apiErr
	if code := crm.call("POST", "/api/v1/messages", "", send, &e); code != 409 || e.Error.Code != "window_closed" {
		t.Fatalf("send before the customer wrote = %d %+v", code, e)
	}
	if code := crm.call("POST", "/api/v1/messages", "", map[string]any{"channel_id": chB.ID, "to": customer, "text": "hi"}, &e); code != 403 || e.Error.Code != "forbidden" {
		t.Fatalf("send on channel B = %d %+v", code, e)
	}
	for _, path := range []string{"/api/v1/channels", "/api/v1/keys", "/api/v1/sessions", "/api/v1/stats"} {
		if code := crm.call("GET", path, "", nil, &e); code != 403 {
			t.Fatalf("GET %s with a key = %d", path, code)
		}
	}

	// The customer writes: a session opens and both events arrive, the
	// first after a redelivery (the receiver failed once).
	p.customerSays(customer, "Ann Smith", "Where is my order?")
	sink.wait(t, "session.opened and message.inbound", func(evs []integration.Envelope) bool {
		return countEvents(evs, integration.EventSessionOpened, nil) == 1 && countEvents(evs, integration.EventInbound, nil) == 1
	})
	sink.mu.Lock()
	if sink.requests < 3 {
		t.Errorf("receiver saw %d requests, want a redelivery after the 500", sink.requests)
	}
	sink.mu.Unlock()

	// Two identical sends with one Idempotency-Key: one message, one send.
	var first, again map[string]any
	if code := crm.call("POST", "/api/v1/messages", "order-42-shipped", send, &first); code != 202 {
		t.Fatalf("send = %d %v", code, first)
	}
	if code := crm.call("POST", "/api/v1/messages", "order-42-shipped", send, &again); code != 200 || again["id"] != first["id"] {
		t.Fatalf("repeated send = %d %v (first %v)", code, again, first["id"])
	}
	changed := map[string]any{"channel_id": p.ch, "to": customer, "text": "Your order 43 has shipped"}
	if code := crm.call("POST", "/api/v1/messages", "order-42-shipped", changed, &e); code != 422 || e.Error.Code != "idempotency_mismatch" {
		t.Fatalf("reused key, other body = %d %+v", code, e)
	}

	// The trail follows Meta's statuses.
	id := fmt.Sprint(first["id"])
	var msg struct {
		Status string
		KeyID  string `json:"key_id"`
		Trail  []struct{ Status string }
	}
	deadline := time.Now().Add(time.Minute)
	for crm.call("GET", "/api/v1/messages/"+id, "", nil, &msg); msg.Status != "read"; crm.call("GET", "/api/v1/messages/"+id, "", nil, &msg) {
		if time.Now().After(deadline) {
			t.Fatalf("message never read: %+v", msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var steps []string
	for _, s := range msg.Trail {
		steps = append(steps, s.Status)
	}
	for _, want := range []string{"queued", "sent", "delivered", "read"} {
		if !slices.Contains(steps, want) {
			t.Fatalf("trail %v lacks %s", steps, want)
		}
	}
	if steps[0] != "queued" || msg.KeyID != key.ID {
		t.Fatalf("trail %v, key %q", steps, msg.KeyID)
	}
	shipped := 0
	for _, s := range p.graph.Sent(pnid) {
		if strings.Contains(string(s.Raw), "Your order 42") {
			shipped++
		}
	}
	if shipped != 1 {
		t.Fatalf("the emulator got %d sends of the message, want 1", shipped)
	}
	isMine := func(status string) func(json.RawMessage) bool {
		return func(d json.RawMessage) bool {
			var m integration.MessageData
			json.Unmarshal(d, &m)
			return fmt.Sprint(m.ID) == id && m.Status == status && m.KeyID == key.ID
		}
	}
	sink.wait(t, "message.status sent, delivered, read", func(evs []integration.Envelope) bool {
		return countEvents(evs, integration.EventStatus, isMine("sent")) == 1 &&
			countEvents(evs, integration.EventStatus, isMine("delivered")) == 1 &&
			countEvents(evs, integration.EventStatus, isMine("read")) == 1
	})

	// Another channel's key may not read the message.
	if code := billing.call("GET", "/api/v1/messages/"+id, "", nil, &e); code != 403 || e.Error.Code != "forbidden" {
		t.Fatalf("key of channel B reads A's message = %d %+v", code, e)
	}

	// Closing the session is an event too.
	var sessions struct{ Sessions []struct{ ID uint64 } }
	admin.call("GET", "/api/v1/sessions", "", nil, &sessions)
	if len(sessions.Sessions) != 1 {
		t.Fatalf("sessions = %+v", sessions)
	}
	if code := admin.call("POST", fmt.Sprintf("/api/v1/sessions/%d/close", sessions.Sessions[0].ID), "", nil, nil); code != 200 {
		t.Fatalf("close session = %d %s", code, bodies[len(bodies)-1])
	}
	sink.wait(t, "session.closed", func(evs []integration.Envelope) bool {
		return countEvents(evs, integration.EventSessionClosed, nil) == 1
	})

	// Revoked: the key stops working at once.
	if code := admin.call("DELETE", "/api/v1/keys/"+key.ID, "", nil, nil); code != 204 {
		t.Fatalf("revoke = %d", code)
	}
	if code := crm.call("GET", "/api/v1/messages/"+id, "", nil, &e); code != 401 || e.Error.Code != "unauthorized" {
		t.Fatalf("revoked key = %d %+v", code, e)
	}

	// No answer but the two creations showed a secret.
	var list struct{ Keys []map[string]any }
	admin.call("GET", "/api/v1/keys", "", nil, &list)
	secrets := []string{key.Key, key.Secret, keyB.Key, adminToken, metaToken, appSecret}
	for i, b := range bodies {
		if isCreation(b, key.Key, keyB.Key) {
			continue
		}
		for _, s := range secrets {
			if strings.Contains(b, s) {
				t.Fatalf("response %d shows a secret: %s", i, b)
			}
		}
	}
	if created != 2 {
		t.Fatalf("creation answers = %d", created)
	}
}

// isCreation reports whether b is a key creation answer, the one place a
// key's secrets are shown.
func isCreation(b string, keys ...string) bool {
	var v struct{ Key string }
	json.Unmarshal([]byte(b), &v)
	return v.Key != "" && slices.Contains(keys, v.Key)
}
