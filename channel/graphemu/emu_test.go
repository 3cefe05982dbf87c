package graphemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const (
	pnid   = "106540352242922"
	waba   = "102290129340398"
	token  = "test-token"
	secret = "test-secret"
)

// start runs a Server with one number on loopback.
func start(t *testing.T, opts Options, edit func(*Number)) (*Server, string) {
	t.Helper()
	s := New(opts)
	t.Cleanup(func() { s.Close() })
	n := Number{PhoneNumberID: pnid, WABAID: waba, DisplayPhoneNumber: "+1 555-078-3881", Token: token, AppSecret: secret}
	if edit != nil {
		edit(&n)
	}
	if err := s.AddNumber(n); err != nil {
		t.Fatal(err)
	}
	base, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	return s, base
}

// call makes one request and decodes the JSON answer.
func call(t *testing.T, method, url, tok, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		out = map[string]any{"raw": string(raw)}
	}
	return resp.StatusCode, out, resp.Header
}

// errCode returns error.code and error.error_subcode of an answer.
func errCode(out map[string]any) (int, int) {
	e, _ := out["error"].(map[string]any)
	code, _ := e["code"].(float64)
	sub, _ := e["error_subcode"].(float64)
	return int(code), int(sub)
}

func TestSendValidation(t *testing.T) {
	_, base := start(t, Options{Statuses: []string{}}, nil)
	url := base + "/v25.0/" + pnid + "/messages"
	long := strings.Repeat("x", 21)
	rows := strings.Repeat(`{"id":"r","title":"t"},`, 11)
	rows = rows[:len(rows)-1]
	tests := []struct {
		name   string
		body   string
		status int
		code   int
	}{
		{"ok", `{"messaging_product":"whatsapp","to":"+5511912345678","type":"text","text":{"body":"hi"}}`, 200, 0},
		{"not json", `{`, 400, 100},
		{"no messaging_product", `{"to":"5511912345678","type":"text","text":{"body":"hi"}}`, 400, 100},
		{"no recipient", `{"messaging_product":"whatsapp","type":"text","text":{"body":"hi"}}`, 400, 100},
		{"bad phone", `{"messaging_product":"whatsapp","to":"abc","type":"text","text":{"body":"hi"}}`, 400, 100},
		{"no text body", `{"messaging_product":"whatsapp","to":"5511912345678","type":"text","text":{}}`, 400, 100},
		{"text too long", `{"messaging_product":"whatsapp","to":"5511912345678","type":"text","text":{"body":"` + strings.Repeat("a", 4097) + `"}}`, 400, 100},
		{"media id and link", `{"messaging_product":"whatsapp","to":"5511912345678","type":"image","image":{"id":"1","link":"https://x"}}`, 400, 100},
		{"button title too long", `{"messaging_product":"whatsapp","to":"5511912345678","type":"interactive","interactive":{"type":"button","body":{"text":"b"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"` + long + `"}}]}}}`, 400, 131009},
		{"duplicate titles", `{"messaging_product":"whatsapp","to":"5511912345678","type":"interactive","interactive":{"type":"button","body":{"text":"b"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}},{"type":"reply","reply":{"id":"b","title":"A"}}]}}}`, 400, 131009},
		{"eleven rows", `{"messaging_product":"whatsapp","to":"5511912345678","type":"interactive","interactive":{"type":"list","body":{"text":"b"},"action":{"button":"Menu","sections":[{"title":"s","rows":[` + rows + `]}]}}}`, 400, 131009},
		{"unsupported type", `{"messaging_product":"whatsapp","to":"5511912345678","type":"poll","poll":{}}`, 400, 131051},
		{"unknown template", `{"messaging_product":"whatsapp","to":"5511912345678","type":"template","template":{"name":"x","language":{"code":"en_US"}}}`, 404, 132001},
		{"read of unknown message", `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.nope"}`, 400, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out, _ := call(t, http.MethodPost, url, token, tt.body)
			code, _ := errCode(out)
			if status != tt.status || code != tt.code {
				t.Fatalf("status %d code %d (%v), want %d and %d", status, code, out, tt.status, tt.code)
			}
			if tt.code != 0 {
				e := out["error"].(map[string]any)
				if e["fbtrace_id"] == "" || e["message"] == "" || e["type"] == "" {
					t.Errorf("incomplete envelope %v", e)
				}
			}
		})
	}
}

func TestAuthAndPaths(t *testing.T) {
	s, base := start(t, Options{Version: "v25.0"}, nil)
	tests := []struct {
		name, method, path, tok string
		status, code, subcode   int
	}{
		{"no token", "GET", "/v25.0/" + pnid, "", 401, 190, 0},
		{"unknown token", "GET", "/v25.0/" + pnid, "nope", 401, 190, 0},
		{"other version", "GET", "/v24.0/" + pnid, token, 400, 2500, 0},
		{"not a version", "GET", "/latest/" + pnid, token, 400, 2500, 0},
		{"unknown object", "GET", "/v25.0/42", token, 400, 100, 33},
		{"unknown route", "POST", "/v25.0/" + pnid + "/no_such_edge", token, 400, 2500, 0},
		{"delete unknown media", "DELETE", "/v25.0/42", token, 400, 100, 33},
		{"waba node", "GET", "/v25.0/" + waba + "?fields=id", token, 200, 0, 0},
		{"profile fields", "GET", "/v25.0/" + pnid + "?fields=verified_name", token, 200, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out, _ := call(t, tt.method, base+tt.path, tt.tok, "")
			code, sub := errCode(out)
			if status != tt.status || code != tt.code || sub != tt.subcode {
				t.Fatalf("status %d code %d/%d (%v), want %d %d/%d", status, code, sub, out, tt.status, tt.code, tt.subcode)
			}
		})
	}
	_, out, _ := call(t, "GET", base+"/v25.0/"+pnid+"?fields=verified_name", token, "")
	if _, ok := out["display_phone_number"]; ok || out["id"] != pnid {
		t.Errorf("fields not honoured: %v", out)
	}
	s.ExpireToken(token)
	_, out, _ = call(t, "GET", base+"/v25.0/"+pnid, token, "")
	if code, sub := errCode(out); code != 190 || sub != 463 {
		t.Errorf("expired token: %v", out)
	}
}

func TestTemplateCursors(t *testing.T) {
	s, base := start(t, Options{TemplatePageSize: 100}, nil)
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		s.AddTemplate(waba, Template{Name: n})
	}
	s.AddTemplate(waba, Template{Name: "f", Status: "REJECTED"})
	names := func(out map[string]any) string {
		var b strings.Builder
		for _, d := range out["data"].([]any) {
			b.WriteString(d.(map[string]any)["name"].(string))
		}
		return b.String()
	}
	paging := func(out map[string]any) map[string]any { return out["paging"].(map[string]any) }

	_, p1, _ := call(t, "GET", base+"/v25.0/"+waba+"/message_templates?limit=2&status=APPROVED", token, "")
	if names(p1) != "ab" || paging(p1)["previous"] != nil {
		t.Fatalf("page 1: %v", p1)
	}
	next, _ := paging(p1)["next"].(string)
	if !strings.Contains(next, "status=APPROVED") {
		t.Fatalf("next %q drops the filter", next)
	}
	_, p2, _ := call(t, "GET", next, token, "")
	_, p3, _ := call(t, "GET", paging(p2)["next"].(string), token, "")
	if names(p2) != "cd" || names(p3) != "e" || paging(p3)["next"] != nil {
		t.Fatalf("pages 2 and 3: %v / %v", p2, p3)
	}
	_, back, _ := call(t, "GET", paging(p3)["previous"].(string), token, "")
	if names(back) != "cd" {
		t.Fatalf("previous of page 3: %v", back)
	}
	status, out, _ := call(t, "GET", base+"/v25.0/"+waba+"/message_templates?after=garbage", token, "")
	if code, _ := errCode(out); status != 400 || code != 100 {
		t.Errorf("bad cursor: %d %v", status, out)
	}
}

func TestCloseDropsPendingWebhooks(t *testing.T) {
	got := make(chan []byte, 10)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer recv.Close()
	s, base := start(t, Options{StatusDelay: time.Hour}, func(n *Number) { n.WebhookURL = recv.URL })
	status, _, _ := call(t, "POST", base+"/v25.0/"+pnid+"/messages", token, `{"messaging_product":"whatsapp","to":"5511912345678","type":"text","text":{"body":"hi"}}`)
	if status != 200 {
		t.Fatalf("send: %d", status)
	}
	select {
	case b := <-got:
		if !bytes.Contains(b, []byte(`"status":"sent"`)) {
			t.Fatalf("first webhook %s", b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no sent webhook")
	}
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close waited for pending webhooks")
	}
	if n := len(s.Deliveries()); n != 1 {
		t.Errorf("%d deliveries, want 1", n)
	}
	if _, err := s.Start(); err == nil {
		t.Error("Start after Close succeeded")
	}
}

func TestWebhookQueueBounded(t *testing.T) {
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer recv.Close()
	s, base := start(t, Options{StatusDelay: time.Hour, Statuses: []string{"delivered", "read"}, MaxPendingWebhooks: 1}, func(n *Number) { n.WebhookURL = recv.URL })
	for range 3 {
		call(t, "POST", base+"/v25.0/"+pnid+"/messages", token, `{"messaging_product":"whatsapp","to":"5511912345678","type":"text","text":{"body":"hi"}}`)
	}
	s.dispatch.mu.Lock()
	pending := len(s.dispatch.jobs)
	s.dispatch.mu.Unlock()
	if pending > 1 {
		t.Fatalf("%d webhooks pending, bound is 1", pending)
	}
	if s.SentCount(pnid) != 3 {
		t.Errorf("SentCount %d, want 3", s.SentCount(pnid))
	}
}

func TestDeliveryFailureRecorded(t *testing.T) {
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer recv.Close()
	s, _ := start(t, Options{}, func(n *Number) { n.WebhookURL = recv.URL })
	_, body := s.InboundText(pnid, "5511912345678", "Ana", "hi")
	status, err := s.DeliverInbound(pnid, body)
	if err != nil || status != 500 {
		t.Fatalf("DeliverInbound: %d, %v", status, err)
	}
	d := s.Deliveries()
	if len(d) != 1 || d[0].Status != 500 || d[0].PhoneNumberID != pnid {
		t.Fatalf("deliveries %+v", d)
	}
	if _, err := s.DeliverInbound("unknown", body); err == nil {
		t.Error("delivering for an unknown number succeeded")
	}
}

func TestEmbeddedHandlerAndRange(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	if err := s.AddNumber(Number{PhoneNumberID: pnid, WABAID: waba, Token: token}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	id := s.AddMedia([]byte("0123456789"), "text/plain")
	_, desc, _ := call(t, "GET", srv.URL+"/v25.0/"+id+"?phone_number_id="+pnid, token, "")
	u, _ := desc["url"].(string)
	if !strings.HasPrefix(u, srv.URL+"/") {
		t.Fatalf("media url %q not on the embedding server", u)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Range", "bytes=2-4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusPartialContent || string(b) != "234" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("range answer %d %q %q", resp.StatusCode, b, resp.Header.Get("Content-Type"))
	}
	req, _ = http.NewRequestWithContext(t.Context(), "GET", u, nil)
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusUnauthorized {
		t.Errorf("download without token: %d", resp2.StatusCode)
	}
}

func TestDelay(t *testing.T) {
	s, base := start(t, Options{}, nil)
	s.SetDelay(80 * time.Millisecond)
	begin := time.Now()
	status, _, _ := call(t, "GET", base+"/v25.0/"+pnid, token, "")
	if status != 200 || time.Since(begin) < 80*time.Millisecond {
		t.Fatalf("status %d after %v", status, time.Since(begin))
	}
}

func TestAddNumberRequiresIDs(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	for _, n := range []Number{{WABAID: "w", Token: "t"}, {PhoneNumberID: "p", Token: "t"}, {PhoneNumberID: "p", WABAID: "w"}} {
		if err := s.AddNumber(n); err == nil {
			t.Errorf("AddNumber(%+v) succeeded", n)
		}
	}
}
