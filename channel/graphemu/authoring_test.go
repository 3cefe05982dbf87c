package graphemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// uploadFile runs the two steps of the Resumable Upload API and returns
// the handle.
func uploadFile(t *testing.T, base, mime string, data []byte) string {
	t.Helper()
	code, out, _ := call(t, "POST", base+"/v25.0/584544743160774/uploads?file_name=f&file_length="+itoa(len(data))+"&file_type="+mime, token, "")
	id, _ := out["id"].(string)
	if code != 200 || !strings.HasPrefix(id, "upload:") {
		t.Fatalf("start upload = %d %v", code, out)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "POST", base+"/v25.0/"+id, bytes.NewReader(data))
	req.Header.Set("Authorization", "OAuth "+token)
	req.Header.Set("file_offset", "0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct{ H string }
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &h); err != nil || resp.StatusCode != 200 || h.H == "" {
		t.Fatalf("upload data = %d %s", resp.StatusCode, raw)
	}
	return h.H
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestResumableUpload(t *testing.T) {
	s, base := start(t, Options{}, nil)
	png := []byte("\x89PNG\r\n\x1a\nfake")
	h := uploadFile(t, base, "image/png", png)
	if u, ok := s.Handle(h); !ok || !u.Complete || u.MIME != "image/png" || !bytes.Equal(u.Data, png) {
		t.Fatalf("Handle(%q) = %+v, %v", h, u, ok)
	}
	tests := []struct {
		name, url, tok string
		code           int
	}{
		{"no token", "/v25.0/1/uploads?file_length=3&file_type=image/png", "", 190},
		{"no length", "/v25.0/1/uploads?file_type=image/png", token, 100},
		{"bad type", "/v25.0/1/uploads?file_length=3&file_type=image/gif", token, 100},
		{"app not numeric", "/v25.0/app/uploads?file_length=3&file_type=image/png", token, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, _ := call(t, "POST", base+tt.url, tt.tok, "")
			if c, _ := errCode(out); code < 400 || c != tt.code {
				t.Fatalf("= %d %v, want code %d", code, out, tt.code)
			}
		})
	}
	// A wrong offset is refused.
	_, out, _ := call(t, "POST", base+"/v25.0/1/uploads?file_length=4&file_type=application/pdf", token, "")
	req, _ := http.NewRequestWithContext(t.Context(), "POST", base+"/v25.0/"+out["id"].(string), strings.NewReader("%PDF"))
	req.Header.Set("Authorization", "OAuth "+token)
	req.Header.Set("file_offset", "2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("wrong offset = %d", resp.StatusCode)
	}
}

// hookSink collects the webhooks posted to it.
func hookSink(t *testing.T) (string, chan map[string]any) {
	got := make(chan map[string]any, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env struct {
			Entry []struct {
				Changes []struct {
					Field string
					Value map[string]any
				}
			}
		}
		_ = json.NewDecoder(r.Body).Decode(&env)
		for _, e := range env.Entry {
			for _, c := range e.Changes {
				c.Value["field"] = c.Field
				got <- c.Value
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, got
}

func TestTemplateCreationAsMeta(t *testing.T) {
	hook, got := hookSink(t)
	s, base := start(t, Options{}, func(n *Number) { n.WebhookURL = hook })
	img := uploadFile(t, base, "image/png", []byte("\x89PNG\r\n\x1a\nimg"))
	pdf := uploadFile(t, base, "application/pdf", []byte("%PDF-1.4"))
	good := `{"name":"order_ready","language":"en_US","category":"UTILITY","parameter_format":"NAMED","components":[
		{"type":"HEADER","format":"IMAGE","example":{"header_handle":["` + img + `"]}},
		{"type":"BODY","text":"Hello {{first_name}}, your order {{order_id}} is ready for pickup today.","example":{"body_text_named_params":[{"param_name":"first_name","example":"Ann"},{"param_name":"order_id","example":"A12"}]}},
		{"type":"FOOTER","text":"Acme Shop"},
		{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Thanks"},{"type":"URL","text":"Track","url":"https://shop.example/t/{{1}}","example":["https://shop.example/t/A12"]},{"type":"PHONE_NUMBER","text":"Call us","phone_number":"+15550783881"}]}]}`
	url := base + "/v25.0/" + waba + "/message_templates"
	code, out, _ := call(t, "POST", url, token, good)
	if code != 200 || out["status"] != "PENDING" || out["category"] != "UTILITY" || out["id"] == "" {
		t.Fatalf("create = %d %v", code, out)
	}
	v := <-got
	if v["field"] != "message_template_status_update" || v["event"] != "APPROVED" || v["message_template_name"] != "order_ready" {
		t.Fatalf("review webhook = %v", v)
	}
	if code, out, _ = call(t, "POST", url, token, good); code != 400 {
		t.Fatalf("duplicate = %d %v", code, out)
	} else if c, sub := errCode(out); c != 100 || sub != subDuplicate || out["error"].(map[string]any)["error_user_title"] == "" {
		t.Fatalf("duplicate = %v", out)
	}

	body := func(text string) string {
		return `{"name":"x","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":` + quote(text) + `,"example":{"body_text":[["a","b","c"]]}}]}`
	}
	tests := []struct {
		name, body string
		code, sub  int
	}{
		{"upper-case name", `{"name":"Bad","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"hi"}]}`, 100, 0},
		{"unknown category", `{"name":"x","language":"en_US","category":"OTP","components":[{"type":"BODY","text":"hi"}]}`, 100, 0},
		{"no body", `{"name":"x","language":"en_US","category":"UTILITY","components":[]}`, 100, 0},
		{"starts with a variable", body("{{1}} is your order, and {{2}} is its day, thanks {{3}} ok"), 100, subDangling},
		{"ends with a variable", body("Your order {{1}} ships on {{2}} and costs {{3}}."), 100, subDangling},
		{"too dense", body("Hi {{1}} {{2}} {{3}} ok"), 100, subRatio},
		{"gap", `{"name":"x","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"Hi {{1}} and {{3}} there friend","example":{"body_text":[["a","b"]]}}]}`, 100, subBodyFormat},
		{"missing sample", `{"name":"x","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"Hi {{1}} there friend"}]}`, 100, 0},
		{"footer variable", `{"name":"x","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"Hello"},{"type":"FOOTER","text":"Ref {{1}}"}]}`, 100, subFooterFormat},
		{"header too long", `{"name":"x","language":"en_US","category":"UTILITY","components":[{"type":"HEADER","format":"TEXT","text":"` + strings.Repeat("h", 61) + `"},{"type":"BODY","text":"Hello"}]}`, 100, subTooLong},
		{"unknown handle", `{"name":"x","language":"en_US","category":"UTILITY","components":[{"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::nope"]}},{"type":"BODY","text":"Hello"}]}`, 100, subHeaderFormat},
		{"pdf as image", `{"name":"x","language":"en_US","category":"UTILITY","components":[{"type":"HEADER","format":"IMAGE","example":{"header_handle":["` + pdf + `"]}},{"type":"BODY","text":"Hello"}]}`, 100, subHeaderFormat},
		{"url variable mid-way", `{"name":"x","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"Hello"},{"type":"BUTTONS","buttons":[{"type":"URL","text":"Go","url":"https://a.example/{{1}}/x","example":["https://a.example/1/x"]}]}]}`, 100, 0},
		{"ungrouped quick replies", `{"name":"x","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"Hello"},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"a"},{"type":"URL","text":"Go","url":"https://a.example"},{"type":"QUICK_REPLY","text":"b"}]}]}`, 100, 0},
		{"two phone buttons", `{"name":"x","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"Hello"},{"type":"BUTTONS","buttons":[{"type":"PHONE_NUMBER","text":"a","phone_number":"+1555"},{"type":"PHONE_NUMBER","text":"b","phone_number":"+1556"}]}]}`, 100, 0},
		{"long copy code", `{"name":"x","language":"en_US","category":"MARKETING","components":[{"type":"BODY","text":"Hello"},{"type":"BUTTONS","buttons":[{"type":"COPY_CODE","example":"` + strings.Repeat("C", 16) + `"}]}]}`, 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, _ := call(t, "POST", url, token, tt.body)
			if c, sub := errCode(out); code != 400 || c != tt.code || sub != tt.sub {
				t.Fatalf("= %d %v, want %d/%d", code, out, tt.code, tt.sub)
			}
		})
	}

	// A promotional utility template is rejected at review.
	promo := `{"name":"promo_note","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"Our summer sale starts now, come and see us."}]}`
	if code, out, _ = call(t, "POST", url, token, promo); code != 200 {
		t.Fatalf("create promo = %d %v", code, out)
	}
	if v := <-got; v["event"] != "REJECTED" || v["reason"] != "INCORRECT_CATEGORY" {
		t.Fatalf("promo review = %v", v)
	}
	id := findID(t, s, "promo_note")
	// A rejected template may change category; the edit goes back to review.
	if code, out, _ = call(t, "POST", base+"/v25.0/"+id, token, `{"category":"MARKETING","components":[{"type":"BODY","text":"Our summer sale starts now, come and see us."}]}`); code != 200 || out["success"] != true {
		t.Fatalf("edit = %d %v", code, out)
	}
	if v := <-got; v["event"] != "APPROVED" {
		t.Fatalf("edit review = %v", v)
	}
	// An approved template keeps its category and waits a day between
	// edits.
	if code, out, _ = call(t, "POST", base+"/v25.0/"+id, token, `{"category":"UTILITY"}`); code != 400 {
		t.Fatalf("category edit of an approved template = %d %v", code, out)
	}
	if code, _, _ = call(t, "POST", base+"/v25.0/"+id, token, `{"components":[{"type":"BODY","text":"Our autumn sale starts now, come and see us."}]}`); code != 200 {
		t.Fatalf("edit = %d", code)
	}
	<-got
	if code, out, _ = call(t, "POST", base+"/v25.0/"+id, token, `{"components":[{"type":"BODY","text":"Our winter sale starts now, come and see us."}]}`); code != 400 {
		t.Fatalf("second edit the same day = %d %v", code, out)
	}

	// Delete by name fires DELETED; an unknown name is an error.
	if code, out, _ = call(t, "DELETE", url+"?name=promo_note", token, ""); code != 200 || out["success"] != true {
		t.Fatalf("delete = %d %v", code, out)
	}
	if v := <-got; v["event"] != "DELETED" {
		t.Fatalf("delete webhook = %v", v)
	}
	if code, _, _ = call(t, "DELETE", url+"?name=promo_note", token, ""); code != 400 {
		t.Fatalf("delete again = %d", code)
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func findID(t *testing.T, s *Server, name string) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tpl := range s.templates[waba] {
		if tpl.Name == name {
			return tpl.ID
		}
	}
	t.Fatalf("no template %s", name)
	return ""
}
