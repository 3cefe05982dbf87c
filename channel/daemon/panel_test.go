package daemon

import (
	"net/url"
	"strings"
	"testing"
)

// TestPanelPlainWords: the panel speaks in words, not codes: queue
// strategies and pick-up modes, the media retention, and why a template
// sync failed (without Graph API addresses or Go errors).
func TestPanelPlainWords(t *testing.T) {
	h := start(t, testConfig(t, "http://127.0.0.1:1")) // no Graph API there
	var raw map[string]any
	if code := h.do("POST", "/api/v1/channels", newChannelBody(), &raw); code != 201 {
		t.Fatalf("create channel: %d %v", code, raw)
	}
	ch := raw["id"].(string)
	q := queue("sales", "leastbusy", "1001")
	q["pickup"] = "take_only"
	if code := h.do("POST", "/api/v1/queues", q, &raw); code != 201 {
		t.Fatalf("create queue: %d %v", code, raw)
	}
	admin := signIn(t, h.base, "admin", "", adminToken)

	_, page := admin.get("/admin/queues")
	if !strings.Contains(page, "Least busy") || !strings.Contains(page, "Only /take takes it") || strings.Contains(page, ">leastbusy<") || strings.Contains(page, ">take_only<") {
		t.Fatalf("queues page:\n%s", page)
	}
	if _, page := admin.get("/admin/system"); !strings.Contains(page, "3 days") || strings.Contains(page, "72h0m0s") {
		t.Fatalf("system page:\n%s", page)
	}

	code, page := admin.post("/admin/templates/sync", url.Values{"channel": {ch}})
	if code != 200 {
		t.Fatalf("sync = %d", code)
	}
	for _, want := range []string{"Sync failed", "connection was refused", "Last sync failed"} {
		if !strings.Contains(page, want) {
			t.Fatalf("templates page lacks %q:\n%s", want, page)
		}
	}
	for _, raw := range []string{"%2C", "127.0.0.1:1", "dial tcp", "Post \"", "Get \""} {
		if strings.Contains(page, raw) {
			t.Fatalf("templates page shows %q:\n%s", raw, page)
		}
	}
}
