package ingest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// unrouted returns the kept unrouted updates, newest first.
func (e *env) unrouted() []*store.Unrouted {
	e.t.Helper()
	var list []*store.Unrouted
	if err := e.store.View(func(tx *store.Tx) (err error) { list, _, err = tx.UnroutedList(100); return }); err != nil {
		e.t.Fatal(err)
	}
	return list
}

// addAppChannel adds channel id for number pnid of WABA waba, of app app
// signing with appSecret.
func (e *env) addAppChannel(id, app, appSecret, pnid, waba string) {
	e.t.Helper()
	err := e.store.Update(func(tx *store.Tx) error {
		if _, err := tx.EnsureApp(app, time.Now()); err != nil {
			return err
		}
		return tx.PutChannel(&store.Channel{ID: id, AppID: app, AppSecret: appSecret, PhoneNumberID: pnid, WABAID: waba,
			VerifyToken: "verify-" + id + "-0123456789abcdef0123"})
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// postApp posts body to app's callback URL signed with appSecret.
func (e *env) postApp(app, appSecret string, body []byte) int {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.base+"/webhook/app/"+app, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(wa.SignatureHeader, wa.Sign(appSecret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// envelope wraps change objects (JSON) into one webhook body of entry id.
func envelope(entry string, changes ...string) []byte {
	b := fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":%q,"time":1763830000,"changes":[`, entry)
	for i, c := range changes {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, c...)
	}
	return append(b, "]}]}"...)
}

func textChange(pnid, wamid, from, text string) string {
	return fmt.Sprintf(`{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":%q},"contacts":[{"profile":{"name":"Ann"},"wa_id":%q}],"messages":[{"from":%q,"id":%q,"timestamp":"1763830000","type":"text","text":{"body":%q}}]}}`,
		pnid, from, from, wamid, text)
}

func statusChange(pnid, wamid, status string) string {
	return fmt.Sprintf(`{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":%q},"statuses":[{"id":%q,"status":%q,"timestamp":"1763830100","recipient_id":"447700900001"}]}}`,
		pnid, wamid, status)
}

func templateChange(name string) string {
	return fmt.Sprintf(`{"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":1234,"message_template_name":%q,"message_template_language":"en_US","reason":"NONE"}}`, name)
}

// Two numbers of one Meta app served through the app's one URL: each
// message, status and template update lands on its own channel; an
// update for a number of the app no channel has is kept, not dropped; a
// body signed with this app's secret never reaches another app's channel.
func TestAppURLDispatchesPerNumber(t *testing.T) {
	e := newEnv(t, t.TempDir())
	const appA, secretA, appB, secretB = "1111", "secret-of-app-one-0123", "2222", "secret-of-app-two-0123"
	e.addAppChannel("c1", appA, secretA, "PN1", "W1")
	e.addAppChannel("c2", appA, secretA, "PN2", "W2")
	e.addAppChannel("c3", appB, secretB, "PN3", "W3")
	addOutbound(t, e.store, "c1", "wamid.OUT1", time.Unix(1763830000, 0))
	addOutbound(t, e.store, "c2", "wamid.OUT2", time.Unix(1763830000, 0))

	// One POST with both numbers' messages and statuses, as Meta batches.
	body := envelope("W1", textChange("PN1", "wamid.A", "447700900001", "for one"), textChange("PN2", "wamid.B", "447700900002", "for two"),
		statusChange("PN1", "wamid.OUT1", "delivered"), statusChange("PN2", "wamid.OUT2", "read"))
	if code := e.postApp(appA, secretA, body); code != 200 {
		t.Fatalf("app URL = %d", code)
	}
	// Template updates come by WABA; one of W2 through the app URL.
	if code := e.postApp(appA, secretA, envelope("W2", templateChange("order_update"))); code != 200 {
		t.Fatalf("template update = %d", code)
	}
	// Updates of a number this PBX has no channel for, and one of app B's
	// number signed with app A's secret.
	if code := e.postApp(appA, secretA, envelope("W9", textChange("PN9", "wamid.C", "447700900003", "elsewhere"))); code != 200 {
		t.Fatalf("unknown number = %d", code)
	}
	if code := e.postApp(appA, secretA, envelope("W3", textChange("PN3", "wamid.D", "447700900004", "forged"), templateChange("forged"))); code != 200 {
		t.Fatalf("app B's number under app A = %d", code)
	}
	// App A's secret at app B's URL or at c3's URL is refused.
	forged := envelope("W3", textChange("PN3", "wamid.E", "447700900004", "forged"))
	if code := e.postApp(appB, secretA, forged); code != 401 {
		t.Fatalf("app A's signature at app B's URL = %d, want 401", code)
	}
	if code := e.post("c3", forged, wa.Sign(secretA, forged)); code != 401 {
		t.Fatalf("app A's signature at c3's URL = %d, want 401", code)
	}
	// A channel's own URL serves the whole app too (existing set-ups).
	if code := e.post("c1", envelope("W2", textChange("PN2", "wamid.F", "447700900002", "via c1's URL")), ""); code != 401 {
		t.Fatalf("unsigned = %d", code)
	}
	legacy := envelope("W2", textChange("PN2", "wamid.F", "447700900002", "via c1's URL"))
	if code := e.post("c1", legacy, wa.Sign(secretA, legacy)); code != 200 {
		t.Fatalf("c1's URL = %d", code)
	}
	e.drain()

	if c := e.counts("c1"); c.Received != 1 || c.Delivered != 1 || c.Read != 0 {
		t.Fatalf("c1 counts = %+v", c)
	}
	if c := e.counts("c2"); c.Received != 2 || c.Read != 1 {
		t.Fatalf("c2 counts = %+v", c)
	}
	if c := e.counts("c3"); c != (store.Counts{}) {
		t.Fatalf("c3 (app B) counts = %+v", c)
	}
	if evs := e.events("c2"); len(evs) != 1 || evs[0].Kind != string(wa.KindTemplateStatus) {
		t.Fatalf("c2 events = %+v", evs)
	}
	for _, ch := range []string{"c1", "c3"} {
		if evs := e.events(ch); len(evs) != 0 {
			t.Fatalf("%s events = %+v", ch, evs)
		}
	}
	u := e.unrouted()
	if len(u) != 3 {
		t.Fatalf("unrouted = %+v", u)
	}
	// Newest first: app B's template and number under app A, then PN9.
	if u[0].WABAID != "W3" || u[0].Kind != string(wa.KindTemplateStatus) || u[0].AppID != appA ||
		u[1].PhoneNumberID != "PN3" || u[2].PhoneNumberID != "PN9" || u[2].DisplayPhoneNumber != "15550001111" || u[2].Reason == "" {
		t.Fatalf("unrouted = %+v %+v %+v", u[0], u[1], u[2])
	}

	// The refusals are counted for app B with the reason.
	h := e.handler.Health().App(appB)
	if h.Refused24h != 2 || h.LastRefusal != ReasonBadSignature {
		t.Fatalf("app B health = %+v", h)
	}
	if h := e.handler.Health().App(appA); h.Refused24h != 1 || h.LastRefusal != ReasonNoSignature || h.LastAcceptedAt.IsZero() {
		t.Fatalf("app A health = %+v", h)
	}
}

// The app URL answers Meta's handshake with the app's verify token.
func TestAppURLHandshake(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addAppChannel("c1", "1111", "secret-of-app-one-0123", "PN1", "W1")
	var app *store.App
	e.store.View(func(tx *store.Tx) (err error) { app, err = tx.App("1111"); return })
	get := func(path string) (int, string) {
		resp, err := http.Get(e.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/webhook/app/1111?hub.mode=subscribe&hub.challenge=7&hub.verify_token=verify-c1-0123456789abcdef0123"); code != 403 {
		t.Fatalf("channel's token at the app URL = %d", code)
	}
	if code, _ := get("/webhook/app/9999?hub.mode=subscribe&hub.challenge=7&hub.verify_token=" + app.VerifyToken); code != 404 {
		t.Fatalf("unknown app = %d", code)
	}
	if code, body := get("/webhook/app/1111?hub.mode=subscribe&hub.challenge=7&hub.verify_token=" + app.VerifyToken); code != 200 || body != "7" {
		t.Fatalf("handshake = %d %q", code, body)
	}
	e.store.View(func(tx *store.Tx) (err error) { app, err = tx.App("1111"); return })
	if app.VerifiedAt.IsZero() {
		t.Fatal("app verification not recorded")
	}
}

// Once the admin adds the missing channel, the kept updates of its number
// and WABA are replayed onto it; others stay kept.
func TestReplayUnrouted(t *testing.T) {
	e := newEnv(t, t.TempDir())
	const app, appSecret = "1111", "secret-of-app-one-0123"
	e.addAppChannel("c1", app, appSecret, "PN1", "W1")
	for _, b := range [][]byte{
		envelope("W9", textChange("PN9", "wamid.9", "447700900009", "are you there?")),
		envelope("W9", templateChange("welcome")),
		envelope("W8", textChange("PN8", "wamid.8", "447700900008", "still unknown")),
	} {
		if code := e.postApp(app, appSecret, b); code != 200 {
			t.Fatalf("post = %d", code)
		}
	}
	e.drain()
	if u := e.unrouted(); len(u) != 3 {
		t.Fatalf("unrouted = %d", len(u))
	}
	e.addAppChannel("c9", app, appSecret, "PN9", "W9")
	var n int
	if err := e.store.Update(func(tx *store.Tx) (err error) { n, err = Replay(tx, time.Now()); return }); err != nil || n != 2 {
		t.Fatalf("Replay = %d, %v", n, err)
	}
	e.drain()
	if c := e.counts("c9"); c.Received != 1 {
		t.Fatalf("c9 counts = %+v", c)
	}
	if evs := e.events("c9"); len(evs) != 1 || evs[0].Kind != string(wa.KindTemplateStatus) {
		t.Fatalf("c9 events = %+v", evs)
	}
	if u := e.unrouted(); len(u) != 1 || u[0].PhoneNumberID != "PN8" {
		t.Fatalf("left unrouted = %+v", u)
	}
	var from string
	e.store.View(func(tx *store.Tx) error {
		c, err := tx.Customer("c9", "447700900009")
		if err == nil {
			from = c.WaID
		}
		return nil
	})
	if from != "447700900009" {
		t.Fatal("replayed message's customer not stored")
	}
}
