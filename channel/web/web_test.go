package web

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/wachan/wachan/store"
)

// fakeAPI answers the admin API calls the pages make with canned JSON.
func fakeAPI(method, path string, body any) (int, []byte, error) {
	switch {
	case strings.HasPrefix(path, "/api/v1/channels/ch1/templates"):
		return 200, []byte(`{"templates":[{"name":"order_update","language":"en_US","status":"APPROVED","category":"UTILITY"}]}`), nil
	case path == "/api/v1/channels":
		return 200, []byte(`{"channels":[{"id":"ch1","name":"Sales <b>","number":"+447911123456","destination":{"type":"queue","id":"sales"}}]}`), nil
	case strings.HasPrefix(path, "/api/v1/channels/ch1"):
		return 200, []byte(`{"id":"ch1","name":"Sales","app_id":"1234","webhook_url":"http://x/webhook/ch1","verify_token":"tok","app_webhook_url":"http://x/webhook/app/1234","app_verify_token":"apptok",` +
			`"webhook_verified":false,"webhook":{"state":"refusing","verified_at":"2026-11-20T10:00:00Z","refused_24h":3,"last_refusal":"signature does not match this app secret — did you paste the app secret of another app?","unrouted_24h":2},` +
			`"check":{"at":"2026-11-20T10:00:00Z","ok":false,"connected":true,"verified_name":"Sales Ltd","steps":[{"name":"token","status":"ok"},{"name":"registration","status":"failed","fix":"Enter its six-digit PIN and run Connect"}]}}`), nil
	case path == "/api/v1/apps":
		return 200, []byte(`{"apps":[{"id":"1234","webhook_url":"http://x/webhook/app/1234","verify_token":"apptok","channels":["ch1"],"webhook":{"state":"verified"}}]}`), nil
	case strings.HasPrefix(path, "/api/v1/unrouted"):
		return 200, []byte(`{"total":7,"updates":[{"seq":7,"received_at":"2026-11-20T10:00:00Z","app_id":"1234","field":"messages","kind":"message","phone_number_id":"106540352242999","reason":"no channel of this app has phone number id 106540352242999","fix":"Add a channel <b>now</b>"}]}`), nil
	case strings.HasPrefix(path, "/api/v1/channels/"):
		return 404, []byte(`{"error":{"code":"not_found","message":"channel \"nope\" not found"}}`), nil
	case path == "/api/v1/queues":
		return 200, []byte(`{"queues":[{"name":"sales","members":["1001","1002"],"strategy":"ringall","pickup":"first_reply","ring_timeout":20}]}`), nil
	case path == "/api/v1/campaigns":
		return 200, []byte(`{"campaigns":[{"id":1,"name":"Nov","channel":"ch1","template":{"name":"order_update","language":"en_US"},"state":"running","counts":{"total":4,"sent":1,"failed":1}}]}`), nil
	case strings.HasPrefix(path, "/api/v1/stats"):
		return 200, []byte(`{"from":"2026-11-16","to":"2026-11-22","received":3}`), nil
	}
	return 200, []byte(`{}`), nil
}

type testPanel struct {
	t   *testing.T
	st  *store.Store
	app *fiber.App
}

func newTestPanel(t *testing.T) *testPanel {
	t.Helper()
	return newTestPanelLog(t, io.Discard)
}

func newTestPanelLog(t *testing.T, logOut io.Writer) *testPanel {
	t.Helper()
	return newTestPanelWith(t, logOut, func(*Options) {})
}

func newTestPanelWith(t *testing.T, logOut io.Writer, change func(*Options)) *testPanel {
	t.Helper()
	log := slog.New(slog.NewTextHandler(logOut, nil))
	st, err := store.Open(t.TempDir(), store.Options{Timeout: time.Second}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now().UTC()
	err = st.Update(func(tx *store.Tx) error {
		if err := tx.PutChannel(&store.Channel{ID: "ch1", Name: "Sales", Destination: store.Destination{Type: "queue", ID: "sales"}}); err != nil {
			return err
		}
		if err := tx.AddEvent(&store.Event{ChannelID: "ch1", Kind: "error", At: now,
			Text: "Meta reported error 130429 (Rate limit hit): <script>throughput</script>"}); err != nil {
			return err
		}
		if err := tx.PutQueue(&store.Queue{Name: "sales", Members: []string{"1001"}}); err != nil {
			return err
		}
		if err := tx.PutCustomer(&store.Customer{ChannelID: "ch1", Key: "447700900001", WaID: "447700900001", Name: "<img src=x onerror=alert(1)>", LastInAt: now}); err != nil {
			return err
		}
		id, err := tx.AddSession(&store.Session{ChannelID: "ch1", CustomerKey: "447700900001", State: store.StateActive, Agent: "1001", Queue: "sales", CreatedAt: now, LastMessageAt: now})
		if err != nil {
			return err
		}
		for _, m := range []*store.Message{
			{Direction: store.Inbound, Type: "text", Text: "hello <script>", Timestamp: now},
			{Direction: store.Inbound, Type: "image", Timestamp: now, Media: &store.MediaRef{MIME: "image/jpeg", Caption: "a photo"}},
			{Direction: store.Outbound, Type: "text", Text: "failed reply", Agent: "1001", Status: "failed", Timestamp: now,
				Error: &store.MessageError{Code: 131047, Title: "Re-engagement message"}, Trail: []store.StatusEvent{{Status: "queued", At: now}, {Status: "failed", At: now}}},
			{Direction: store.Outbound, Type: "text", Text: "typed in the app", Origin: store.OriginBusinessApp, Status: "sent", Timestamp: now},
		} {
			m.ChannelID, m.CustomerKey, m.SessionID = "ch1", "447700900001", id
			if _, err := tx.AddMessage(m); err != nil {
				return err
			}
			if err := tx.IndexMessage(m); err != nil {
				return err
			}
		}
		if err := tx.PutUser(&store.User{Name: "1001", Role: store.RoleAgent, Extension: "1001", PasswordHash: "hash-1001"}); err != nil {
			return err
		}
		for _, s := range []struct{ cookie, role, ext, cred string }{{"admin-cookie", store.RoleAdmin, "", "h:the-admin-token"}, {"agent-cookie", store.RoleAgent, "1001", "hash-1001"}} {
			if err := tx.PutWebSession(s.cookie, &store.WebSession{Role: s.role, Extension: s.ext, User: s.ext, CSRF: "csrf-" + s.role,
				Credential: credentialDigest(s.cred), ExpiresAt: now.Add(time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Store: st, API: fakeAPI, HashToken: func(s string) string { return "h:" + s }, AdminTokenHash: "h:the-admin-token", Log: log, LoginBurst: 4,
		MediaLink: func(m *store.Message) string { return "/media/x" }}
	change(&opts)
	w, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	w.Register(app)
	return &testPanel{t: t, st: st, app: app}
}

func (p *testPanel) get(path, cookie string) (int, string) {
	p.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := p.app.Test(req, -1) // no deadline: bcrypt under -race on a busy machine is slow
	if err != nil {
		p.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestPagesRender renders every page with stored data: each answers 200,
// escapes what customers wrote and carries the CSRF token in its forms.
func TestPagesRender(t *testing.T) {
	p := newTestPanel(t)
	admin, agent := "wachan_admin=admin-cookie", "wachan_agent=agent-cookie"
	tests := []struct {
		path, cookie string
		want         int
		has          string
	}{
		{"/admin/login", "", 200, `name="csrf"`},
		{"/agent/login", "", 200, "Extension"},
		{"/admin/channels", admin, 200, "Sales &lt;b&gt;"},
		{"/admin/channels/new", admin, 200, "Create channel"},
		{"/admin/channels/ch1", admin, 200, "http://x/webhook/ch1"},
		{"/admin/channels/ch1", admin, 200, "Meta reported error 130429 (Rate limit hit): &lt;script&gt;"},
		{"/admin/channels/ch1", admin, 200, `value="http://x/webhook/app/1234"`},
		{"/admin/channels/ch1", admin, 200, "Webhook deliveries refused</span>: 3 in the last 24 h. signature does not match this app secret — did you paste the app secret of another app?"},
		{"/admin/channels/ch1", admin, 200, `<a href="/admin/unrouted">`},
		{"/admin/unrouted", admin, 200, "no channel of this app has phone number id 106540352242999. Add a channel &lt;b&gt;now&lt;/b&gt;"},
		{"/admin/unrouted", admin, 200, "7 received in all"},
		{"/admin/unrouted", admin, 200, `<form method="post" action="/admin/unrouted/replay"><input type="hidden" name="csrf" value="csrf-admin">`},
		{"/admin/channels/ch1", admin, 200, `<li data-step="registration" class="failed"><strong>registration: failed</strong><br><span class="explain">Enter its six-digit PIN and run Connect</span>`},
		{"/admin/channels/ch1", admin, 200, `Connected to WhatsApp as “Sales Ltd”`},
		{"/admin/channels/nope", admin, 404, "not found"},
		{"/admin/stats", admin, 200, "Messages per day"},
		{"/admin/stats?range=custom&from=2026-11-01&to=2026-11-05", admin, 200, "<svg"},
		{"/admin/queues", admin, 200, "1001, 1002"},
		{"/admin/queues/new", admin, 200, "Create queue"},
		{"/admin/sessions", admin, 200, "&lt;img src=x onerror=alert(1)&gt;"},
		{"/admin/sessions?q=script&state=active&from=2020-01-01", admin, 200, "#1"},
		{"/admin/sessions?from=bad", admin, 200, "From must be a date"},
		{"/admin/sessions/1", admin, 200, "hello &lt;script&gt;"},
		{"/admin/sessions/1", admin, 200, "Re-engagement message"},
		{"/admin/sessions/1", admin, 200, "sent from the WhatsApp Business app"},
		{"/agent/c/1", agent, 200, "WhatsApp Business app"},
		{"/admin/sessions/99", admin, 404, "No such session"},
		{"/admin/templates?channel=ch1", admin, 200, "order_update"},
		{"/admin/campaigns", admin, 200, `<progress max="4" value="2"`},
		{"/admin/system", admin, 200, "Open sessions"},
		{"/admin/users", admin, 200, "New login"},
		{"/agent/", agent, 200, "My conversations"},
		{"/agent/c/1", agent, 200, `<img src="/media/x"`},
		{"/agent/c/1", agent, 200, `value="csrf-agent"`},
		{"/agent/c/2", agent, 404, "No such conversation"},
		{"/admin/channels", agent, 303, ""},
		{"/agent/", admin, 303, ""},
		{"/agent/events?view=inbox", admin, 204, ""},
		{"/agent/events?view=conversation&id=99", agent, 204, ""},
		{"/admin/channels", "wachan_admin=forged", 303, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, body := p.get(tt.path, tt.cookie)
			if code != tt.want || !strings.Contains(body, tt.has) {
				t.Fatalf("= %d, want %d with %q; body:\n%.3000s", code, tt.want, tt.has, body)
			}
			if strings.Contains(body, "<script>") || strings.Contains(body, "<img src=x") {
				t.Fatalf("unescaped customer text in:\n%s", body)
			}
		})
	}
}

// signIn posts a sign-in form with the CSRF token of a fresh form.
func (p *testPanel) signIn(role, name, password string) *http.Response {
	p.t.Helper()
	req := httptest.NewRequest("GET", "/"+role+"/login", nil)
	resp, err := p.app.Test(req, -1) // no deadline: bcrypt under -race on a busy machine is slow
	if err != nil {
		p.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == loginCookie {
			cookie = c.Value
		}
	}
	if m == nil || cookie == "" || string(m[1]) != cookie {
		p.t.Fatalf("sign-in form: csrf %q, cookie %q", m, cookie)
	}
	form := url.Values{"csrf": {cookie}, "name": {name}, "password": {password}}
	req = httptest.NewRequest("POST", "/"+role+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", loginCookie+"="+cookie)
	resp, err = p.app.Test(req, -1) // no deadline: bcrypt under -race on a busy machine is slow
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestSignIn(t *testing.T) {
	var logs bytes.Buffer
	p := newTestPanelLog(t, &logs)
	hash, _ := bcrypt.GenerateFromPassword([]byte("agent-secret-1"), bcrypt.MinCost)
	p.st.Update(func(tx *store.Tx) error {
		return tx.PutUser(&store.User{Name: "1001", Role: store.RoleAgent, Extension: "1001", PasswordHash: string(hash)})
	})
	tests := []struct {
		name, role, user, password string
		want                       int
	}{
		{"admin token", "admin", "", "the-admin-token", 303},
		{"agent", "agent", "1001", "agent-secret-1", 303},
		{"wrong agent password", "agent", "1001", "wrong-password-9", 401},
		{"agent on the admin panel", "admin", "1001", "agent-secret-1", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := p.signIn(tt.role, tt.user, tt.password)
			if resp.StatusCode != tt.want {
				t.Fatalf("= %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == 303 {
				var c *http.Cookie
				for _, ck := range resp.Cookies() {
					if ck.Name == cookieName(tt.role) {
						c = ck
					}
				}
				if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
					t.Fatalf("session cookie = %+v", c)
				}
				// The stored session is found by the cookie, which is
				// not itself a key.
				p.st.View(func(tx *store.Tx) error {
					if s, err := tx.WebSession(c.Value, time.Now()); err != nil || s.Role != tt.role {
						t.Fatalf("stored session = %+v, %v", s, err)
					}
					return nil
				})
			}
		})
	}
	// The burst (4) is spent: the right password is refused now.
	if resp := p.signIn("agent", "1001", "agent-secret-1"); resp.StatusCode != 429 {
		t.Fatalf("after the burst = %d", resp.StatusCode)
	}
	if !strings.Contains(logs.String(), "web sign-in failed") || !strings.Contains(logs.String(), "rate limited") {
		t.Fatalf("log lacks the failures:\n%s", logs.String())
	}
	for _, secret := range []string{"wrong-password-9", "agent-secret-1", "the-admin-token"} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("log shows a password:\n%s", logs.String())
		}
	}
}

func TestPreviewAndTransferTarget(t *testing.T) {
	long := strings.Repeat("é", 100)
	for _, tt := range []struct {
		m    *store.Message
		want string
	}{
		{&store.Message{Text: "hi"}, "hi"},
		{&store.Message{Text: long}, strings.Repeat("é", 80) + "…"},
		{&store.Message{Type: "image", Media: &store.MediaRef{Caption: "cat"}}, "[image] cat"},
	} {
		if got := preview(tt.m); got != tt.want {
			t.Errorf("preview(%q) = %q, want %q", tt.m.Text, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"1002", true}, {"queue sales", true}, {" 1002 ", true},
		{"", false}, {"queue", false}, {"1002 1003", false}, {"queue sa/les", false}, {"/close", false},
	} {
		if got := transferTarget(tt.in); got != tt.want {
			t.Errorf("transferTarget(%q) = %v", tt.in, got)
		}
	}
}

// TestSecureCookies checks that a panel behind TLS marks its cookies
// Secure.
func TestSecureCookies(t *testing.T) {
	p := newTestPanelWith(t, io.Discard, func(o *Options) { o.Secure = true })
	resp := p.signIn("admin", "", "the-admin-token")
	if resp.StatusCode != 303 {
		t.Fatalf("sign-in = %d", resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Name == cookieName(roleAdmin) && c.Secure && c.HttpOnly {
			return
		}
	}
	t.Fatalf("cookies = %v", resp.Header.Values("Set-Cookie"))
}
