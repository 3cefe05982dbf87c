package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/channel/internal/browsertest"
)

// browser drives a headless Chromium (see browsertest) and saves
// screenshots.
type browser struct {
	t   *testing.T
	ctx context.Context
	bt  *browsertest.Browser
	dir string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	bt := browsertest.Start(t)
	b := &browser{t: t, ctx: bt.Tab(), bt: bt, dir: filepath.Join("..", "..", "artifacts", "screenshots")}
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return b
}

// run runs actions and fails the test on error.
func (b *browser) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	browsertest.Run(b.t, b.ctx, actions...)
}

// get runs one action that returns a value and fails the test on error.
func get[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	return browsertest.Get(b.t, b.ctx, a)
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return get(b, chromedp.Text(chromedp.CSS(sel)))
}

// shot saves a full-page PNG of url (or of the current page when url is
// empty) at desktop and phone widths.
func (b *browser) shot(name, url string) {
	b.t.Helper()
	for _, size := range []struct {
		suffix string
		w, h   int64
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		b.run(chromedp.EmulateViewport(size.w, size.h))
		if url != "" {
			b.run(chromedp.Navigate(url))
		}
		b.run(chromedp.WaitReady(chromedp.CSS("body")))
		// Nothing may stick out sideways at either width.
		wide := get(b, chromedp.Evaluate[string](`(() => {
			const w = document.documentElement.clientWidth;
			return [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > w + 1)
				.map(e => e.tagName + (e.id ? "#" + e.id : "") + "." + e.className).slice(0, 5).join(", ");
		})()`))
		if wide != "" {
			b.t.Errorf("%s at %dpx: elements wider than the page: %s", name, size.w, wide)
		}
		// Every control has a label (keyboard and screen reader users).
		unlabelled := get(b, chromedp.Evaluate[string](`[...document.querySelectorAll("input:not([type=hidden]), select, textarea, button")]
			.filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label") && !(e.tagName === "BUTTON" && e.textContent.trim()))
			.map(e => e.tagName + "#" + e.id).join(", ")`))
		if unlabelled != "" {
			b.t.Errorf("%s: controls without a label: %s", name, unlabelled)
		}
		png := get(b, chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(b.dir, name+"-"+size.suffix+".png"), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.run(chromedp.EmulateViewport(1280, 900))
}

// waitText reloads url until the element sel's text contains want.
func (b *browser) waitText(url, sel, want string) {
	b.t.Helper()
	deadline := time.Now().Add(time.Minute)
	var got string
	for time.Now().Before(deadline) {
		b.run(chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS(sel)))
		if got = b.text(sel); strings.Contains(got, want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("%s %s = %q, want %q", url, sel, got, want)
}

// waitContains waits until the element sel on the current page shows want
// (the page may still be loading when it starts).
func (b *browser) waitContains(sel, want string) {
	b.t.Helper()
	deadline := time.Now().Add(time.Minute)
	var got string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		cancel()
		if got = v; err == nil && strings.Contains(got, want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.t.Fatalf("%s shows %q, want %q", sel, got, want)
}

func (b *browser) noErrors() {
	b.t.Helper()
	b.bt.NoErrors(b.t)
}

// TestWebPanelAndConsole drives the admin panel and the agent console in a
// real headless Chromium against a daemon wired to the Graph and ARI
// emulators.
func TestWebPanelAndConsole(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "queue", "id": "sales"}, queue("sales", "ringall", "1001", "1002"))
	p.register("1001", "1002")
	b := newBrowser(t)
	base := p.base
	p.graph.AddTemplate("102290129340398", graphemu.Template{Name: "order_update",
		Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Your order {{1}} is on its way", Example: json.RawMessage(`{"body_text":[["A1"]]}`)}}})

	// The admin signs in with the admin token.
	b.run(chromedp.Navigate(base+"/admin/"), chromedp.WaitVisible(chromedp.CSS("#password")))
	b.shot("admin-login", "")
	b.run(
		chromedp.SendKeys(chromedp.CSS("#password"), adminToken),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/channels/new"]`)),
	)
	if got := b.text(`tr[data-channel="` + p.ch + `"] td.received`); strings.TrimSpace(got) != "0" {
		t.Fatalf("received today before any message = %q", got)
	}
	if got := b.text(`tr[data-channel="` + p.ch + `"] td.status`); !strings.Contains(got, "Webhook not yet verified") {
		t.Fatalf("status of an unverified channel = %q", got)
	}

	// A new channel: the API's validation shows inline, then the
	// webhook URL and verify token appear.
	const pnid2, token2 = "106540352242999", "EAAG-second-permanent-token-0001"
	b.run(
		chromedp.Navigate(base+"/admin/channels/new"),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Support"),
		chromedp.SendKeys(chromedp.CSS("#number"), "07911 123457"),
		chromedp.SendKeys(chromedp.CSS("#phone_number_id"), pnid2),
		chromedp.SendKeys(chromedp.CSS("#waba_id"), "102290129340398"),
		chromedp.SendKeys(chromedp.CSS("#access_token"), token2),
		chromedp.SendKeys(chromedp.CSS("#app_secret"), "second-app-secret-0123456789"),
		chromedp.SetValue(chromedp.CSS("#destination_type"), "queue"),
		chromedp.SendKeys(chromedp.CSS("#destination_id"), "sales"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS(".field-error")),
	)
	if got := b.text(".field-error"); !strings.Contains(got, "number") || !strings.Contains(got, "international format") {
		t.Fatalf("inline error = %q", got)
	}
	b.run(
		chromedp.SetValue(chromedp.CSS("#number"), "+44 7911 123457"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#callback")),
	)
	callback, verify := get(b, chromedp.Value(chromedp.CSS("#callback"))), get(b, chromedp.Value(chromedp.CSS("#verify")))
	id, ok := strings.CutPrefix(callback, p.cfg.PublicURL+"/webhook/")
	if !ok || id == "" || len(verify) < 32 {
		t.Fatalf("callback URL %q, verify token %q", callback, verify)
	}
	if strings.Contains(get(b, chromedp.OuterHTML(chromedp.CSS("html"))), token2) {
		t.Fatal("the edit page shows the access token")
	}
	// Meta verifies the webhook; Test Connection reaches the emulator.
	resp, err := http.Get(callback + "?hub.mode=subscribe&hub.challenge=7&hub.verify_token=" + verify)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("verification = %v, %v", resp, err)
	}
	resp.Body.Close()
	if err := p.graph.AddNumber(graphemu.Number{PhoneNumberID: pnid2, WABAID: "102290129340398", DisplayPhoneNumber: "+44 7911 123457",
		VerifiedName: "Support Ltd", Token: token2, AppSecret: "second-app-secret-0123456789", WebhookURL: callback}); err != nil {
		t.Fatal(err)
	}
	b.run(chromedp.Click(chromedp.CSS("#test-connection")), chromedp.WaitVisible(chromedp.CSS(".test-result")))
	if got := b.text(".test-result"); !strings.Contains(got, "Connected to WhatsApp as “Support Ltd”") {
		t.Fatalf("test connection = %q", got)
	}
	if got := b.text("#verified"); !strings.Contains(got, "Webhook verified") {
		t.Fatalf("verification state = %q", got)
	}
	b.run(chromedp.Click(chromedp.CSS(`button[data-copy="callback"]`)))
	b.waitContains(`button[data-copy="callback"]`, "Copied")
	b.shot("admin-channel", "")
	p.graph.ExpireToken(token2)
	b.run(chromedp.Click(chromedp.CSS("#test-connection")))
	b.waitContains(".test-result", "Error 190")

	// An agent login, then a forged form (no CSRF token) is refused.
	b.run(
		chromedp.Navigate(base+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS("#u-name")),
		chromedp.SendKeys(chromedp.CSS("#u-name"), "1001"),
		chromedp.SendKeys(chromedp.CSS("#u-password"), "agent-pass-1001"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/users"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#users")),
	)
	status := get(b, chromedp.Evaluate[int](`fetch("/admin/users", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"},
		body: "role=admin&name=intruder&password=intruder-pass"}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if status != 403 {
		t.Fatalf("form without CSRF token = %d, want 403", status)
	}
	b.shot("admin-users", base+"/admin/users")
	if got := b.text("#users"); strings.Contains(got, "intruder") || !strings.Contains(got, "1001") {
		t.Fatalf("users = %q", got)
	}

	// The agent signs in; the inbox updates live when a customer writes.
	b.run(
		chromedp.Navigate(base+"/agent/"),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#name"), "1001"),
		chromedp.SendKeys(chromedp.CSS("#password"), "agent-pass-1001"),
		chromedp.Click(chromedp.CSS(`form[action="/agent/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#inbox")),
		chromedp.WaitVisible(chromedp.CSS("#h-waiting")),
	)
	const hostileName, hostileText = "<script>alert(1)</script>", "'; DROP TABLE users; -- <b>bold</b> \" OR 1=1"
	p.customerSays(customer, hostileName, hostileText)
	b.run(chromedp.WaitVisible(chromedp.CSS("#inbox a.conv")))
	if got := b.text("#inbox .who"); !strings.Contains(got, hostileName) {
		t.Fatalf("customer shown as %q", got)
	}
	if got := b.text("#inbox .last"); !strings.Contains(got, hostileText) {
		t.Fatalf("last message shown as %q", got)
	}
	if injected := get(b, chromedp.Evaluate[int](`document.querySelectorAll("#inbox script, #inbox b").length`)); injected != 0 {
		t.Fatalf("%d injected elements in the inbox", injected)
	}
	b.shot("agent-inbox", "")

	// Take it and answer: the reply reaches the Graph emulator and its
	// ticks arrive live.
	b.run(chromedp.Click(chromedp.CSS("#inbox a.conv")), chromedp.WaitVisible(chromedp.CSS("#take")), chromedp.Click(chromedp.CSS("#take")))
	b.waitContains("#notices", "took")
	if ss := p.sessions("?state=active"); len(ss) != 1 || ss[0]["agent"] != "1001" {
		t.Fatalf("sessions after take = %v", ss)
	}
	b.run(chromedp.SendKeys(chromedp.CSS("#text"), "Hello from the web console"), chromedp.Click(chromedp.CSS("#send")))
	b.waitContains("#thread", "Hello from the web console")
	if got := p.waitSent(1); got != "Hello from the web console" {
		t.Fatalf("sent = %q", got)
	}
	b.run(chromedp.WaitVisible(chromedp.CSS("#thread .tick-read")))

	// A picture from the console goes out through the media route and
	// shows inline.
	photo := filepath.Join(t.TempDir(), "photo.png")
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, img)
	if err := os.WriteFile(photo, pngBuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	b.run(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{photo}), chromedp.Click(chromedp.CSS("#send-file")))
	b.waitContains("#notices", "photo.png sent")
	deadline := time.Now().Add(time.Minute)
	for p.graph.SentCount(pnid) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if sent := p.graph.Sent(pnid); len(sent) != 2 || sent[1].Body["type"] != "image" {
		t.Fatalf("emulator sends = %+v", sent)
	}
	b.run(chromedp.WaitVisible(chromedp.CSS("#thread img")))
	b.shot("agent-conversation", "")

	// A day later the window has closed: banner and locked composer.
	p.advance(25 * time.Hour)
	b.run(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#window-closed")))
	if !get(b, chromedp.Evaluate[bool](`document.getElementById("text").disabled && document.getElementById("send").disabled`)) {
		t.Fatal("composer not locked after the window closed")
	}
	// Only a template reaches the customer now: the picker offers the
	// channel's approved ones (synced through the API here).
	var synced map[string]any
	if code := p.do("POST", "/api/v1/channels/"+p.ch+"/templates/sync", nil, &synced); code != 200 {
		t.Fatalf("template sync = %d %v", code, synced)
	}
	b.run(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#template")))
	b.shot("agent-window-closed", "")
	b.run(chromedp.SendKeys(chromedp.CSS("#values"), "A1"), chromedp.Click(chromedp.CSS("#send-template")))
	b.waitContains("#notices", "Template order_update sent")
	for deadline := time.Now().Add(time.Minute); p.graph.SentCount(pnid) < 3 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if sent := p.graph.Sent(pnid); len(sent) != 3 || sent[2].Body["type"] != "template" {
		t.Fatalf("emulator sends = %+v", sent)
	}

	// Back in the panel: counters moved, logs show the hostile strings as
	// text.
	b.waitText(base+"/admin/channels", `tr[data-channel="`+p.ch+`"] td.received`, "1")
	b.shot("admin-channels", "")
	b.run(chromedp.Navigate(base+"/admin/stats?range=today"), chromedp.WaitVisible(chromedp.CSS("#k-received")))
	if got := b.text("#k-received"); got != "1" {
		t.Fatalf("stats received today = %q", got)
	}
	if got := b.text("#k-sentok"); got != "3" {
		t.Fatalf("stats sent ok today = %q", got)
	}
	b.shot("admin-stats", "")
	b.run(chromedp.Navigate(base+"/admin/sessions?q="+url.QueryEscape("DROP TABLE")), chromedp.WaitVisible(chromedp.CSS("#sessions")))
	if got := b.text("#sessions .customer"); !strings.Contains(got, hostileName) {
		t.Fatalf("sessions list customer = %q", got)
	}
	b.shot("admin-sessions", "")
	sid := get(b, chromedp.AttributeValue(chromedp.CSS("#sessions a"), "href")).Value
	b.run(chromedp.Navigate(base+sid), chromedp.WaitVisible(chromedp.CSS(".timeline")))
	if got := b.text(".timeline"); !strings.Contains(got, "Hello from the web console") || !strings.Contains(got, "read") || !strings.Contains(got, hostileText) {
		t.Fatalf("timeline = %q", got)
	}
	b.shot("admin-session", "")
	b.run(chromedp.Navigate(base+"/admin/system"), chromedp.WaitVisible(chromedp.CSS("#pbx")))
	if got := b.text("#pbx"); !strings.Contains(got, "Connected") {
		t.Fatalf("PBX state = %q", got)
	}
	b.shot("admin-system", "")
	b.shot("admin-queues", base+"/admin/queues")

	// Templates: Sync lists them from the emulator.
	b.run(chromedp.Navigate(base+"/admin/templates?channel="+p.ch), chromedp.WaitVisible(chromedp.CSS("#sync")), chromedp.Click(chromedp.CSS("#sync")))
	b.waitContains(".flash", "Synced: 1 templates")
	if got := b.text("#templates"); !strings.Contains(got, "order_update") || !strings.Contains(got, "APPROVED") {
		t.Fatalf("templates = %q", got)
	}
	b.shot("admin-templates", "")
	// Campaigns with their progress.
	var camp map[string]any
	if code := p.do("POST", "/api/v1/campaigns", map[string]any{"name": "November <offer>", "channel": p.ch,
		"template":   map[string]string{"name": "order_update", "language": "en_US"},
		"recipients": []map[string]any{{"to": "+447911123458", "params": []string{"A1"}}, {"to": "+447911123459", "params": []string{"B2"}}}}, &camp); code != 201 {
		t.Fatalf("create campaign = %d %v", code, camp)
	}
	b.run(chromedp.Navigate(base+"/admin/campaigns"), chromedp.WaitVisible(chromedp.CSS("#campaigns progress")))
	if got := b.text("#campaigns"); !strings.Contains(got, "November <offer>") || !strings.Contains(got, "0/2") {
		t.Fatalf("campaigns = %q", got)
	}
	b.run(chromedp.Click(chromedp.CSS(`form[action$="/start"] button`)))
	b.waitContains(".flash", "Campaign started.")
	b.waitText(base+"/admin/campaigns", "#campaigns td.progress", "2/2")
	b.shot("admin-campaigns", "")

	// An administrator moves a waiting conversation to 1002, then
	// closes it.
	p.customerSays("447700900009", "Dee", "anyone there?")
	var waiting []map[string]any
	for deadline := time.Now().Add(time.Minute); len(waiting) == 0 && time.Now().Before(deadline); {
		waiting = p.sessions("?state=waiting")
		time.Sleep(10 * time.Millisecond)
	}
	if len(waiting) != 1 {
		t.Fatalf("waiting sessions = %v", waiting)
	}
	sessURL := fmt.Sprintf("%s/admin/sessions/%v", base, waiting[0]["id"])
	b.run(chromedp.Navigate(sessURL), chromedp.WaitVisible(chromedp.CSS("#to_id")), chromedp.SendKeys(chromedp.CSS("#to_id"), "1002"),
		chromedp.Click(chromedp.CSS(`form[action$="/transfer"] button`)))
	b.waitContains(".flash", "transferred to extension 1002")
	p.waitFor("1002", 0, "anyone there?")
	b.run(chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action$="/close"]').removeAttribute("data-confirm")`),
		chromedp.Click(chromedp.CSS(`form[action$="/close"] button`)))
	b.waitContains(".flash", "Session closed")
	if got := b.text("h1 .state"); got != "closed" {
		t.Fatalf("state after close = %q", got)
	}
	if injected := get(b, chromedp.Evaluate[int](`document.querySelectorAll("script").length`)); injected != 1 {
		t.Fatalf("%d script elements on the queues page", injected)
	}
	b.noErrors()
}

// csrfField extracts the sign-in form's CSRF token.
var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestWebSignIn checks the sign-in cookies, the CSRF check of the sign-in
// form and the per-address rate limit, over plain HTTP.
func TestWebSignIn(t *testing.T) {
	t.Parallel()
	h := start(t, testConfig(t, "http://127.0.0.1:1"))
	defer h.stop()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	signIn := func(password string, withToken bool) *http.Response {
		t.Helper()
		resp, err := client.Get(h.base + "/admin/login")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := csrfField.FindSubmatch(body)
		if m == nil {
			t.Fatalf("no CSRF field in %s", body)
		}
		form := url.Values{"password": {password}}
		if withToken {
			form.Set("csrf", string(m[1]))
		}
		resp, err = client.PostForm(h.base+"/admin/login", form)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := signIn(adminToken, false); resp.StatusCode != 403 {
		t.Fatalf("sign-in without CSRF token = %d", resp.StatusCode)
	}
	resp := signIn(adminToken, true)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/admin/" {
		t.Fatalf("sign-in = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie string
	for _, c := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "wachan_admin=") {
			cookie = c
		}
	}
	if !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") || strings.Contains(cookie, "Secure") {
		t.Fatalf("session cookie = %q", cookie)
	}
	if resp, err := client.Get(h.base + "/admin/channels"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("panel after sign-in = %v, %v", resp, err)
	}
	if resp, err := client.PostForm(h.base+"/admin/users", url.Values{"role": {"admin"}, "name": {"x"}, "password": {"password-x"}}); err != nil || resp.StatusCode != 403 {
		t.Fatalf("form without CSRF token = %v, %v", resp, err)
	}

	// Guessing: after the burst the address is refused, even with the
	// right token.
	var codes []int
	for range 6 {
		codes = append(codes, signIn(fmt.Sprintf("guess-%d", len(codes)), true).StatusCode)
	}
	if codes[0] != 401 || codes[len(codes)-1] != 429 {
		t.Fatalf("guesses = %v", codes)
	}
	if resp := signIn(adminToken, true); resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("right token while limited = %d", resp.StatusCode)
	}
	// Signed out, the panel sends the browser to the sign-in page.
	plain := &http.Client{CheckRedirect: client.CheckRedirect}
	if resp, err := plain.Get(h.base + "/admin/channels"); err != nil || resp.StatusCode != 303 || resp.Header.Get("Location") != "/admin/login" {
		t.Fatalf("panel without session = %v, %v", resp, err)
	}
}
