package daemon

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
)

// upload posts raw bytes with their content type.
func (h *harness) upload(path, mime string, data []byte, out any) int {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.base+path, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", mime)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, out); err != nil {
		h.t.Fatalf("decoding %q: %v", raw, err)
	}
	return resp.StatusCode
}

// waitSent polls the emulator until pnid has sent n messages.
func waitSent(t *testing.T, emu *graphemu.Server, n int) []graphemu.SentMessage {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if s := emu.Sent(pnid); len(s) >= n {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("emulator never got %d messages", n)
	return nil
}

// TestTemplateAuthoringEndToEnd creates a template with an image header,
// named variables and three kinds of button through the admin API, sees
// invalid ones refused with explained errors, follows Meta's review by its
// signed webhook to APPROVED (and a promotional utility template to
// REJECTED with its reason) and sends the approved one through the API.
func TestTemplateAuthoringEndToEnd(t *testing.T) {
	t.Parallel()
	emu, h, ch := startWithChannel(t, graphemu.Options{Statuses: []string{}})
	base := "/api/v1/channels/" + ch.ID + "/templates"

	var up struct {
		Handle       string `json:"handle"`
		HeaderFormat string `json:"header_format"`
	}
	if code := h.upload(base+"/media?filename=shop.png", "image/png", []byte("\x89PNG\r\n\x1a\nshop front"), &up); code != 200 || up.HeaderFormat != "IMAGE" {
		t.Fatalf("upload = %d %+v", code, up)
	}
	if u, ok := emu.Handle(up.Handle); !ok || u.App != "1234" {
		t.Fatalf("handle %q unknown to Meta: %+v", up.Handle, u)
	}
	draft := func() map[string]any {
		return map[string]any{
			"name": "order_ready", "language": "en_US", "category": "UTILITY",
			"header": map[string]any{"format": "IMAGE", "handle": up.Handle},
			"body": map[string]any{"text": "Hello {{first_name}}, your order {{order_id}} is ready for pickup today.",
				"examples": map[string]string{"first_name": "Ann", "order_id": "A12"}},
			"footer": "Acme Shop",
			"buttons": []map[string]string{
				{"type": "QUICK_REPLY", "text": "Thanks"},
				{"type": "URL", "text": "Track", "url": "https://shop.example/t/{{1}}", "example": "A12"},
				{"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550783881"},
			},
		}
	}
	type apiError struct {
		Error struct{ Code, Message, Field string }
	}
	refused := []struct {
		name        string
		edit        func(map[string]any)
		status      int
		code, field string
		explanation string
	}{
		{"variable at the start", func(d map[string]any) {
			d["body"].(map[string]any)["text"] = "{{first_name}}, your order {{order_id}} is ready for pickup today."
		}, 422, "template_variable_position", "body.text", "starts or ends with a variable"},
		{"too many variables", func(d map[string]any) {
			d["body"].(map[string]any)["text"] = "Hi {{first_name}} {{order_id}} ok"
		}, 422, "template_variable_density", "body.text", "too many variables"},
		{"missing sample", func(d map[string]any) {
			d["body"].(map[string]any)["examples"] = map[string]string{"first_name": "Ann"}
		}, 422, "template_example_missing", "body.examples.order_id", "sample value"},
		{"unknown category", func(d map[string]any) { d["category"] = "INFO" }, 422, "template_invalid", "category", "Promotions, offers"},
	}
	for _, tt := range refused {
		d := draft()
		tt.edit(d)
		var e apiError
		if code := h.do("POST", base, d, &e); code != tt.status || e.Error.Code != tt.code || e.Error.Field != tt.field || !strings.Contains(e.Error.Message, tt.explanation) {
			t.Fatalf("%s = %d %+v", tt.name, code, e)
		}
	}
	if n := len(emu.Deliveries()); n != 0 {
		t.Fatalf("refused drafts reached Meta: %d webhooks", n)
	}

	var created templateView
	if code := h.do("POST", base, draft(), &created); code != 201 || created.Status != "PENDING" && created.Status != "APPROVED" || created.ID == "" {
		t.Fatalf("create = %d %+v", code, created)
	}
	var e apiError
	if code := h.do("POST", base, draft(), &e); code != 409 || e.Error.Code != "template_duplicate" {
		t.Fatalf("duplicate = %d %+v", code, e)
	}
	h.waitTemplate(ch.ID, "order_ready", "en_US", func(v templateView) bool { return v.Status == "APPROVED" })

	promo := map[string]any{"name": "summer_note", "language": "en_US", "category": "UTILITY",
		"body": map[string]any{"text": "Our summer sale starts now: come and see us."}}
	if code := h.do("POST", base, promo, &created); code != 201 {
		t.Fatalf("create promo = %d %+v", code, created)
	}
	var rejected struct {
		templateView
		Explained string `json:"reason_explained"`
	}
	h.waitTemplate(ch.ID, "summer_note", "en_US", func(v templateView) bool { return v.Status == "REJECTED" })
	if h.do("GET", base+"/summer_note", nil, &rejected); rejected.Reason != "INCORRECT_CATEGORY" || !strings.Contains(rejected.Explained, "MARKETING") {
		t.Fatalf("rejected = %+v", rejected)
	}
	// A rejected template may be fixed by an edit and goes back to review.
	promo["category"] = "MARKETING"
	if code := h.do("PUT", base+"/summer_note", promo, &created); code != 200 || created.Status != "PENDING" && created.Status != "APPROVED" {
		t.Fatalf("edit = %d %+v", code, created)
	}
	h.waitTemplate(ch.ID, "summer_note", "en_US", func(v templateView) bool { return v.Status == "APPROVED" && v.Category == "MARKETING" })

	// The approved template is sent through the API with its variables.
	msg := map[string]any{"channel_id": ch.ID, "to": "447700900001", "template": map[string]any{
		"name": "order_ready", "language": "en_US", "params": map[string]any{
			"named":   map[string]string{"first_name": "Ann", "order_id": "A12"},
			"media":   map[string]string{"link": "https://shop.example/front.png"},
			"buttons": map[string]string{"1": "A12"},
		}}}
	var queued struct{ ID uint64 }
	if code := h.do("POST", "/api/v1/messages", msg, &queued); code != 202 {
		t.Fatalf("send = %d %+v", code, queued)
	}
	sent := waitSent(t, emu, 1)
	var body struct {
		Template struct {
			Name       string
			Components []struct {
				Type       string
				Parameters []map[string]any
			}
		}
	}
	if err := json.Unmarshal(sent[0].Raw, &body); err != nil || body.Template.Name != "order_ready" || len(body.Template.Components) != 3 {
		t.Fatalf("sent = %s", sent[0].Raw)
	}
	if !strings.Contains(string(sent[0].Raw), `"parameter_name":"first_name"`) || !strings.Contains(string(sent[0].Raw), `"image":{"link":"https://shop.example/front.png"}`) {
		t.Fatalf("sent = %s", sent[0].Raw)
	}

	var del struct{ Deleted []string }
	if code := h.do("DELETE", base+"/summer_note", nil, &del); code != 200 || strings.Join(del.Deleted, ",") != "en_US" {
		t.Fatalf("delete = %d %+v", code, del)
	}
	if code := h.do("GET", base+"/summer_note", nil, &e); code != 404 {
		t.Fatalf("deleted template = %d", code)
	}
}
