package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/channel/loopback"
	"github.com/wachan/wachan/config"
)

const (
	adminToken = "admin-token-for-tests-0123456789"
	pnid       = "106540352242922"
	metaToken  = "EAAG-permanent-system-user-token-XYZ"
	appSecret  = "app-secret-0123456789abcdef"
)

type harness struct {
	t    testing.TB
	cfg  *config.Config
	base string
	// metrics is the base URL of the metrics listener.
	metrics string
	stop    func()
}

// freeAddr is a loopback address for a daemon to listen on (see
// channel/loopback: no listener on port 0 takes it first).
func freeAddr(t testing.TB) string {
	addr, err := loopback.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func testConfig(t testing.TB, graphURL string) *config.Config {
	cfg := config.Default()
	cfg.Listen = freeAddr(t)
	cfg.MetricsListen = "127.0.0.1:0" // bound at once: no race for a port
	cfg.PublicURL = "http://" + cfg.Listen
	cfg.DataDir = t.TempDir()
	cfg.GraphURL = graphURL
	cfg.AdminToken = adminToken
	cfg.ShutdownTimeout = 2 * time.Second
	cfg.TimeZone = "UTC" // the same days whatever the machine's zone
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// start runs a real daemon on loopback.
func start(t testing.TB, cfg *config.Config) *harness {
	t.Helper()
	d, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, d, cfg)
}

// serve runs d on its configured address until the test ends (or stop),
// and returns once it answers /healthz.
func serve(t testing.TB, d *Daemon, cfg *config.Config) *harness {
	t.Helper()
	addr, err := d.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	h := &harness{t: t, cfg: cfg, base: "http://" + addr, metrics: "http://" + d.MetricsAddr()}
	stopped := false
	h.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(h.stop)
	h.waitHealthy()
	return h
}

func (h *harness) waitHealthy() {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		resp, err := http.Get(h.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.t.Fatal("daemon never became healthy")
}

func (h *harness) do(method, path string, body any, out any) int {
	h.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.base+path, r)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			h.t.Fatalf("%s %s: decoding %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

type stats struct {
	Received, Sent, Delivered, Read int64
	SentOK                          int64 `json:"sent_ok"`
	SentFailed                      int64 `json:"sent_failed"`
}

func (h *harness) waitStats(channel string, ok func(stats) bool) stats {
	h.t.Helper()
	var s stats
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		h.do("GET", "/api/v1/channels/"+channel+"/stats?range=all", nil, &s)
		if ok(s) {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.t.Fatalf("stats never reached the expected state; last %+v", s)
	return s
}

func newChannelBody() map[string]any {
	return map[string]any{
		"name": "Sales", "number": "+44 7911 123456", "phone_number_id": pnid, "waba_id": "102290129340398",
		"app_id": "1234", "access_token": metaToken, "app_secret": appSecret,
		"destination": map[string]string{"type": "extension", "id": "1001"},
	}
}

// TestEndToEnd drives the daemon like an admin and Meta would: create a
// channel, verify the webhook, receive a customer's message, answer it,
// follow its statuses, test the connection, restart and find it all kept.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	emu, h := startWithEmu(t, graphemu.Options{})
	cfg := h.cfg

	var ch struct {
		ID, WebhookURL, VerifyToken, AccessToken, AppSecret, Number string
	}
	var raw map[string]any
	if code := h.do("POST", "/api/v1/channels", newChannelBody(), &raw); code != 201 {
		t.Fatalf("create channel: %d %v", code, raw)
	}
	b, _ := json.Marshal(raw)
	json.Unmarshal(b, &ch)
	ch.WebhookURL, _ = raw["webhook_url"].(string)
	ch.VerifyToken, _ = raw["verify_token"].(string)
	ch.AccessToken, _ = raw["access_token"].(string)
	ch.AppSecret, _ = raw["app_secret"].(string)
	if ch.WebhookURL != cfg.PublicURL+"/webhook/"+ch.ID || strings.ContainsAny(ch.ID, "%?#/ ") {
		t.Fatalf("webhook_url = %q (id %q)", ch.WebhookURL, ch.ID)
	}
	if len(ch.VerifyToken) < 32 {
		t.Fatalf("verify_token %q shorter than 32", ch.VerifyToken)
	}
	if ch.Number != "+447911123456" {
		t.Fatalf("number = %q, want E.164", ch.Number)
	}
	if strings.Contains(string(b), metaToken) || strings.Contains(string(b), appSecret) || !strings.HasPrefix(ch.AccessToken, "****") {
		t.Fatalf("secrets not masked: %s", b)
	}

	// Meta's verification handshake.
	resp, err := http.Get(ch.WebhookURL + "?hub.mode=subscribe&hub.challenge=42&hub.verify_token=" + ch.VerifyToken)
	if err != nil {
		t.Fatal(err)
	}
	challenge, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(challenge) != "42" {
		t.Fatalf("verification = %d %q", resp.StatusCode, challenge)
	}

	if err := emu.AddNumber(graphemu.Number{PhoneNumberID: pnid, WABAID: "102290129340398", DisplayPhoneNumber: "+44 7911 123456",
		VerifiedName: "Sales Ltd", Token: metaToken, AppSecret: appSecret, WebhookURL: ch.WebhookURL}); err != nil {
		t.Fatal(err)
	}

	// A customer writes.
	_, body := emu.InboundText(pnid, "447700900001", "Ann Smith", "Hello 👋")
	if code, err := emu.DeliverInbound(pnid, body); err != nil || code != 200 {
		t.Fatalf("inbound webhook = %d, %v", code, err)
	}
	emu.DeliverInbound(pnid, body) // Meta redelivers
	h.waitStats(ch.ID, func(s stats) bool { return s.Received == 1 })

	// An answer goes out and its statuses come back.
	var msg map[string]any
	if code := h.do("POST", "/api/v1/messages", map[string]any{"channel_id": ch.ID, "to": "447700900001", "text": "Hi Ann"}, &msg); code != 202 {
		t.Fatalf("send = %d %v", code, msg)
	}
	s := h.waitStats(ch.ID, func(s stats) bool { return s.Read == 1 })
	if s.Received != 1 || s.Sent != 1 || s.SentOK != 1 || s.Delivered != 1 {
		t.Fatalf("stats = %+v", s)
	}
	if sent := emu.Sent(pnid); len(sent) != 1 || sent[0].To != "+447700900001" {
		t.Fatalf("emulator sends = %+v", sent)
	}
	var got map[string]any
	h.do("GET", fmt.Sprintf("/api/v1/messages/%v", msg["id"]), nil, &got)
	if got["status"] != "read" {
		t.Fatalf("message status = %v", got["status"])
	}

	// Metrics moved, and carry no secret; they are served on their own
	// listener only.
	resp, err = http.Get(h.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("/metrics on the public listener = %d", resp.StatusCode)
	}
	resp, err = http.Get(h.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metricsText, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`wachan_messages_received_total{channel="` + ch.ID + `"} 1`,
		`wachan_messages_read_total{channel="` + ch.ID + `"} 1`,
		"wachan_webhook_ack_seconds_count",
	} {
		if !strings.Contains(string(metricsText), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for _, secret := range []string{metaToken, appSecret, adminToken, ch.VerifyToken} {
		if strings.Contains(string(metricsText), secret) {
			t.Fatalf("/metrics shows a secret")
		}
	}

	// Outside the window free text is refused.
	var e struct {
		Error struct{ Code, Message string }
	}
	if code := h.do("POST", "/api/v1/messages", map[string]any{"channel_id": ch.ID, "to": "447700900999", "text": "hi"}, &e); code != 409 || e.Error.Code != "window_closed" {
		t.Fatalf("send to a stranger = %d %+v", code, e)
	}

	// Test Connection: fine, then with an expired token.
	var tc map[string]any
	h.do("POST", "/api/v1/channels/"+ch.ID+"/test", nil, &tc)
	if tc["connected"] != true || tc["verified_name"] != "Sales Ltd" {
		t.Fatalf("test connection = %v", tc)
	}
	emu.ExpireToken(metaToken)
	h.do("POST", "/api/v1/channels/"+ch.ID+"/test", nil, &tc)
	errObj, _ := tc["error"].(map[string]any)
	if tc["connected"] != false || errObj["code"] != float64(190) || !strings.Contains(fmt.Sprint(errObj["explanation"]), "permanent") {
		t.Fatalf("test connection with expired token = %v", tc)
	}

	// Restart: everything kept.
	h.stop()
	h = start(t, cfg)
	defer h.stop()
	s = h.waitStats(ch.ID, func(s stats) bool { return true })
	if s.Received != 1 || s.Read != 1 {
		t.Fatalf("stats after restart = %+v", s)
	}
	var list struct{ Channels []map[string]any }
	h.do("GET", "/api/v1/channels", nil, &list)
	if len(list.Channels) != 1 {
		t.Fatalf("channels after restart = %v", list)
	}
}

func TestAPIErrors(t *testing.T) {
	t.Parallel()
	h := start(t, testConfig(t, "http://127.0.0.1:1"))
	defer h.stop()
	bad := func(field string, v any) map[string]any {
		b := newChannelBody()
		b[field] = v
		return b
	}
	tests := []struct {
		name, method, path string
		body               any
		auth               bool
		want               int
		code, field        string
	}{
		{"no token", "GET", "/api/v1/channels", nil, false, 401, "unauthorized", ""},
		{"bad number", "POST", "/api/v1/channels", bad("number", "07700 900123"), true, 422, "invalid", "number"},
		{"invalid number", "POST", "/api/v1/channels", bad("number", "+44 12"), true, 422, "invalid", "number"},
		{"bad destination", "POST", "/api/v1/channels", bad("destination", map[string]string{"type": "ivr", "id": "1"}), true, 422, "invalid", "destination.type"},
		{"missing secret", "POST", "/api/v1/channels", bad("app_secret", ""), true, 422, "invalid", "app_secret"},
		{"bad phone id", "POST", "/api/v1/channels", bad("phone_number_id", "abc"), true, 422, "invalid", "phone_number_id"},
		{"rate too high", "POST", "/api/v1/channels", bad("send_rate", 5000), true, 422, "invalid", "send_rate"},
		{"unknown channel", "GET", "/api/v1/channels/nope", nil, true, 404, "not_found", ""},
		{"bad range", "GET", "/api/v1/stats?range=forever", nil, true, 422, "invalid", "range"},
		{"bad date", "GET", "/api/v1/stats?from=2026-13-01", nil, true, 422, "invalid", "from"},
		{"unknown route", "GET", "/api/v1/nothing", nil, true, 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r io.Reader
			if tt.body != nil {
				b, _ := json.Marshal(tt.body)
				r = bytes.NewReader(b)
			}
			req, _ := http.NewRequest(tt.method, h.base+tt.path, r)
			if tt.auth {
				req.Header.Set("Authorization", "Bearer "+adminToken)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct {
				Error struct{ Code, Message, Field string }
			}
			json.NewDecoder(resp.Body).Decode(&e)
			if resp.StatusCode != tt.want || e.Error.Code != tt.code || e.Error.Field != tt.field || e.Error.Message == "" {
				t.Fatalf("= %d %+v; want %d %s field %q", resp.StatusCode, e.Error, tt.want, tt.code, tt.field)
			}
		})
	}
	// Malformed JSON.
	req, _ := http.NewRequest("POST", h.base+"/api/v1/channels", strings.NewReader("{"))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("malformed JSON = %d", resp.StatusCode)
	}
}

func TestSecondDaemonOnSameStoreFails(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, "http://127.0.0.1:1")
	h := start(t, cfg)
	defer h.stop()
	cfg2 := *cfg
	cfg2.StoreTimeout = 100 * time.Millisecond
	_, err := New(&cfg2, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "another wachan") {
		t.Fatalf("second daemon err = %v", err)
	}
}
