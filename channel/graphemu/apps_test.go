package graphemu

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver records the webhooks POSTed to it and answers Meta's
// handshake for verifyToken.
type receiver struct {
	*httptest.Server
	mu    sync.Mutex
	posts []string // path, one per POST, with the signature's validity
}

func newReceiver(t *testing.T, appSecret, verifyToken string) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			if r.URL.Query().Get("hub.verify_token") != verifyToken {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		body, _ := io.ReadAll(r.Body)
		ok := r.Header.Get(SignatureHeader) == Sign(appSecret, body)
		rc.mu.Lock()
		rc.posts = append(rc.posts, r.URL.Path+map[bool]string{true: " signed", false: " BAD"}[ok]+" "+string(body))
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) got() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.posts...)
}

// Meta's facts about apps: one callback URL and secret per app, delivery
// only when the app is subscribed to the WABA, number override before
// WABA override before the app's URL for messages, template fields always
// to the app's URL.
func TestAppsOverridesAndSubscriptions(t *testing.T) {
	const appSecret = "app-secret-1"
	s, base := start(t, Options{Statuses: []string{}}, func(n *Number) { n.AppID, n.AppSecret = "1234", "" })
	rc := newReceiver(t, appSecret, "vt")
	if err := s.AddApp(App{ID: "1234", Name: "Acme", Secret: appSecret, CallbackURL: rc.URL + "/app"}); err != nil {
		t.Fatal(err)
	}
	_, body := s.InboundText(pnid, "447700900001", "Ann", "hi")
	if _, err := s.DeliverInbound(pnid, body); !errors.Is(err, ErrNoWebhook) || s.GatedWebhooks() != 1 {
		t.Fatalf("unsubscribed: %v, gated %d", err, s.GatedWebhooks())
	}
	v := base + "/v25.0/"
	if status, out, _ := call(t, "GET", v+waba+"/subscribed_apps", token, ""); status != 200 || len(out["data"].([]any)) != 0 {
		t.Fatalf("subscribed_apps = %d %v", status, out)
	}
	if status, out, _ := call(t, "POST", v+waba+"/subscribed_apps", token, ""); status != 200 || out["success"] != true {
		t.Fatalf("subscribe = %d %v", status, out)
	}
	if !s.Subscribed(waba, "1234") {
		t.Fatal("not subscribed")
	}
	post := func(want string) {
		t.Helper()
		_, body := s.InboundText(pnid, "447700900001", "Ann", "hi")
		if code, err := s.DeliverInbound(pnid, body); err != nil || code != 200 {
			t.Fatalf("deliver = %d %v", code, err)
		}
		got := rc.got()
		if last := got[len(got)-1]; !strings.HasPrefix(last, want+" signed ") {
			t.Fatalf("delivered %q, want to %s signed with the app's secret", last, want)
		}
	}
	post("/app")

	// A WABA override needs the handshake to pass.
	if status, out, _ := call(t, "POST", v+waba+"/subscribed_apps", token, `{"override_callback_uri":"`+rc.URL+`/waba","verify_token":"wrong"}`); status != 400 {
		t.Fatalf("override with a wrong token = %d %v", status, out)
	}
	if status, out, _ := call(t, "POST", v+waba+"/subscribed_apps", token, `{"override_callback_uri":"`+rc.URL+`/waba","verify_token":"vt"}`); status != 200 {
		t.Fatalf("WABA override = %d %v", status, out)
	}
	post("/waba")
	if status, out, _ := call(t, "POST", v+pnid, token, `{"webhook_configuration":{"override_callback_uri":"`+rc.URL+`/number","verify_token":"vt"}}`); status != 200 {
		t.Fatalf("number override = %d %v", status, out)
	}
	post("/number")
	_, out, _ := call(t, "GET", v+pnid+"?fields=webhook_configuration", token, "")
	wc, _ := out["webhook_configuration"].(map[string]any)
	if wc["application"] != rc.URL+"/app" || wc["whatsapp_business_account"] != rc.URL+"/waba" || wc["phone_number"] != rc.URL+"/number" {
		t.Fatalf("webhook_configuration = %v", out)
	}
	// Template updates ignore overrides.
	s.AddTemplate(waba, Template{Name: "hello", Components: []TemplateComponent{{Type: "BODY", Text: "Hi"}}})
	s.SetTemplateStatus(waba, "hello", "en_US", "PAUSED", "")
	var last string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline) && !strings.Contains(last, "message_template_status_update"); time.Sleep(5 * time.Millisecond) {
		if got := rc.got(); len(got) > 0 {
			last = got[len(got)-1]
		}
	}
	if !strings.HasPrefix(last, "/app signed") || !strings.Contains(last, "message_template_status_update") {
		t.Fatalf("template update: last delivery %q, want it at the app's URL", last)
	}
	// Unsubscribed again: nothing is sent.
	if status, _, _ := call(t, "DELETE", v+waba+"/subscribed_apps", token, ""); status != 200 || s.Subscribed(waba, "1234") {
		t.Fatalf("unsubscribe = %d", status)
	}
	if _, err := s.DeliverInbound(pnid, body); !errors.Is(err, ErrNoWebhook) {
		t.Fatalf("after unsubscribe: %v", err)
	}
}

// An unregistered number is PENDING and cannot send until registered
// with its PIN.
func TestRegistration(t *testing.T) {
	_, base := start(t, Options{}, func(n *Number) { n.Unregistered, n.PIN = true, "123456" })
	v := base + "/v25.0/"
	_, out, _ := call(t, "GET", v+pnid+"?fields=status,platform_type", token, "")
	if out["status"] != "PENDING" || out["platform_type"] != "NOT_APPLICABLE" {
		t.Fatalf("unregistered = %v", out)
	}
	if status, out, _ := call(t, "POST", v+pnid+"/messages", token, `{"messaging_product":"whatsapp","to":"447700900001","type":"text","text":{"body":"hi"}}`); status != 400 || out["error"].(map[string]any)["code"] != float64(133010) {
		t.Fatalf("send = %d %v", status, out)
	}
	for _, tc := range []struct {
		body string
		code int
	}{
		{`{"messaging_product":"whatsapp","pin":"12345"}`, 100},
		{`{"pin":"123456"}`, 100},
		{`{"messaging_product":"whatsapp","pin":"654321"}`, 133005},
	} {
		if status, out, _ := call(t, "POST", v+pnid+"/register", token, tc.body); status != 400 || out["error"].(map[string]any)["code"] != float64(tc.code) {
			t.Fatalf("register %s = %d %v", tc.body, status, out)
		}
	}
	if status, out, _ := call(t, "POST", v+pnid+"/register", token, `{"messaging_product":"whatsapp","pin":"123456"}`); status != 200 || out["success"] != true {
		t.Fatalf("register = %d %v", status, out)
	}
	_, out, _ = call(t, "GET", v+pnid+"?fields=status", token, "")
	if out["status"] != "CONNECTED" {
		t.Fatalf("registered = %v", out)
	}
	if status, _, _ := call(t, "POST", v+pnid+"/messages", token, `{"messaging_product":"whatsapp","to":"447700900001","type":"text","text":{"body":"hi"}}`); status != 200 {
		t.Fatalf("send after registering = %d", status)
	}
}

// A new developer app's test number: +1 555, registered, subscribed.
func TestQuickStart(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	s.AddApp(App{ID: "77", Secret: "s"})
	n, err := s.QuickStart("77", "tok")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(n.DisplayPhoneNumber, "+1 555-") || n.Unregistered || !s.Subscribed(n.WABAID, "77") {
		t.Fatalf("test number = %+v", n)
	}
}
