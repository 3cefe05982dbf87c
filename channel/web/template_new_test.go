package web

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// apiCall is one admin API call the panel made.
type apiCall struct {
	method, path, ctype string
	body                []byte
}

// recordingAPI answers like fakeAPI and records the template calls;
// answer overrides the answer to the template creation.
type recordingAPI struct {
	mu     sync.Mutex
	calls  []apiCall
	answer func() (int, []byte)
}

func (r *recordingAPI) call(method, path string, body any) (int, []byte, error) {
	if !strings.Contains(path, "/templates") || method == "GET" {
		return fakeAPI(method, path, body)
	}
	c := apiCall{method: method, path: path}
	if raw, ok := body.(Raw); ok {
		c.ctype, c.body = raw.ContentType, raw.Body
	} else {
		c.body, _ = json.Marshal(body)
	}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	switch {
	case strings.Contains(path, "/templates/media"):
		return 200, []byte(`{"handle":"4::aGFuZGxl","header_format":"IMAGE"}`), nil
	case r.answer != nil:
		code, b := r.answer()
		return code, b, nil
	}
	return 201, []byte(`{"name":"order_ready","language":"en_US","status":"PENDING"}`), nil
}

// postTemplate posts the new-template form with a header file.
func (p *testPanel) postTemplate(fields map[string]string, file []byte) (int, string, string) {
	p.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", "csrf-admin")
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="header_file"; filename="shop.png"`)
		h.Set("Content-Type", "image/png")
		w, _ := mw.CreatePart(h)
		w.Write(file)
	}
	mw.Close()
	req := httptest.NewRequest("POST", "/admin/templates/new", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Cookie", "wachan_admin=admin-cookie")
	resp, err := p.app.Test(req, -1) // no deadline: bcrypt under -race on a busy machine is slow
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

func TestTemplateForm(t *testing.T) {
	rec := &recordingAPI{}
	p := newTestPanelWith(t, io.Discard, func(o *Options) { o.API = rec.call })
	code, page := p.get("/admin/templates/new?channel=ch1", "wachan_admin=admin-cookie")
	for _, want := range []string{"agreed-upon request", `id="template-preview"`, "template_preview.js", `name="header_file"`} {
		if code != 200 || !strings.Contains(page, want) {
			t.Fatalf("form = %d, lacks %q", code, want)
		}
	}
	if _, list := p.get("/admin/templates?channel=ch1", "wachan_admin=admin-cookie"); !strings.Contains(list, `href="/admin/templates/new?channel=ch1"`) || !strings.Contains(list, `action="/admin/templates/delete"`) {
		t.Fatal("the templates page links no new-template form or delete")
	}

	fields := map[string]string{
		"channel": "ch1", "name": "order_ready", "language": "en_US", "category": "UTILITY", "header": "IMAGE",
		"body":     "Hello {{first_name}}, your order {{order_id}} is ready for pickup today.",
		"examples": "first_name = Ann\norder_id = A12",
		"footer":   "Acme Shop",
		"buttons":  "QUICK_REPLY | Thanks\nURL | Track | https://shop.example/t/{{1}} | A12\nPHONE_NUMBER | Call us | +15550783881",
	}
	code, _, loc := p.postTemplate(fields, []byte("\x89PNG\r\n\x1a\nimg"))
	if code != 303 || loc != "/admin/templates?channel=ch1" {
		t.Fatalf("submit = %d %s", code, loc)
	}
	if _, list := p.get(loc, "wachan_admin=admin-cookie"); !strings.Contains(list, "submitted to Meta: PENDING") {
		t.Fatal("no notice after submitting")
	}
	if len(rec.calls) != 2 || rec.calls[0].ctype != "image/png" || !strings.Contains(rec.calls[0].path, "/api/v1/channels/ch1/templates/media?filename=shop.png") {
		t.Fatalf("calls = %+v", rec.calls)
	}
	var draft struct {
		Header  map[string]string
		Body    struct{ Examples map[string]string }
		Buttons []map[string]string
	}
	if err := json.Unmarshal(rec.calls[1].body, &draft); err != nil || draft.Header["handle"] != "4::aGFuZGxl" ||
		draft.Body.Examples["order_id"] != "A12" || len(draft.Buttons) != 3 || draft.Buttons[1]["example"] != "A12" || draft.Buttons[2]["phone_number"] != "+15550783881" {
		t.Fatalf("draft = %s", rec.calls[1].body)
	}

	// The API's field error comes back next to the field it names.
	rec.answer = func() (int, []byte) {
		return 422, []byte(`{"error":{"code":"template_example_missing","field":"body.examples.order_id","message":"the body variable {{order_id}} needs a sample value"}}`)
	}
	fields["header"] = "none"
	code, page, _ = p.postTemplate(fields, nil)
	if code != 422 || !strings.Contains(page, `id="examples"`) || !strings.Contains(page, "needs a sample value</span>") || !strings.Contains(page, "order_ready") {
		t.Fatalf("refused = %d %s", code, page)
	}
	// A media header needs its file.
	fields["header"] = "VIDEO"
	if code, page, _ = p.postTemplate(fields, nil); code != 422 || !strings.Contains(page, "Choose a sample file") {
		t.Fatalf("no file = %d", code)
	}
}
