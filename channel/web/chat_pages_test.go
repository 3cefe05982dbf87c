package web

import (
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// chatAPI answers the canned reply and menu calls of the panel and
// records the writes.
type chatAPI struct {
	mu     sync.Mutex
	writes []string
}

func (a *chatAPI) call(method, path string, body any) (int, []byte, error) {
	switch {
	case method == "GET" && strings.HasPrefix(path, "/api/v1/canned-replies"):
		return 200, []byte(`{"shared":[{"shortcut":"hours","text":"We open at 9."}],"personal":[{"owner":"1001","shortcut":"bye","text":"Bye {{customer.name}}"}],"variables":["customer.name"]}`), nil
	case method == "GET" && strings.HasSuffix(path, "/button-actions"):
		return 200, []byte(`{"button_actions":[{"trigger":"CONFIRM","kind":"event","event":"confirm_order"},{"trigger":"billing","kind":"route","destination":{"type":"queue","id":"billing"}}]}`), nil
	case method == "GET" && strings.HasSuffix(path, "/menu"):
		return 404, []byte(`{"error":{"code":"not_found","message":"menu not found"}}`), nil
	case method == "PUT" || method == "DELETE":
		b, _ := json.Marshal(body)
		a.mu.Lock()
		a.writes = append(a.writes, method+" "+path+" "+string(b))
		a.mu.Unlock()
		if strings.Contains(string(b), "nickname") {
			return 422, []byte(`{"error":{"code":"invalid","field":"text","message":"text: unknown variable {{customer.nickname}}"}}`), nil
		}
		if strings.Contains(string(b), `"nope"`) {
			return 422, []byte(`{"error":{"code":"invalid","field":"default.id","message":"default.id: no queue \"nope\""}}`), nil
		}
		return 200, []byte(`{}`), nil
	}
	return fakeAPI(method, path, body)
}

func TestCannedAndMenuPages(t *testing.T) {
	api := &chatAPI{}
	p := newTestPanelWith(t, io.Discard, func(o *Options) { o.API = api.call })
	admin := "wachan_admin=admin-cookie"
	if code, page := p.get("/admin/canned?owner=1001", admin); code != 200 || !strings.Contains(page, "We open at 9.") || !strings.Contains(page, "Bye {{customer.name}}") || !strings.Contains(page, `href="/admin/canned"`) {
		t.Fatalf("canned page = %d", code)
	}
	code, loc, _ := p.post("/admin/canned", admin, "csrf-admin", url.Values{"shortcut": {"Thanks"}, "owner": {"1001"}, "text": {"Thanks {{customer.name}}"}})
	if code != 303 || loc != "/admin/canned?owner=1001" || !strings.Contains(api.writes[0], "PUT /api/v1/canned-replies/thanks?owner=1001") {
		t.Fatalf("save = %d %s %v", code, loc, api.writes)
	}
	if code, _, page := p.post("/admin/canned", admin, "csrf-admin", url.Values{"shortcut": {"x"}, "text": {"Hi {{customer.nickname}}"}}); code != 422 || !strings.Contains(page, "unknown variable") {
		t.Fatalf("refused = %d", code)
	}
	if code, _, _ := p.post("/admin/canned/delete", admin, "csrf-admin", url.Values{"shortcut": {"hours"}}); code != 303 || !strings.HasPrefix(api.writes[len(api.writes)-1], "DELETE /api/v1/canned-replies/hours") {
		t.Fatalf("delete = %d %v", code, api.writes)
	}

	if code, page := p.get("/admin/menu?channel=ch1", admin); code != 200 || !strings.Contains(page, "no menu yet") || !strings.Contains(page, "business_hours") {
		t.Fatalf("menu page = %d", code)
	}
	if code, _, page := p.post("/admin/menu", admin, "csrf-admin", url.Values{"channel": {"ch1"}, "menu": {"{not json"}}); code != 422 || !strings.Contains(page, "not valid JSON") {
		t.Fatalf("bad JSON = %d", code)
	}
	if code, _, page := p.post("/admin/menu", admin, "csrf-admin", url.Values{"channel": {"ch1"}, "menu": {`{"enabled":true,"default":{"type":"queue","id":"nope"}}`}}); code != 422 || !strings.Contains(page, "<code>default.id</code>") {
		t.Fatalf("refused menu = %d", code)
	}
	if code, loc, _ := p.post("/admin/menu", admin, "csrf-admin", url.Values{"channel": {"ch1"}, "menu": {menuExample}}); code != 303 || !strings.Contains(loc, "channel=ch1") {
		t.Fatalf("save menu = %d %s", code, loc)
	}
	if _, page := p.get("/admin/menu?channel=ch1", admin); !strings.Contains(page, "Chat menu saved.") {
		t.Fatal("no notice after saving the menu")
	}
}

func TestButtonActionsPage(t *testing.T) {
	api := &chatAPI{}
	p := newTestPanelWith(t, io.Discard, func(o *Options) { o.API = api.call })
	admin := "wachan_admin=admin-cookie"
	if code, page := p.get("/admin/actions?channel=ch1", admin); code != 200 || !strings.Contains(page, "event: event confirm_order") || !strings.Contains(page, "route → queue billing") {
		t.Fatalf("actions page = %d %s", code, page)
	}
	code, loc, _ := p.post("/admin/actions", admin, "csrf-admin", url.Values{"channel": {"ch1"}, "trigger": {"OK SO42"}, "kind": {"template"},
		"template": {"thanks"}, "language": {"en_US"}, "params": {`{"body":["Ann"]}`}})
	if code != 303 || loc != "/admin/actions?channel=ch1" {
		t.Fatalf("save = %d %s", code, loc)
	}
	if w := api.writes[0]; !strings.HasPrefix(w, "PUT /api/v1/channels/ch1/button-actions/OK%20SO42 ") || !strings.Contains(w, `"params":{"body":["Ann"]}`) {
		t.Fatalf("write = %s", w)
	}
	if code, _, page := p.post("/admin/actions", admin, "csrf-admin", url.Values{"channel": {"ch1"}, "trigger": {"x"}, "kind": {"template"}, "params": {"{bad"}}); code != 422 || !strings.Contains(page, "Params are JSON") {
		t.Fatalf("bad params = %d", code)
	}
}
