package daemon

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
)

// TestPanelPlainWords: the panel speaks in words, not codes: queue
// strategies and pick-up modes, the media retention, and why a template
// sync failed (without Graph API addresses or Go errors).
func TestPanelPlainWords(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// TestPanelCampaigns: a campaign is created from the panel with a CSV
// file, previewed (each recipient's message rendered), started, and its
// messages go out; another is cancelled before it starts.
func TestPanelCampaigns(t *testing.T) {
	t.Parallel()
	p := startConsoleOnly(t, map[string]string{"type": "extension", "id": "1001"})
	p.graph.AddTemplate("102290129340398", graphemu.Template{Name: "order_update",
		Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Your order {{1}} is on its way", Example: json.RawMessage(`{"body_text":[["A1"]]}`)}}})
	var res map[string]any
	if code := p.do("POST", "/api/v1/channels/"+p.ch+"/templates/sync", nil, &res); code != 200 {
		t.Fatalf("sync = %d %v", code, res)
	}
	admin := signIn(t, p.base, "admin", "", adminToken)
	_, page := admin.get("/admin/campaigns/new")
	value := p.ch + "|order_update|en_US"
	if !strings.Contains(page, `value="`+value+`"`) {
		t.Fatalf("the form does not offer the template:\n%s", page)
	}
	csv := []byte("to,1\n+447911123401,A1\n+447911123402,B2\nnot-a-number,C3\n")
	code, page := admin.postFile("/admin/campaigns/new", map[string]string{"name": "November", "template": value}, "file", "list.csv", csv)
	if code != 200 || !strings.Contains(page, `id="preview"`) {
		t.Fatalf("creating a campaign = %d:\n%s", code, page)
	}
	for _, want := range []string{"Campaign created as a draft", "Rows left out: 1 (first: row 4", "447911123401", "Your order A1 is on its way", "Your order B2 is on its way"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the preview lacks %q:\n%s", want, page)
		}
	}
	m := regexp.MustCompile(`action="/admin/campaigns/(\d+)/start"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no Start button:\n%s", page)
	}
	if code, page := admin.post("/admin/campaigns/"+m[1]+"/start", url.Values{"back": {"detail"}}); code != 200 || !strings.Contains(page, "Campaign started.") {
		t.Fatalf("start = %d:\n%s", code, page)
	}
	deadline := time.Now().Add(time.Minute)
	for p.graph.SentCount(pnid) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the campaign sent %d messages, want 2", p.graph.SentCount(pnid))
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A second one, cancelled while a draft.
	_, page = admin.postFile("/admin/campaigns/new", map[string]string{"name": "Cancelled", "template": value}, "file", "list.csv", csv)
	m = regexp.MustCompile(`action="/admin/campaigns/(\d+)/cancel"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no Cancel button:\n%s", page)
	}
	if code, page := admin.post("/admin/campaigns/"+m[1]+"/cancel", url.Values{"back": {"detail"}}); code != 200 || !strings.Contains(page, "Campaign cancelled.") || !strings.Contains(page, `<span class="state">cancelled</span>`) {
		t.Fatalf("cancel = %d:\n%s", code, page)
	}
}
