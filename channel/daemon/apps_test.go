package daemon

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
)

const (
	wabaA, wabaB, wabaOther = "102290129340398", "102290129340399", "102290129340400"
	pnidB, pnidOther        = "106540352242923", "106540352242924"
	otherAppSecret          = "another-apps-secret-0123456789"
)

// appHarness is a daemon with three channels: Sales and Support, two
// numbers (of two WABAs) of Meta app 1234, and Elsewhere, a number of app
// 5678.
type appHarness struct {
	*harness
	emu                     *graphemu.Server
	sales, support, other   map[string]any
	appURL, appVerifyToken  string
	otherAppURL, otherToken string
}

func startApps(t *testing.T) *appHarness {
	t.Helper()
	emu, h := startWithEmu(t, graphemu.Options{})
	a := &appHarness{harness: h, emu: emu}
	create := func(body map[string]any) map[string]any {
		t.Helper()
		var out map[string]any
		if code := a.do("POST", "/api/v1/channels", body, &out); code != 201 {
			t.Fatalf("create %v: %d %v", body["name"], code, out)
		}
		return out
	}
	a.sales = create(newChannelBody())
	support := newChannelBody()
	// The second number of the app: its secret is the app's, already known.
	support["name"], support["number"], support["phone_number_id"], support["waba_id"] = "Support", "+1 555-025-3483", pnidB, wabaB
	delete(support, "app_secret")
	a.support = create(support)
	other := newChannelBody()
	other["name"], other["number"], other["phone_number_id"], other["waba_id"] = "Elsewhere", "+44 7700 900123", pnidOther, wabaOther
	other["app_id"], other["app_secret"] = "5678", otherAppSecret
	a.other = create(other)
	a.appURL, _ = a.sales["app_webhook_url"].(string)
	a.appVerifyToken, _ = a.sales["app_verify_token"].(string)
	a.otherAppURL, _ = a.other["app_webhook_url"].(string)
	a.otherToken, _ = a.other["app_verify_token"].(string)

	// At Meta: app 1234 with its one callback URL, subscribed to both its
	// WABAs; app 5678 likewise.
	for _, app := range []graphemu.App{{ID: "1234", Secret: appSecret, CallbackURL: a.appURL}, {ID: "5678", Secret: otherAppSecret, CallbackURL: a.otherAppURL}} {
		if err := emu.AddApp(app); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []graphemu.Number{
		{PhoneNumberID: pnid, WABAID: wabaA, DisplayPhoneNumber: "+44 7911 123456", VerifiedName: "Sales Ltd", Token: metaToken, AppID: "1234"},
		{PhoneNumberID: pnidB, WABAID: wabaB, DisplayPhoneNumber: "+1 555-025-3483", VerifiedName: "Test Number", Token: metaToken, AppID: "1234"},
		{PhoneNumberID: pnidOther, WABAID: wabaOther, DisplayPhoneNumber: "+44 7700 900123", VerifiedName: "Elsewhere", Token: "other-token", AppID: "5678"},
		// A number of app 1234 this PBX has no channel for.
		{PhoneNumberID: "106540352242999", WABAID: wabaA, DisplayPhoneNumber: "+44 7911 999999", Token: metaToken, AppID: "1234"},
	} {
		if err := emu.AddNumber(n); err != nil {
			t.Fatal(err)
		}
	}
	emu.Subscribe(wabaA, "1234")
	emu.Subscribe(wabaB, "1234")
	emu.Subscribe(wabaOther, "5678")
	return a
}

// postSigned POSTs body to url signed with secret.
func postSigned(t *testing.T, url, secret string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(graphemu.SignatureHeader, graphemu.Sign(secret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Two numbers of one Meta app, served through the app's one callback URL:
// each message, status and template update lands on its own channel; a
// number of another app is untouched by a body signed with this app's
// secret; updates of a number no channel has are kept and listed.
func TestOneAppURLManyNumbers(t *testing.T) {
	t.Parallel()
	a := startApps(t)
	sales, support, other := a.sales["id"].(string), a.support["id"].(string), a.other["id"].(string)
	if a.appURL != a.cfg.PublicURL+"/webhook/app/1234" || a.support["app_webhook_url"] != a.appURL || a.support["app_verify_token"] != a.appVerifyToken {
		t.Fatalf("app URLs: %v / %v", a.sales, a.support)
	}
	if a.support["app_secret"] != a.sales["app_secret"] || a.other["app_secret"] == a.sales["app_secret"] {
		t.Fatalf("secrets: %v %v %v", a.sales["app_secret"], a.support["app_secret"], a.other["app_secret"])
	}
	// Meta's handshake of the app URL.
	resp, err := http.Get(a.appURL + "?hub.mode=subscribe&hub.challenge=99&hub.verify_token=" + a.appVerifyToken)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(got) != "99" {
		t.Fatalf("app handshake = %d %q", resp.StatusCode, got)
	}

	for _, n := range []struct{ pnid, from string }{{pnid, "447700900001"}, {pnidB, "15551234567"}} {
		_, body := a.emu.InboundText(n.pnid, n.from, "Ann", "hello")
		if code, err := a.emu.DeliverInbound(n.pnid, body); err != nil || code != 200 {
			t.Fatalf("inbound for %s = %d %v", n.pnid, code, err)
		}
	}
	a.waitStats(sales, func(s stats) bool { return s.Received == 1 })
	a.waitStats(support, func(s stats) bool { return s.Received == 1 })
	// An answer from Support: its statuses, posted to the app URL, are
	// Support's.
	if code := a.do("POST", "/api/v1/messages", map[string]any{"channel_id": support, "to": "15551234567", "text": "Hi"}, nil); code != 202 {
		t.Fatalf("send = %d", code)
	}
	a.waitStats(support, func(s stats) bool { return s.Read == 1 })
	if s := a.waitStats(sales, func(stats) bool { return true }); s.Sent != 0 || s.Read != 0 || s.Received != 1 {
		t.Fatalf("sales stats = %+v", s)
	}

	// A template update of Support's WABA reaches Support only.
	a.emu.AddTemplate(wabaB, graphemu.Template{Name: "order_update", Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Order {{1}}"}}})
	if code := a.do("POST", "/api/v1/channels/"+support+"/templates/sync", nil, nil); code != 200 {
		t.Fatalf("sync = %d", code)
	}
	a.emu.SetTemplateStatus(wabaB, "order_update", "en_US", "PAUSED", "LOW_QUALITY")
	a.waitTemplate(support, "order_update", "en_US", func(v templateView) bool { return v.Status == "PAUSED" })
	var none struct{ Templates []any }
	a.do("GET", "/api/v1/channels/"+sales+"/templates", nil, &none)
	if len(none.Templates) != 0 {
		t.Fatalf("sales templates = %v", none.Templates)
	}

	// The number no channel has: kept and listed with what to do.
	_, body := a.emu.InboundText("106540352242999", "447700900005", "Zed", "anyone?")
	if code, err := a.emu.DeliverInbound("106540352242999", body); err != nil || code != 200 {
		t.Fatalf("inbound for an unknown number = %d %v", code, err)
	}
	// Elsewhere's number in a body signed with app 1234's secret: at app
	// 1234's URL it is unrouted; at app 5678's URL it is refused.
	_, forged := a.emu.InboundText(pnidOther, "447700900006", "Mallory", "forged")
	if code := postSigned(t, a.appURL, appSecret, forged); code != 200 {
		t.Fatalf("forged at app 1234 = %d", code)
	}
	if code := postSigned(t, a.otherAppURL, appSecret, forged); code != 401 {
		t.Fatalf("forged at app 5678 = %d", code)
	}
	var list struct {
		Total   int
		Updates []struct {
			PhoneNumberID string `json:"phone_number_id"`
			AppID         string `json:"app_id"`
			Fix           string
		}
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		a.do("GET", "/api/v1/unrouted", nil, &list)
		if list.Total == 2 {
			break
		}
	}
	if list.Total != 2 || len(list.Updates) != 2 || list.Updates[0].PhoneNumberID != pnidOther || list.Updates[1].PhoneNumberID != "106540352242999" ||
		list.Updates[1].AppID != "1234" || !strings.Contains(list.Updates[1].Fix, "add a channel with phone number id 106540352242999") {
		t.Fatalf("unrouted = %+v", list)
	}
	if s := a.waitStats(other, func(stats) bool { return true }); s.Received != 0 {
		t.Fatalf("Elsewhere received %d", s.Received)
	}
	// The admin dismisses one: it goes from the list, the count stays.
	var seq struct {
		Updates []struct{ Seq int }
	}
	a.do("GET", "/api/v1/unrouted", nil, &seq)
	if code := a.do("DELETE", fmt.Sprintf("/api/v1/unrouted/%d", seq.Updates[0].Seq), nil, nil); code != 204 {
		t.Fatalf("dismiss = %d", code)
	}
	a.do("GET", "/api/v1/unrouted", nil, &list)
	if list.Total != 2 || len(list.Updates) != 1 {
		t.Fatalf("after dismissing: %+v", list)
	}
	// The admin adds the missing number's channel and replays: the kept
	// message reaches it.
	later := newChannelBody()
	later["name"], later["number"], later["phone_number_id"] = "Later", "+44 7911 999999", "106540352242999"
	delete(later, "app_secret")
	var lc map[string]any
	if code := a.do("POST", "/api/v1/channels", later, &lc); code != 201 {
		t.Fatalf("create Later = %d %v", code, lc)
	}
	var replay struct{ Replayed int }
	if code := a.do("POST", "/api/v1/unrouted/replay", nil, &replay); code != 200 || replay.Replayed != 1 {
		t.Fatalf("replay = %d %+v", code, replay)
	}
	a.waitStats(lc["id"].(string), func(s stats) bool { return s.Received == 1 })
	list.Updates = nil
	a.do("GET", "/api/v1/unrouted", nil, &list)
	if list.Total != 2 || len(list.Updates) != 0 {
		t.Fatalf("after replaying: %+v", list)
	}

	// Elsewhere's webhook: verified, but refusing, so not green.
	resp, err = http.Get(a.otherAppURL + "?hub.mode=subscribe&hub.challenge=1&hub.verify_token=" + a.otherToken)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("handshake of app 5678: %v %v", resp, err)
	}
	resp.Body.Close()
	var ch struct {
		Verified bool `json:"webhook_verified"`
		Webhook  struct {
			State       string
			Refused     int    `json:"refused_24h"`
			LastRefusal string `json:"last_refusal"`
			Unrouted    int    `json:"unrouted_24h"`
		}
	}
	resp, err = http.Get(a.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metricsText, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metricsText), `wachan_webhook_refused_total{app="5678"} 1`) {
		t.Fatalf("/metrics lacks the refusal:\n%s", metricsText)
	}
	a.do("GET", "/api/v1/channels/"+other, nil, &ch)
	if ch.Verified || ch.Webhook.State != "refusing" || ch.Webhook.Refused != 1 || !strings.Contains(ch.Webhook.LastRefusal, "did you paste the app secret of another app?") {
		t.Fatalf("Elsewhere's webhook = %+v", ch)
	}
	ch.Webhook.LastRefusal = ""
	a.do("GET", "/api/v1/channels/"+sales, nil, &ch)
	// No unrouted update is left in the list (one dismissed, one replayed).
	if !ch.Verified || ch.Webhook.State != "verified" || ch.Webhook.Refused != 0 || ch.Webhook.LastRefusal != "" || ch.Webhook.Unrouted != 0 {
		t.Fatalf("Sales' webhook = %+v", ch)
	}
}

// Channels of one app share its secret: a new secret set on one channel,
// or on the app, is every channel's, and the app's URL checks with it.
func TestAppSecretShared(t *testing.T) {
	t.Parallel()
	a := startApps(t)
	sales, support := a.sales["id"].(string), a.support["id"].(string)
	mask := func(id string) string {
		var v map[string]any
		a.do("GET", "/api/v1/channels/"+id, nil, &v)
		return v["app_secret"].(string)
	}
	const second, third = "second-app-secret-0123456789abcd", "third-app-secret-0123456789wxyz"
	if code := a.do("PATCH", "/api/v1/channels/"+sales, map[string]any{"app_secret": second}, nil); code != 200 {
		t.Fatalf("PATCH = %d", code)
	}
	if !strings.HasSuffix(mask(support), "abcd") || strings.HasSuffix(mask(a.other["id"].(string)), "abcd") {
		t.Fatalf("support's secret %q, other's %q", mask(support), mask(a.other["id"].(string)))
	}
	var app struct {
		ID, AppSecret string
		Channels      []string
	}
	if code := a.do("PATCH", "/api/v1/apps/1234", map[string]any{"app_secret": third}, &app); code != 200 || len(app.Channels) != 2 {
		t.Fatalf("PATCH app = %d %+v", code, app)
	}
	if !strings.HasSuffix(mask(sales), "wxyz") || !strings.HasSuffix(mask(support), "wxyz") {
		t.Fatal("app secret not shared")
	}
	_, body := a.emu.InboundText(pnid, "447700900001", "Ann", "hi")
	if code := postSigned(t, a.appURL, appSecret, body); code != 401 {
		t.Fatalf("old secret = %d", code)
	}
	if code := postSigned(t, a.appURL, third, body); code != 200 {
		t.Fatalf("new secret = %d", code)
	}
	var apps struct{ Apps []map[string]any }
	if a.do("GET", "/api/v1/apps", nil, &apps); len(apps.Apps) != 2 || apps.Apps[0]["webhook_url"] != a.appURL {
		t.Fatalf("apps = %+v", apps)
	}
}
