package daemon

import (
	"net/url"
	"strings"
	"testing"
	"time"
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

// TestStatsPeriod: the statistics chart spans the chosen period, one bar
// pair per day, with a y-axis; a custom range that ends before it starts
// is explained instead of shown as zeros beside a chart.
func TestStatsPeriod(t *testing.T) {
	h := start(t, testConfig(t, "http://127.0.0.1:1"))
	admin := signIn(t, h.base, "admin", "", adminToken)
	// first is the chart's first day for a period ending today.
	first := func(back int) func() string {
		return func() string { return time.Now().UTC().AddDate(0, 0, -back).Format("2006-01-02") }
	}
	tests := []struct {
		query string
		days  int
		first func() string
	}{
		{"range=today", 1, first(0)},
		{"range=last7", 7, first(6)},
		{"range=last30", 30, first(29)},
		{"range=custom&from=2026-01-01&to=2026-01-10", 10, func() string { return "2026-01-01" }},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			before := tt.first()
			_, page := admin.get("/admin/stats?" + tt.query)
			after := tt.first() // the day may turn meanwhile
			if n := strings.Count(page, "<g><title>"); n != tt.days {
				t.Fatalf("chart has %d days, want %d:\n%s", n, tt.days, page)
			}
			starts := strings.Contains(page, "<g><title>"+before+":") || strings.Contains(page, "<g><title>"+after+":")
			if !starts || !strings.Contains(page, `id="y-max"`) {
				t.Fatalf("chart does not start on %s or lacks its y-axis:\n%s", before, page)
			}
		})
	}
	_, page := admin.get("/admin/stats?range=custom&from=2026-01-10&to=2026-01-01")
	if !strings.Contains(page, "ends before it starts") || strings.Contains(page, `id="totals"`) || strings.Contains(page, "<svg") {
		t.Fatalf("reversed range:\n%s", page)
	}
}
