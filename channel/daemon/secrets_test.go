package daemon

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/config"
	"github.com/wachan/wachan/pbx/ariemu"
)

// Distinctive secrets: any of them, in any common encoding, showing up in
// a log line or an HTTP answer is a leak.
const (
	leakAdminToken  = "ADMINtokLEAKCHECK7f3a9c1e5b2d4f60"
	leakAccessToken = "EAAleakcheckACCESStoken9d8c7b6a5f4e3d2c1b0a"
	leakAppSecret   = "APPsecretLEAKCHECK0a1b2c3d4e5f6a7b"
	leakARIPassword = "ARIpasswordLEAKCHECK5e6f7a8b9c"
	leakARIUser     = "wachanari"
)

// syncBuffer is a log sink shared by the daemons of a test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitLog waits until the log holds want.
func (b *syncBuffer) waitLog(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("log never showed %q", want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// encodings returns s as it could appear when leaked.
func encodings(s string) map[string]string {
	b := []byte(s)
	return map[string]string{
		"plain":      s,
		"base64":     base64.StdEncoding.EncodeToString(b),
		"base64 raw": base64.RawStdEncoding.EncodeToString(b),
		"base64url":  base64.RawURLEncoding.EncodeToString(b),
		"query":      url.QueryEscape(s),
		"path":       url.PathEscape(s),
		"hex":        hex.EncodeToString(b),
		"HEX":        strings.ToUpper(hex.EncodeToString(b)),
		"reversed": func() string {
			r := []byte(s)
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			return string(r)
		}(),
	}
}

// leaks lists where text shows any of secrets.
func leaks(text string, secrets map[string]string) []string {
	var out []string
	for name, s := range secrets {
		for enc, v := range encodings(s) {
			if strings.Contains(text, v) {
				out = append(out, name+" ("+enc+")")
			}
		}
	}
	return out
}

// exchange is one HTTP answer, kept for the leak check.
type exchange struct {
	what string
	text string // status, headers and body
}

// recorder performs requests against a daemon and keeps every answer.
type recorder struct {
	t    *testing.T
	base string
	mu   sync.Mutex
	got  []exchange
}

func (r *recorder) keep(what string, resp *http.Response, body []byte) {
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", resp.StatusCode)
	resp.Header.Write(&b)
	b.Write(body)
	r.mu.Lock()
	r.got = append(r.got, exchange{what: what, text: b.String()})
	r.mu.Unlock()
}

// do sends a request with the admin token (unless token is "-") and
// decodes a JSON answer into out when not nil.
func (r *recorder) do(method, path, token string, body any, out any) (int, []byte) {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.base+path, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	if token != "-" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r.keep(method+" "+path, resp, data)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			r.t.Fatalf("%s %s: decoding %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode, data
}

// startLogged runs a daemon logging at debug level into logs.
func startLogged(t *testing.T, cfg *config.Config, logs *syncBuffer) (*harness, *Daemon) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d, err := New(cfg, log, logs)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, d, cfg), d
}

// routePath fills a route's parameters with ids that exist where known.
func routePath(path string, ids map[string]string) string {
	seg := strings.Split(path, "/")
	for i, s := range seg {
		if !strings.HasPrefix(s, ":") && !strings.HasPrefix(s, "*") && !strings.HasPrefix(s, "+") {
			continue
		}
		v := "x"
		if i > 0 {
			if id, ok := ids[seg[i-1]]; ok {
				v = id
			}
		}
		seg[i] = v
	}
	return strings.Join(seg, "/")
}

// TestNoSecretLeaks runs a daemon with both emulators through a full
// scenario with known secrets: creating the channel, the handshake,
// messages both ways, an expired token, a wrong ARI password, every GET
// route, /metrics and /healthz. No secret may appear in the debug log or
// in any answer (the verify token only in the channel views, where the
// admin copies it into Meta's console).
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	graph := graphemu.New(graphemu.Options{})
	graphURL, err := graph.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { graph.Close() })
	ari, err := ariemu.New(ariemu.Options{User: leakARIUser, Password: leakARIPassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ari.Close)
	cfg := testConfig(t, graphURL)
	cfg.AdminToken = leakAdminToken
	cfg.ARIURL, cfg.ARIUser, cfg.ARIPassword = ari.URL(), leakARIUser, leakARIPassword
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	h, d := startLogged(t, cfg, logs)
	rec := &recorder{t: t, base: h.base}
	p := &pbxHarness{harness: h, t: t, d: d, graph: graph, ari: ari}
	p.waitConnected()

	// The channel, created as an admin would.
	body := newChannelBody()
	body["access_token"], body["app_secret"] = leakAccessToken, leakAppSecret
	var ch map[string]any
	if code, raw := rec.do("POST", "/api/v1/channels", leakAdminToken, body, &ch); code != 201 {
		t.Fatalf("create channel: %d %s", code, raw)
	}
	chID, _ := ch["id"].(string)
	verifyToken, _ := ch["verify_token"].(string)
	webhookURL, _ := ch["webhook_url"].(string)
	if chID == "" || len(verifyToken) < 16 {
		t.Fatalf("channel = %v", ch)
	}
	if err := graph.AddNumber(graphemu.Number{PhoneNumberID: pnid, WABAID: "102290129340398", DisplayPhoneNumber: "+44 7911 123456",
		VerifiedName: "Sales Ltd", Token: leakAccessToken, AppSecret: leakAppSecret, WebhookURL: webhookURL}); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"admin token": leakAdminToken, "access token": leakAccessToken, "app secret": leakAppSecret,
		"ARI password": leakARIPassword, "ARI basic auth": leakARIUser + ":" + leakARIPassword,
		"verify token": verifyToken,
	}
	// Patch posting back the masked values keeps the secrets.
	if code, raw := rec.do("PATCH", "/api/v1/channels/"+chID, leakAdminToken, map[string]any{
		"access_token": ch["access_token"], "app_secret": ch["app_secret"], "name": "Sales 2",
	}, nil); code != 200 {
		t.Fatalf("patch: %d %s", code, raw)
	}

	// Meta's handshake, right and wrong.
	for _, tok := range []string{verifyToken, verifyToken + "x", leakAppSecret} {
		resp, err := http.Get(webhookURL + "?" + url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"4242"}, "hub.verify_token": {tok}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		rec.keep("GET webhook handshake", resp, b)
	}

	// Messages both ways through the PBX.
	p.register("1001")
	p.customerSays(customer, "Ann Smith", "Hello, my order?")
	p.waitFor("1001", 0, "Hello, my order?")
	p.phoneSays("1001", "wa-1-"+customer, "On its way")
	p.waitSent(1)
	var msg map[string]any
	if code, raw := rec.do("POST", "/api/v1/messages", leakAdminToken, map[string]any{"channel_id": chID, "to": customer, "text": "Anything else?"}, &msg); code != 202 {
		t.Fatalf("send: %d %s", code, raw)
	}
	p.waitSent(2)
	// A webhook signed with a wrong secret, and one with the secret itself
	// as the signature.
	_, inbound := graph.InboundText(pnid, customer, "Ann Smith", "again")
	for _, sig := range []string{"sha256=" + strings.Repeat("0", 64), "sha256=" + leakAppSecret, leakAppSecret} {
		req, _ := http.NewRequest("POST", webhookURL, bytes.NewReader(inbound))
		req.Header.Set("X-Hub-Signature-256", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		rec.keep("POST webhook bad signature", resp, b)
		if resp.StatusCode != 401 {
			t.Fatalf("bad signature: %d", resp.StatusCode)
		}
	}

	// Bad admin credentials, including the token where it does not belong.
	rec.do("GET", "/api/v1/channels?token="+url.QueryEscape(leakAdminToken), "-", nil, nil)
	rec.do("GET", "/api/v1/channels?access_token="+url.QueryEscape(leakAdminToken), "-", nil, nil)
	rec.do("GET", "/api/v1/channels", leakAdminToken+"x", nil, nil)
	rec.do("POST", "/api/v1/channels", leakAdminToken, map[string]any{"access_token": leakAccessToken + " with space", "app_secret": leakAppSecret}, nil)

	// The token expires: Test Connection and a send both meet code 190.
	graph.ExpireToken(leakAccessToken)
	var tc map[string]any
	rec.do("POST", "/api/v1/channels/"+chID+"/test", leakAdminToken, nil, &tc)
	if tc["connected"] != false {
		t.Fatalf("test connection with an expired token = %v", tc)
	}
	if code, raw := rec.do("POST", "/api/v1/messages", leakAdminToken, map[string]any{"channel_id": chID, "to": customer, "text": "after expiry"}, nil); code != 202 {
		t.Fatalf("send after expiry: %d %s", code, raw)
	}
	logs.waitLog(t, "190")

	// Every GET route, with and without the token.
	ids := map[string]string{"channels": chID, "messages": fmt.Sprint(msg["id"]), "queues": "sales"}
	var sessions struct{ Sessions []map[string]any }
	rec.do("GET", "/api/v1/sessions", leakAdminToken, nil, &sessions)
	if len(sessions.Sessions) > 0 {
		ids["sessions"] = fmt.Sprint(sessions.Sessions[0]["id"])
	}
	seen := map[string]bool{}
	for _, r := range d.app.GetRoutes(true) {
		if r.Method != http.MethodGet || seen[r.Path] {
			continue
		}
		seen[r.Path] = true
		path := routePath(r.Path, ids)
		if strings.Contains(r.Path, "backup") {
			// The backup is the database itself, secrets included: only
			// check that it needs the token.
			// (429 once this address failed too often.)
			if code, _ := rec.do("GET", path, "-", nil, nil); code != 401 && code != 429 {
				t.Errorf("GET %s without a token: %d", path, code)
			}
			rec.got = rec.got[:len(rec.got)-1]
			continue
		}
		rec.do("GET", path, leakAdminToken, nil, nil)
		rec.do("GET", path, "-", nil, nil)
		rec.do("GET", path+"?debug=1&token="+leakAdminToken[:8], leakAdminToken, nil, nil)
	}
	if len(seen) < 10 {
		t.Fatalf("only %d GET routes found", len(seen))
	}
	for _, path := range []string{"/metrics", "/healthz", "/api/v1/nothing", "/nothing"} {
		rec.do("GET", path, leakAdminToken, nil, nil)
	}
	recMetrics := &recorder{t: t, base: h.metrics}
	recMetrics.do("GET", "/metrics", "-", nil, nil)

	// A second daemon whose ARI password is wrong.
	ari2, err := ariemu.New(ariemu.Options{User: leakARIUser, Password: "another-password"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ari2.Close)
	cfg2 := testConfig(t, graphURL)
	cfg2.AdminToken = leakAdminToken
	cfg2.ARIURL, cfg2.ARIUser, cfg2.ARIPassword = ari2.URL(), leakARIUser, leakARIPassword
	if err := cfg2.Validate(); err != nil {
		t.Fatal(err)
	}
	h2, _ := startLogged(t, cfg2, logs)
	logs.waitLog(t, "ARI connection lost")
	rec2 := &recorder{t: t, base: h2.base}
	rec2.do("GET", "/healthz", "-", nil, nil)
	rec2.do("GET", "/metrics", "-", nil, nil)
	h2.stop()
	h.stop()

	// Verdict.
	channelView := regexp.MustCompile(`^(GET|POST|PATCH) /api/v1/channels(/` + regexp.QuoteMeta(chID) + `)?(\?.*)?$`)
	for _, ex := range slices.Concat(rec.got, rec2.got, recMetrics.got) {
		found := leaks(ex.text, secrets)
		if channelView.MatchString(ex.what) {
			found = leaks(ex.text, without(secrets, "verify token"))
		}
		if len(found) > 0 {
			t.Errorf("%s shows %v:\n%s", ex.what, found, ex.text)
		}
	}
	if found := leaks(logs.String(), secrets); len(found) > 0 {
		t.Errorf("the log shows %v", found)
	}
	if !strings.Contains(logs.String(), "level=DEBUG") {
		t.Error("no debug lines were logged")
	}
	t.Logf("%d answers and %d bytes of log checked over %d GET routes", len(rec.got)+len(rec2.got), len(logs.String()), len(seen))
}

// without returns m minus key.
func without(m map[string]string, key string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// sipFrom is what a From header of a message to an agent must look like:
// a quoted display name free of quotes, backslashes, angle brackets and
// control characters, then the customer's address.
var sipFrom = regexp.MustCompile(`^"[^"\\<>\x00-\x1f\x7f]* \(WhatsApp\)" <sip:wa-[0-9]+-[0-9u]+@[A-Za-z0-9.:-]+>$`)

// TestCRLFNeverBreaksSIP sends customer names and texts and an agent's
// reply full of CR, LF, quotes and control characters: the SIP From stays
// one well-formed header, the SIP headers (variables) hold no line breaks,
// and the texts arrive whole in the message bodies.
func TestCRLFNeverBreaksSIP(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001")
	addr := "wa-1-" + customer
	names := []string{
		"Eve\r\nVia: SIP/2.0/UDP evil.example\r\n",
		"\"Mallory\" <sip:1002@127.0.0.1>",
		"Bob\x00\x07\x1b[31m\\\"",
		"\r\n\r\n",
		"Zoë \u2028 \u0085 😀",
	}
	n := 0
	for i, name := range names {
		text := fmt.Sprintf("line one %d\r\nFrom: <sip:attacker@x>\r\n\r\nINVITE sip:1002 SIP/2.0\x00\x1b", i)
		p.customerSays(customer, name, text)
		var r ariemu.Received
		r, n = p.waitFor("1001", n, fmt.Sprintf("line one %d", i))
		if !sipFrom.MatchString(r.From) || !strings.Contains(r.From, "<sip:"+addr+"@") {
			t.Fatalf("name %q gave From %q", name, r.From)
		}
		// Line breaks may be folded into spaces; every word arrives.
		if words := strings.Join(strings.Fields(text), " "); !strings.Contains(strings.Join(strings.Fields(r.Body), " "), words) {
			t.Fatalf("body %q does not hold the text %q", r.Body, text)
		}
		for k, v := range r.Variables {
			if strings.ContainsAny(k+v, "\r\n\x00") {
				t.Fatalf("header %q: %q", k, v)
			}
		}
	}
	// The agent answers with line breaks and what looks like headers: the
	// customer gets the text as typed, and the agent's phone is not sent
	// anything malformed.
	reply := "Hello\r\nX-Injected: yes\r\n\r\nSecond paragraph\ttabbed"
	p.phoneSays("1001", addr, reply)
	if got := p.waitSent(1); got != reply {
		t.Fatalf("sent %q, want %q", got, reply)
	}
	for _, r := range p.ari.Inbox("1001") {
		if !sipFrom.MatchString(r.From) {
			t.Fatalf("message to the agent with From %q", r.From)
		}
	}
	// A customer known only by name (no usable display name) still gets a
	// well-formed From.
	p.customerSays("447700900002", "\"\"<<>>\r\n", "second customer")
	r, _ := p.waitFor("1001", n, "second customer")
	if !sipFrom.MatchString(r.From) {
		t.Fatalf("From %q", r.From)
	}
}
