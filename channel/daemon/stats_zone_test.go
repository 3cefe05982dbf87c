package daemon

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/config"
)

// TestStatisticsTimeZone: with time_zone Asia/Kolkata (UTC+05:30), messages
// are counted on the day they arrived in Kolkata by default, and on their
// UTC day when the panel's UTC option (the API's tz=UTC) is chosen; the
// panel shows times, and takes the sessions' date filter, in Kolkata time.
func TestStatisticsTimeZone(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	emuNow := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return emuNow }
	p := startHarness(t, graphemu.Options{Now: clock}, false,
		func(c *config.Config) { c.TimeZone = "Asia/Kolkata" },
		map[string]string{"type": "extension", "id": "1001"})
	// Two messages three days ago, at 23:50 and 00:10 in Kolkata: one
	// UTC day, two Kolkata days.
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3)
	for i, at := range []time.Duration{18*time.Hour + 20*time.Minute, 18*time.Hour + 40*time.Minute} {
		mu.Lock()
		emuNow = day.Add(at)
		mu.Unlock()
		p.customerSays("447700900001", "Ann", []string{"before midnight", "after midnight"}[i])
	}
	p.waitStats(p.ch, func(s stats) bool { return s.Received == 2 })
	d0, d1 := day.Format("2006-01-02"), day.AddDate(0, 0, 1).Format("2006-01-02")

	tests := []struct {
		query    string
		zone     string
		received int64
	}{
		{"from=" + d0 + "&to=" + d0, "Asia/Kolkata", 1},
		{"from=" + d1 + "&to=" + d1, "Asia/Kolkata", 1},
		{"from=" + d0 + "&to=" + d0 + "&tz=local", "Asia/Kolkata", 1},
		{"from=" + d0 + "&to=" + d0 + "&tz=UTC", "UTC", 2},
		{"from=" + d1 + "&to=" + d1 + "&tz=UTC", "UTC", 0},
		{"from=" + d0 + "&to=" + d0 + "&tz=America/New_York", "America/New_York", 2},
		{"range=all", "Asia/Kolkata", 2},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var out struct {
				TimeZone string `json:"time_zone"`
				Received int64  `json:"received"`
			}
			if code := p.do("GET", "/api/v1/channels/"+p.ch+"/stats?"+tt.query, nil, &out); code != 200 {
				t.Fatalf("stats = %d %+v", code, out)
			}
			if out.TimeZone != tt.zone || out.Received != tt.received {
				t.Fatalf("got %+v, want %d received in %s", out, tt.received, tt.zone)
			}
		})
	}
	var bad struct {
		Error struct{ Code, Field string }
	}
	if code := p.do("GET", "/api/v1/stats?tz=Mars/Olympus", nil, &bad); code != 422 || bad.Error.Field != "tz" {
		t.Fatalf("unknown zone = %d %+v", code, bad)
	}

	admin := signIn(t, p.base, "admin", "", adminToken)
	custom := "/admin/stats?channel=" + p.ch + "&range=custom&from=" + d0 + "&to=" + d1
	_, page := admin.get(custom)
	for _, want := range []string{
		`<option value="" selected>PBX local time: Asia/Kolkata (IST, UTC&#43;05:30)</option>`,
		"midnight to midnight in Asia/Kolkata (IST, UTC&#43;05:30)",
		"<g><title>" + d0 + ": 1 received", "<g><title>" + d1 + ": 1 received",
	} {
		if !strings.Contains(page, want) {
			t.Fatalf("Kolkata page lacks %q:\n%s", want, page)
		}
	}
	_, page = admin.get(custom + "&tz=UTC")
	for _, want := range []string{
		`<option value="UTC" selected>UTC</option>`, "midnight to midnight in UTC.",
		"<g><title>" + d0 + ": 2 received", "<g><title>" + d1 + ": 0 received",
	} {
		if !strings.Contains(page, want) {
			t.Fatalf("UTC page lacks %q:\n%s", want, page)
		}
	}
	if _, page = admin.get("/admin/system"); !strings.Contains(page, `<dd id="zone">Asia/Kolkata (IST, UTC&#43;05:30) · set with time_zone</dd>`) {
		t.Fatalf("System page does not name the zone:\n%s", page)
	}
	// Sessions: times and the date filter are Kolkata's (the session's
	// times are the daemon's clock's, not the messages').
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	now := p.clock.Now().In(kolkata)
	_, page = admin.get("/admin/sessions?from=" + now.Format("2006-01-02") + "&to=" + now.Format("2006-01-02"))
	if !strings.Contains(page, "Dates and times are in Asia/Kolkata") || !strings.Contains(page, now.Format("Jan 2 15:04")) {
		t.Fatalf("sessions page is not in Kolkata time (%s):\n%s", now.Format("Jan 2 15:04"), page)
	}
	// The channel list's "today" is Kolkata's today too.
	_, page = admin.get("/admin/channels")
	if !strings.Contains(page, `class="num received">0<`) {
		t.Fatalf("channels page counts three-day-old messages as today's:\n%s", page)
	}
}
