package daemon

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/channel/integration"
	"github.com/wachan/wachan/pbx/ariemu"
	"github.com/wachan/wachan/store"
)

// hookPBX is a pbxHarness whose Graph emulator fires the given statuses
// for each accepted send, with an integration key listening to every
// event of the channel.
type hookPBX struct {
	*pbxHarness
	tt   *testing.T
	sink *hookSink
}

func startHookPBX(t *testing.T, statuses []string) *hookPBX {
	t.Helper()
	p := startHarness(t, graphemu.Options{Statuses: statuses}, true, nil, newChannelBody()["destination"].(map[string]string))
	p.waitConnected()
	sink := newHookSink(t, 0)
	var key struct {
		Secret string `json:"webhook_secret"`
	}
	if code := p.do("POST", "/api/v1/keys", map[string]any{"name": "CRM", "channels": []string{p.ch}, "webhook_url": sink.url, "events": integration.Events}, &key); code != 201 {
		t.Fatalf("create key = %d", code)
	}
	sink.mu.Lock()
	sink.secret = key.Secret
	sink.mu.Unlock()
	p.register("1001")
	return &hookPBX{pbxHarness: p, tt: t, sink: sink}
}

// deliver signs and posts a messages-field webhook whose value holds the
// given keys (contacts, messages, statuses, errors…) besides the metadata.
func (p *hookPBX) deliver(field string, value map[string]any) []byte {
	p.t.Helper()
	v := map[string]any{"messaging_product": "whatsapp",
		"metadata": map[string]any{"display_phone_number": "447911123456", "phone_number_id": pnid}}
	for k, x := range value {
		v[k] = x
	}
	body, err := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": "102290129340398", "changes": []any{map[string]any{"field": field, "value": v}}}}})
	if err != nil {
		p.t.Fatal(err)
	}
	p.post(body)
	return body
}

// post signs and posts body as Meta would.
func (p *hookPBX) post(body []byte) {
	p.t.Helper()
	if code, err := p.graph.DeliverInbound(pnid, body); err != nil || code != 200 {
		p.t.Fatalf("webhook = %d, %v", code, err)
	}
}

// waitJournal waits until every posted webhook has been applied.
func (p *hookPBX) waitJournal() {
	p.t.Helper()
	poll(p.t, "journal drained", func() bool {
		n := 1
		p.d.store.View(func(tx *store.Tx) error { n = tx.JournalLen(); return nil })
		return n == 0
	})
}

// messages returns the channel's stored messages in order.
func (p *hookPBX) messages() []*store.Message {
	var out []*store.Message
	p.d.store.View(func(tx *store.Tx) error {
		return tx.Messages(0, func(m *store.Message) bool { out = append(out, m); return true })
	})
	return out
}

// event waits for an integration event of name whose data contains want.
func (p *hookPBX) event(name, want string) json.RawMessage {
	p.t.Helper()
	var got json.RawMessage
	p.sink.wait(p.tt, name+" with "+want, func(evs []integration.Envelope) bool {
		for _, e := range evs {
			if e.Event == name && strings.Contains(string(e.Data), want) {
				got = e.Data
				return true
			}
		}
		return false
	})
	return got
}

// textMessage is a messages[] entry of type text.
func textMessage(id, from, body string) map[string]any {
	return map[string]any{"from": from, "id": id, "timestamp": unixNow(), "type": "text", "text": map[string]any{"body": body}}
}

func contact(waID, name string) []any {
	return []any{map[string]any{"profile": map[string]any{"name": name}, "wa_id": waID}}
}

func unixNow() string { return jsonNum(float64(time.Now().Unix())) }

// A send Meta fails straight from accepted (131026, with no sent status
// first) moves from sent_ok to sent_failed, the agent who wrote it is told
// Meta's reason, and integrations get the failed status.
func TestWebhookFailedStraightFromAccepted(t *testing.T) {
	t.Parallel()
	p := startHookPBX(t, []string{})
	p.deliver("messages", map[string]any{"contacts": contact(customer, "Ann"), "messages": []any{textMessage("wamid.in1", customer, "hello")}})
	_, n := p.waitFor("1001", 0, "hello")
	p.phoneSays("1001", "wa-1-"+customer, "Your parcel")
	p.waitSent(1)
	sent := p.graph.Sent(pnid)[0]
	p.waitStats(p.ch, func(s stats) bool { return s.SentOK == 1 })
	failed := map[string]any{"id": sent.WAMID, "status": "failed", "timestamp": unixNow(), "recipient_id": customer,
		"errors": []any{map[string]any{"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable",
			"error_data": map[string]any{"details": "Message Undeliverable."}}}}
	p.deliver("messages", map[string]any{"statuses": []any{failed}})
	p.waitFor("1001", n, `Not delivered to Ann (+447700900001): "Your parcel". WhatsApp error 131026`)
	s := p.waitStats(p.ch, func(s stats) bool { return s.SentFailed == 1 })
	if s.Sent != 1 || s.SentOK != 0 || s.SentFailed != 1 || s.Received != 1 {
		t.Fatalf("stats = %+v, want sent 1 = ok 0 + failed 1", s)
	}
	p.event(integration.EventStatus, `"status":"failed"`)
	// Redelivered, the status changes nothing.
	p.deliver("messages", map[string]any{"statuses": []any{failed}})
	p.waitJournal()
	if s := p.waitStats(p.ch, func(stats) bool { return true }); s.SentOK != 0 || s.SentFailed != 1 {
		t.Fatalf("stats after redelivery = %+v", s)
	}
}

// A message Meta sent without an id is stored, counted, shown and passed
// on once however often the webhook is redelivered.
func TestWebhookMessageWithoutIDOnce(t *testing.T) {
	t.Parallel()
	p := startHookPBX(t, []string{})
	msg := textMessage("", customer, "no id here")
	delete(msg, "id")
	for range 3 {
		p.deliver("messages", map[string]any{"contacts": contact(customer, "Ann"), "messages": []any{msg}})
	}
	p.waitJournal()
	p.waitFor("1001", 0, "no id here")
	p.event(integration.EventInbound, "no id here")
	if s := p.waitStats(p.ch, func(stats) bool { return true }); s.Received != 1 {
		t.Fatalf("received = %d, want 1", s.Received)
	}
	if ms := p.messages(); len(ms) != 1 {
		t.Fatalf("stored %d messages, want 1", len(ms))
	}
	if got := countIn(p.ari.Inbox("1001"), "no id here"); got != 1 {
		t.Fatalf("agent saw the message %d times", got)
	}
	p.sink.mu.Lock()
	n := countEvents(p.sink.events, integration.EventInbound, nil)
	p.sink.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d message.inbound events, want 1", n)
	}
}

// countIn counts the messages of inbox containing want.
func countIn(inbox []ariemu.Received, want string) int {
	n := 0
	for _, r := range inbox {
		if strings.Contains(r.Body, want) {
			n++
		}
	}
	return n
}

// Errors Meta reports about the account reach the admin (event list,
// metric, integration event); errors about one message reach the agent in
// Meta's own words, also for codes wachan does not know.
func TestWebhookErrorsReachAdminAndAgent(t *testing.T) {
	t.Parallel()
	p := startHookPBX(t, []string{})
	// Value-level: system, app or account problem.
	p.deliver("messages", map[string]any{"errors": []any{map[string]any{"code": 130429, "title": "Rate limit hit",
		"message": "(#130429) Rate limit hit", "error_data": map[string]any{"details": "Cloud API message throughput has been reached."},
		"href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}}})
	p.event(integration.EventError, "Cloud API message throughput has been reached.")
	var evs struct{ Events []struct{ Kind, Text string } }
	if code := p.do("GET", "/api/v1/channels/"+p.ch+"/events?kind=error", nil, &evs); code != 200 || len(evs.Events) != 1 ||
		evs.Events[0].Text != "Meta reported error 130429 (Rate limit hit): Cloud API message throughput has been reached." {
		t.Fatalf("events = %d %+v", code, evs)
	}
	poll(t, "webhook error metric", func() bool {
		return strings.Contains(p.scrape(), `wachan_webhook_errors_total{code="130429"} 1`)
	})

	// Message-level: an unsupported message.
	p.deliver("messages", map[string]any{"contacts": contact(customer, "Ann"), "messages": []any{map[string]any{
		"from": customer, "id": "wamid.unsup", "timestamp": unixNow(), "type": "unsupported",
		"unsupported": map[string]any{"type": "edit"},
		"errors": []any{map[string]any{"code": 131051, "title": "Message type unknown", "message": "Message type unknown",
			"error_data": map[string]any{"details": "Message type is currently not supported."}}}}}})
	want := "[unsupported: edit] [WhatsApp error 131051 (Message type unknown): Message type is currently not supported.]"
	_, n := p.waitFor("1001", 0, want)
	p.event(integration.EventInbound, "Message type is currently not supported.")

	// A failed status with a code wachan does not know: Meta's words.
	p.phoneSays("1001", "wa-1-"+customer, "Hello Ann")
	p.waitSent(1)
	p.deliver("messages", map[string]any{"statuses": []any{map[string]any{"id": p.graph.Sent(pnid)[0].WAMID, "status": "failed",
		"timestamp": unixNow(), "recipient_id": customer, "errors": []any{map[string]any{"code": 139999, "title": "Brand new failure",
			"error_data": map[string]any{"details": "Something only Meta can explain."}}}}}})
	p.waitFor("1001", n, "WhatsApp error 139999: Brand new failure: Something only Meta can explain.")
	p.event(integration.EventStatus, `"explanation":"Brand new failure: Something only Meta can explain."`)
}

// scrape returns the daemon's /metrics text.
func (p *hookPBX) scrape() string {
	resp, err := http.Get(p.metrics + "/metrics")
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// A customer who stops marketing messages in WhatsApp's settings is put
// on the opt-out list as if they had sent STOP, with the source recorded;
// resuming takes them off.
func TestWebhookUserPreferences(t *testing.T) {
	t.Parallel()
	p := startHookPBX(t, []string{})
	pref := func(value string) map[string]any {
		return map[string]any{"contacts": contact(customer, "Ann"), "user_preferences": []any{map[string]any{
			"wa_id": customer, "detail": "User requested to " + value + " marketing messages", "category": "marketing_messages",
			"value": value, "timestamp": time.Now().Unix()}}}
	}
	type optOuts struct {
		OptOuts []struct{ Customer, Word, Source, Notice string } `json:"optouts"`
	}
	var list optOuts
	p.deliver("messages", userMessage("wamid.hi", customer, "", "Ann", "hello"))
	_, n := p.waitFor("1001", 0, "hello")
	p.deliver("user_preferences", pref("stop"))
	p.waitFor("1001", n, "This customer opted out (stopped marketing messages in WhatsApp)")
	poll(t, "opt-out listed", func() bool {
		p.do("GET", "/api/v1/channels/"+p.ch+"/optouts", nil, &list)
		return len(list.OptOuts) == 1
	})
	if o := list.OptOuts[0]; o.Customer != customer || o.Source != "whatsapp" || !strings.Contains(o.Notice, "stopped marketing messages in WhatsApp") {
		t.Fatalf("opt-out = %+v", o)
	}
	var e apiErr
	if code := p.do("POST", "/api/v1/messages", map[string]any{"channel_id": p.ch, "to": customer, "template": map[string]any{"name": "offer", "language": "en"}}, &e); code != 409 || e.Error.Code != "opted_out" {
		t.Fatalf("template to a customer who stopped marketing = %d %+v", code, e)
	}
	var evs struct{ Events []struct{ Kind, Text string } }
	p.do("GET", "/api/v1/channels/"+p.ch+"/events?kind=user_preference", nil, &evs)
	if len(evs.Events) != 1 || evs.Events[0].Text != "customer "+customer+": marketing_messages stop (User requested to stop marketing messages)" {
		t.Fatalf("events = %+v", evs)
	}
	// Redelivered, nothing changes; resumed, the customer is off the list.
	p.deliver("user_preferences", pref("stop"))
	p.deliver("user_preferences", pref("resume"))
	poll(t, "opt-out removed", func() bool {
		list = optOuts{}
		p.do("GET", "/api/v1/channels/"+p.ch+"/optouts", nil, &list)
		return len(list.OptOuts) == 0
	})
	if s := p.waitStats(p.ch, func(stats) bool { return true }); s != (stats{Received: 1}) {
		t.Fatalf("preferences counted as messages: %+v", s)
	}
}

// A Flow answer shows the agent its fields, one per line, without the
// flow token; integrations get the answer as a JSON object.
func TestWebhookFlowAnswer(t *testing.T) {
	t.Parallel()
	p := startHookPBX(t, []string{})
	answer := `{"flow_token":"AQAAAAACS5FpgQ_cAAAAAD0QI3s.","name":"Ann Smith","date":"2026-12-24","topics":["billing","returns"],"agree":true}`
	p.deliver("messages", map[string]any{"contacts": contact(customer, "Ann"), "messages": []any{map[string]any{
		"from": customer, "id": "wamid.flow1", "timestamp": unixNow(), "type": "interactive",
		"context":     map[string]any{"from": "447911123456", "id": "wamid.sentflow"},
		"interactive": map[string]any{"type": "nfm_reply", "nfm_reply": map[string]any{"name": "flow", "body": "Sent", "response_json": answer}}}}})
	r, _ := p.waitFor("1001", 0, "[form flow] Sent")
	want := "[form flow] Sent\nname: Ann Smith\ndate: 2026-12-24\ntopics: billing, returns\nagree: true"
	if !strings.Contains(r.Body, want) || strings.Contains(r.Body, "AQAAAAACS5FpgQ") {
		t.Fatalf("agent saw %q, want %q without the flow token", r.Body, want)
	}
	data := p.event(integration.EventInbound, "wamid.flow1")
	var d struct {
		Text         string
		FlowResponse map[string]any `json:"flow_response"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	if d.FlowResponse["name"] != "Ann Smith" || d.FlowResponse["agree"] != true || d.FlowResponse["flow_token"] == nil || d.Text != want {
		t.Fatalf("integration data = %s", data)
	}
}

// What the agent sees of media, orders and group messages: one label, the
// caption not hiding that it was forwarded or came from an ad, every order
// line, and a group as a group.
func TestWebhookSummariesReachAgent(t *testing.T) {
	t.Parallel()
	p := startHookPBX(t, []string{})
	img := p.graph.AddMedia(mediaSample("\xff\xd8\xff\xe0", 2048), "image/jpeg")
	p.deliver("messages", map[string]any{"contacts": contact(customer, "Ann"), "messages": []any{map[string]any{
		"from": customer, "id": "wamid.img", "timestamp": unixNow(), "type": "image",
		"context":  map[string]any{"forwarded": true},
		"referral": map[string]any{"source_url": "https://fb.me/ad", "source_type": "ad", "source_id": "120", "headline": "Spring sale"},
		"image":    map[string]any{"id": img, "mime_type": "image/jpeg", "sha256": "x"}}}})
	r, n := p.waitFor("1001", 0, "[forwarded] [image] [via ad: Spring sale]")
	if strings.Count(r.Body, "[image]") != 1 {
		t.Fatalf("agent saw %q", r.Body)
	}
	p.deliver("messages", map[string]any{"contacts": contact(customer, "Ann"), "messages": []any{map[string]any{
		"from": customer, "id": "wamid.order", "timestamp": unixNow(), "type": "order",
		"order": map[string]any{"catalog_id": "354160437058781", "text": "gift wrap please", "product_items": []any{
			map[string]any{"product_retailer_id": "SKU-1", "quantity": 2, "item_price": 9.99, "currency": "EUR"},
			map[string]any{"product_retailer_id": "SKU-2", "quantity": 1, "item_price": 5, "currency": "EUR"}}}}}})
	_, n = p.waitFor("1001", n, "[order from catalog 354160437058781] 2 × SKU-1 at 9.99 EUR, 1 × SKU-2 at 5 EUR; total 24.98 EUR; note: gift wrap please")
	const group = "120363025281234567"
	p.deliver("messages", map[string]any{"contacts": contact("447700900002", "Bob"), "messages": []any{map[string]any{
		"from": "447700900002", "group_id": group, "id": "wamid.grp", "timestamp": unixNow(), "type": "text",
		"text": map[string]any{"body": "hello all"}}}})
	p.waitFor("1001", n, "[group "+group+"] Bob 447700900002: hello all")
	var groupSession bool
	for _, s := range p.sessions("") {
		if s["customer_key"] == group {
			groupSession = true
		}
		if s["customer_key"] == "447700900002" {
			t.Fatalf("the group message opened a one-to-one conversation with its sender: %v", s)
		}
	}
	if !groupSession {
		t.Fatalf("no conversation for the group: %v", p.sessions(""))
	}
	p.event(integration.EventInbound, "[group "+group+"] Bob")
}

// sipUser returns the user part of a SIP From header.
func sipUser(from string) string {
	_, rest, _ := strings.Cut(from, "<sip:")
	user, _, _ := strings.Cut(rest, "@")
	return user
}

// userMessage is a text message from a person known by phone, by
// business-scoped user id, or both, with its contacts entry.
func userMessage(id, phone, userID, name, body string) map[string]any {
	msg := map[string]any{"id": id, "timestamp": unixNow(), "type": "text", "text": map[string]any{"body": body}}
	c := map[string]any{"profile": map[string]any{"name": name}}
	if phone != "" {
		msg["from"], c["wa_id"] = phone, phone
	}
	if userID != "" {
		msg["from_user_id"], c["user_id"] = userID, userID
	}
	return map[string]any{"contacts": []any{c}, "messages": []any{msg}}
}

// One person is one customer whether they write with their number, their
// business-scoped user id or both; a person known only by user id is
// answered by user id.
func TestWebhookBSUIDOnePerson(t *testing.T) {
	t.Parallel()
	p := startHookPBX(t, []string{})
	const ann = "GB.1A2b3C4d5E"
	p.deliver("messages", userMessage("wamid.a1", customer, ann, "Ann", "hi, it's Ann"))
	r, n := p.waitFor("1001", 0, "hi, it's Ann")
	if sipUser(r.From) != "wa-1-"+customer {
		t.Fatalf("Ann's address = %q, want her number's", r.From)
	}
	// Later, with a username: only her user id.
	p.deliver("messages", userMessage("wamid.a2", "", ann, "Ann", "still me"))
	r, n = p.waitFor("1001", n, "still me")
	if sipUser(r.From) != "wa-1-"+customer || len(p.sessions("")) != 1 {
		t.Fatalf("second message from %q; sessions %v", r.From, p.sessions(""))
	}
	p.phoneSays("1001", "wa-1-"+customer, "Hello Ann")
	p.waitSent(1)
	if s := p.graph.Sent(pnid)[0]; s.To != "+"+customer && s.To != customer {
		t.Fatalf("reply to Ann went to %q / %q", s.To, s.Recipient)
	}

	// Bob never shows his number: the reply goes by user id.
	const bob = "GB.9Z8y7X6w"
	p.deliver("messages", userMessage("wamid.b1", "", bob, "Bob", "hello from Bob"))
	r, n = p.waitFor("1001", n, "hello from Bob")
	p.phoneSays("1001", sipUser(r.From), "Hello Bob")
	p.waitSent(2)
	if s := p.graph.Sent(pnid)[1]; s.Recipient != bob || s.To != "" {
		t.Fatalf("reply to Bob: to %q, recipient %q", s.To, s.Recipient)
	}
	// A user id where the number belongs ("from") is still a user id.
	const dan = "GB.4d4n"
	p.deliver("messages", map[string]any{"messages": []any{textMessage("wamid.d1", dan, "Dan here")}})
	r, n = p.waitFor("1001", n, "Dan here")
	p.phoneSays("1001", sipUser(r.From), "Hello Dan")
	p.waitSent(3)
	if s := p.graph.Sent(pnid)[2]; s.Recipient != dan || s.To != "" {
		t.Fatalf("reply to Dan: to %q, recipient %q", s.To, s.Recipient)
	}

	// Cat writes by number, then by user id only (two customers, as
	// nothing ties them yet), then with both: one person from then on.
	const catPhone, cat = "447700900003", "GB.c4tc4t"
	p.deliver("messages", userMessage("wamid.c1", catPhone, "", "Cat", "cat by number"))
	_, n = p.waitFor("1001", n, "cat by number")
	p.deliver("messages", userMessage("wamid.c2", "", cat, "Cat", "cat by user id"))
	_, n = p.waitFor("1001", n, "cat by user id")
	p.deliver("messages", userMessage("wamid.c3", catPhone, cat, "Cat", "cat with both"))
	r, n = p.waitFor("1001", n, "cat with both")
	if sipUser(r.From) != "wa-1-"+catPhone {
		t.Fatalf("merged Cat writes from %q", r.From)
	}
	p.deliver("messages", userMessage("wamid.c4", "", cat, "Cat", "cat again by user id"))
	r, _ = p.waitFor("1001", n, "cat again by user id")
	if sipUser(r.From) != "wa-1-"+catPhone {
		t.Fatalf("after the merge Cat's user id writes from %q, want her number's conversation", r.From)
	}
	data := p.event(integration.EventInbound, "cat again by user id")
	if !strings.Contains(string(data), `"customer_phone":"`+catPhone+`"`) || !strings.Contains(string(data), `"customer_user_id":"`+cat+`"`) {
		t.Fatalf("inbound event = %s, want both of Cat's identifiers", data)
	}
	if s := p.waitStats(p.ch, func(s stats) bool { return s.Received == 8 }); s.Received != 8 {
		t.Fatalf("received = %d", s.Received)
	}
}

// A changed number or user id moves nothing: the customer, the open
// session and the opt-out follow the person. A message naming nobody is
// kept for the admin, not filed under an invented customer.
func TestWebhookIdentityChanges(t *testing.T) {
	t.Parallel()
	p := startHookPBX(t, []string{})
	const newNumber = "447700900099"
	p.deliver("messages", userMessage("wamid.1", customer, "", "Ann", "STOP"))
	_, n := p.waitFor("1001", 0, "This customer opted out")
	p.deliver("messages", map[string]any{"messages": []any{map[string]any{"from": customer, "id": "wamid.2", "timestamp": unixNow(),
		"type": "system", "system": map[string]any{"body": "User Ann changed from " + customer + " to " + newNumber,
			"wa_id": newNumber, "type": "user_changed_number"}}}})
	_, n = p.waitFor("1001", n, "[system] User Ann changed from")
	p.deliver("messages", userMessage("wamid.3", newNumber, "", "Ann", "my new number"))
	r, n := p.waitFor("1001", n, "my new number")
	if sipUser(r.From) != "wa-1-"+customer || len(p.sessions("")) != 1 {
		t.Fatalf("after the change Ann writes from %q; sessions %v", r.From, p.sessions(""))
	}
	var e apiErr
	if code := p.do("POST", "/api/v1/messages", map[string]any{"channel_id": p.ch, "to": newNumber, "text": "offer"}, &e); code != 409 || e.Error.Code != "opted_out" {
		t.Fatalf("send to the new number of an opted-out customer = %d %+v", code, e)
	}
	p.phoneSays("1001", "wa-1-"+customer, "Noted your new number")
	p.waitSent(1)
	if s := p.graph.Sent(pnid)[0]; s.To != "+"+newNumber && s.To != newNumber {
		t.Fatalf("reply went to %q, want the new number", s.To)
	}

	const oldID, newID = "GB.0ld1d", "GB.n3w1d"
	p.deliver("messages", userMessage("wamid.4", "", oldID, "Bob", "Bob here"))
	r, n = p.waitFor("1001", n, "Bob here")
	bob := sipUser(r.From)
	p.deliver("messages", map[string]any{"messages": []any{map[string]any{"from_user_id": newID, "id": "wamid.5", "timestamp": unixNow(),
		"type": "system", "system": map[string]any{"body": "User's id changed", "type": "user_changed_user_id",
			"user_id": newID, "previous_user_id": oldID}}}})
	_, n = p.waitFor("1001", n, "[system] User's id changed")
	p.deliver("messages", userMessage("wamid.6", "", newID, "Bob", "Bob with a new id"))
	r, _ = p.waitFor("1001", n, "Bob with a new id")
	if sipUser(r.From) != bob || len(p.sessions("")) != 2 {
		t.Fatalf("after the id change Bob writes from %q (was %q); sessions %v", r.From, bob, p.sessions(""))
	}
	p.phoneSays("1001", bob, "Hi Bob")
	p.waitSent(2)
	if s := p.graph.Sent(pnid)[1]; s.Recipient != newID {
		t.Fatalf("reply to Bob went to recipient %q, want his new id", s.Recipient)
	}

	// No sender at all.
	p.deliver("messages", map[string]any{"messages": []any{map[string]any{"id": "wamid.7", "timestamp": unixNow(), "type": "text",
		"text": map[string]any{"body": "from nobody"}}}})
	var evs struct{ Events []struct{ Kind, Text string } }
	poll(t, "message without a sender listed", func() bool {
		p.do("GET", "/api/v1/channels/"+p.ch+"/events?kind=no_sender", nil, &evs)
		return len(evs.Events) == 1
	})
	if evs.Events[0].Text != "message without a sender: from nobody" || len(p.sessions("")) != 2 || p.inboxHas("1001", "from nobody") {
		t.Fatalf("events %+v; sessions %v", evs, p.sessions(""))
	}
	if s := p.waitStats(p.ch, func(stats) bool { return true }); s.Received != 7 {
		t.Fatalf("received = %d, want 7 (system messages and the one without a sender included)", s.Received)
	}
}

// Messages the business types in the WhatsApp Business app join the
// conversation as outbound messages, shown to its agent, without opening
// a service window, triggering opt-out words or counting as sent;
// history and contact syncs are kept and counted.
func TestWebhookBusinessAppEchoes(t *testing.T) {
	t.Parallel()
	p := startHookPBX(t, []string{})
	p.deliver("messages", userMessage("wamid.in", customer, "", "Ann", "is my order ready?"))
	_, n := p.waitFor("1001", 0, "is my order ready?")
	echo := func(id, to, body string) map[string]any {
		return map[string]any{"message_echoes": []any{map[string]any{"from": "447911123456", "to": to, "id": id,
			"timestamp": unixNow(), "type": "text", "text": map[string]any{"body": body}}}}
	}
	p.deliver("smb_message_echoes", echo("wamid.echo1", customer, "Yes, ready since noon"))
	p.waitFor("1001", n, "[sent from the WhatsApp Business app] Yes, ready since noon")
	data := p.event(integration.EventEcho, "Yes, ready since noon")
	if !strings.Contains(string(data), `"origin":"business_app"`) || !strings.Contains(string(data), `"direction":"out"`) {
		t.Fatalf("echo event = %s", data)
	}
	// To someone who never wrote: stored, but no conversation, no window
	// and no opt-out from the word typed.
	const zed = "447700900077"
	p.deliver("smb_message_echoes", echo("wamid.echo2", zed, "STOP"))
	p.deliver("smb_message_echoes", echo("wamid.echo2", zed, "STOP")) // redelivered
	p.waitJournal()
	var e apiErr
	if code := p.do("POST", "/api/v1/messages", map[string]any{"channel_id": p.ch, "to": zed, "text": "hello"}, &e); code != 409 || e.Error.Code != "window_closed" {
		t.Fatalf("free text after an echo = %d %+v, want window_closed", code, e)
	}
	if len(p.sessions("")) != 1 {
		t.Fatalf("an echo opened a session: %v", p.sessions(""))
	}
	var outs []*store.Message
	for _, m := range p.messages() {
		if m.Origin == store.OriginBusinessApp {
			outs = append(outs, m)
		}
	}
	if len(outs) != 2 || outs[0].Direction != store.Outbound || outs[1].CustomerKey != zed || outs[0].SessionID == 0 {
		t.Fatalf("echoes stored as %+v", outs)
	}
	// Its delivery is not the channel's.
	p.deliver("messages", map[string]any{"statuses": []any{map[string]any{"id": "wamid.echo1", "status": "delivered", "timestamp": unixNow(), "recipient_id": customer}}})
	p.waitJournal()
	if s := p.waitStats(p.ch, func(stats) bool { return true }); s != (stats{Received: 1}) {
		t.Fatalf("stats = %+v, want only the customer's message", s)
	}

	// History and contact syncs.
	p.deliver("history", map[string]any{"history": []any{map[string]any{
		"metadata": map[string]any{"phase": 0, "chunk_order": 1, "progress": 55},
		"threads": []any{map[string]any{"id": customer, "messages": []any{
			map[string]any{"from": customer, "id": "wamid.h1", "timestamp": "1700000000", "type": "text", "text": map[string]any{"body": "old"},
				"history_context": map[string]any{"status": "READ"}},
			map[string]any{"from": "447911123456", "to": customer, "id": "wamid.h2", "timestamp": "1700000100", "type": "text", "text": map[string]any{"body": "older reply"},
				"history_context": map[string]any{"status": "DELIVERED"}}}}}}}})
	p.deliver("smb_app_state_sync", map[string]any{"state_sync": []any{
		map[string]any{"type": "contact", "contact": map[string]any{"full_name": "Ann Smith", "first_name": "Ann", "phone_number": customer}, "action": "add", "metadata": map[string]any{"timestamp": "1700000000"}},
		map[string]any{"type": "contact", "contact": map[string]any{"phone_number": zed}, "action": "remove", "metadata": map[string]any{"timestamp": "1700000001"}}}})
	var evs struct{ Events []struct{ Kind, Text string } }
	poll(t, "sync events listed", func() bool {
		p.do("GET", "/api/v1/channels/"+p.ch+"/events", nil, &evs)
		return len(evs.Events) == 2
	})
	if evs.Events[0].Text != "Business app contacts sync: 1 × contact add, 1 × contact remove" ||
		evs.Events[1].Text != "Business app history: 2 messages in 1 chats (phase 0, 55%)" {
		t.Fatalf("events = %+v", evs.Events)
	}
	for _, want := range []string{`wachan_webhook_updates_total{field="history"} 1`, `wachan_webhook_updates_total{field="smb_app_state_sync"} 1`} {
		poll(t, want, func() bool { return strings.Contains(p.scrape(), want) })
	}
}
