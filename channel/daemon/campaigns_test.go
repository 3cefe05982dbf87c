package daemon

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/config"
)

// campaignHarness is a daemon with one channel on an emulated number that
// enforces rate, and an approved template "promo" with one body value,
// synced.
type campaignHarness struct {
	*harness
	t     *testing.T
	cfg   *config.Config
	graph *graphemu.Server
	ch    string
}

func startCampaigns(t *testing.T, rate int, statuses []string) *campaignHarness {
	t.Helper()
	graph := graphemu.New(graphemu.Options{Statuses: statuses})
	graphURL, err := graph.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { graph.Close() })
	cfg := testConfig(t, graphURL)
	h, _ := startDaemon(t, cfg, &fakeClock{t: time.Now()})
	body := newChannelBody()
	body["send_rate"] = rate
	var raw map[string]any
	if code := h.do("POST", "/api/v1/channels", body, &raw); code != 201 {
		t.Fatalf("create channel: %d %v", code, raw)
	}
	c := &campaignHarness{harness: h, t: t, cfg: cfg, graph: graph, ch: raw["id"].(string)}
	if err := graph.AddNumber(graphemu.Number{PhoneNumberID: pnid, WABAID: "102290129340398", DisplayPhoneNumber: "+44 7911 123456",
		VerifiedName: "Sales Ltd", Token: metaToken, AppSecret: appSecret, WebhookURL: raw["webhook_url"].(string), Rate: rate}); err != nil {
		t.Fatal(err)
	}
	graph.AddTemplate("102290129340398", graphemu.Template{Name: "promo", Language: "en_US", Category: "MARKETING",
		Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Hello {{1}}, 10% off today"}}})
	var sync map[string]any
	if code := h.do("POST", "/api/v1/channels/"+c.ch+"/templates/sync", nil, &sync); code != 200 {
		t.Fatalf("template sync: %d %v", code, sync)
	}
	return c
}

// restart stops the daemon cleanly and starts it again on the same data.
func (c *campaignHarness) restart() {
	c.stop()
	c.harness, _ = startDaemon(c.t, c.cfg, &fakeClock{t: time.Now()})
}

type campaignView struct {
	ID         uint64
	State      string
	PausedBy   string `json:"paused_by"`
	Reason     string
	DailyLimit int       `json:"daily_limit"`
	SendRate   float64   `json:"send_rate"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Counts     struct {
		Total, Pending, Queued, Sent, Delivered, Read, Failed, Skipped int
		OptedOut                                                       int `json:"opted_out"`
	}
	Invalid []struct {
		Row       int
		To, Error string
	}
	Duplicates int
}

func (c *campaignHarness) campaign(id uint64) campaignView {
	c.t.Helper()
	var v campaignView
	if code := c.do("GET", fmt.Sprintf("/api/v1/campaigns/%d", id), nil, &v); code != 200 {
		c.t.Fatalf("get campaign: %d", code)
	}
	return v
}

func (c *campaignHarness) waitCampaign(id uint64, what string, ok func(campaignView) bool) campaignView {
	c.t.Helper()
	// Only a safety net: on a busy machine the emulator's status webhooks
	// alone can take many seconds to arrive.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		v := c.campaign(id)
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("campaign never %s; last %+v", what, v)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// inbound delivers a customer's text message as Meta would.
func (c *campaignHarness) inbound(from, text string) {
	c.t.Helper()
	_, body := c.graph.InboundText(pnid, from, "Customer", text)
	if code, err := c.graph.DeliverInbound(pnid, body); err != nil || code != 200 {
		c.t.Fatalf("inbound webhook = %d, %v", code, err)
	}
}

// optedOut reports whether customer is on the channel's list.
func (c *campaignHarness) optedOut(customer string) bool {
	var v map[string]any
	return c.do("GET", "/api/v1/channels/"+c.ch+"/optouts/"+customer, nil, &v) == 200
}

func (c *campaignHarness) waitOptedOut(customer string, want bool) {
	c.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for c.optedOut(customer) != want {
		if time.Now().After(deadline) {
			c.t.Fatalf("%s opted out never became %v", customer, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *campaignHarness) checkNoDuplicates() {
	c.t.Helper()
	seen := map[string]bool{}
	for _, m := range c.graph.Sent(pnid) {
		if seen[m.To] {
			c.t.Fatalf("%s got the campaign twice", m.To)
		}
		seen[m.To] = true
	}
}

// TestCampaignOptOut follows a customer who writes STOP: they are put on
// the list, a campaign skips them while the others get the template and
// its statuses, START takes them off, and admins manage the list and the
// words.
func TestCampaignOptOut(t *testing.T) {
	t.Parallel()
	c := startCampaigns(t, 1000, nil)
	const ann, bob, cat = "447911123401", "447911123402", "447911123403"
	c.inbound(ann, "  stop! ")
	c.inbound(bob, "please stop sending me these") // not the whole text
	c.waitOptedOut(ann, true)
	var o struct{ Word, Notice string }
	c.do("GET", "/api/v1/channels/"+c.ch+"/optouts/+"+ann, nil, &o)
	if o.Word != "STOP" || !strings.HasPrefix(o.Notice, "[wachan] This customer opted out (STOP) on ") {
		t.Fatalf("opt-out = %+v", o)
	}
	if c.optedOut(bob) {
		t.Fatal("a sentence containing stop opted the customer out")
	}

	var v campaignView
	code := c.do("POST", "/api/v1/campaigns", map[string]any{
		"name": "spring", "channel": c.ch, "template": map[string]string{"name": "promo", "language": "en_US"},
		"start": true,
		"recipients": []map[string]any{
			{"to": "+" + ann, "params": []string{"Ann"}},
			{"to": "+" + bob, "params": []string{"Bob"}},
			{"to": "+" + cat, "params": []string{"Cat"}},
			{"to": "+44 7911 123402", "params": []string{"Bob again"}},
			{"to": "+44 12", "params": []string{"nobody"}},
			{"to": "+447911123404", "params": []string{}},
		},
	}, &v)
	if code != 201 || v.Counts.Total != 3 || v.Duplicates != 1 || len(v.Invalid) != 2 || v.Invalid[0].Row != 5 || v.Invalid[1].Row != 6 || v.DailyLimit != 1000 {
		t.Fatalf("create = %d %+v", code, v)
	}
	v = c.waitCampaign(v.ID, "read by both", func(v campaignView) bool { return v.Counts.Read == 2 })
	if v.State != "completed" || v.Counts.OptedOut != 1 || v.Counts.Sent != 2 || v.Counts.Delivered != 2 || v.FinishedAt.IsZero() {
		t.Fatalf("campaign = %+v", v)
	}
	for _, m := range c.graph.Sent(pnid) {
		if m.To == "+"+ann || m.Type != "template" {
			t.Fatalf("sent %s a %s", m.To, m.Type)
		}
	}
	var rs struct {
		Recipients []struct{ To, State, WAMID string }
	}
	c.do("GET", fmt.Sprintf("/api/v1/campaigns/%d/recipients?state=opted_out", v.ID), nil, &rs)
	if len(rs.Recipients) != 1 || rs.Recipients[0].To != "+"+ann {
		t.Fatalf("opted-out recipients = %+v", rs)
	}
	c.do("GET", fmt.Sprintf("/api/v1/campaigns/%d/recipients?state=read&limit=1", v.ID), nil, &rs)
	if len(rs.Recipients) != 1 || rs.Recipients[0].WAMID == "" {
		t.Fatalf("read recipients = %+v", rs)
	}

	// START takes Ann off the list.
	c.inbound(ann, "Start")
	c.waitOptedOut(ann, false)

	// Admins add and remove entries.
	if code := c.do("POST", "/api/v1/channels/"+c.ch+"/optouts", map[string]string{"customer": "+" + cat}, &o); code != 201 || o.Word != "admin" {
		t.Fatalf("add opt-out = %d %+v", code, o)
	}
	var list struct{ Optouts []struct{ Customer string } }
	c.do("GET", "/api/v1/channels/"+c.ch+"/optouts", nil, &list)
	if len(list.Optouts) != 1 || list.Optouts[0].Customer != cat {
		t.Fatalf("list = %+v", list)
	}
	if code := c.do("DELETE", "/api/v1/channels/"+c.ch+"/optouts/"+cat, nil, nil); code != 204 {
		t.Fatalf("delete = %d", code)
	}
	if code := c.do("DELETE", "/api/v1/channels/"+c.ch+"/optouts/"+cat, nil, nil); code != 404 {
		t.Fatalf("delete twice = %d", code)
	}

	// Words of the channel's own language.
	var words struct{ Stop, Start []string }
	c.do("GET", "/api/v1/channels/"+c.ch+"/optout-words", nil, &words)
	if len(words.Stop) == 0 || words.Stop[0] != "STOP" || words.Start[0] != "START" {
		t.Fatalf("default words = %+v", words)
	}
	if code := c.do("PUT", "/api/v1/channels/"+c.ch+"/optout-words", map[string][]string{"stop": {"alto", " Baja "}, "start": {"alta"}}, &words); code != 200 || words.Stop[1] != "BAJA" {
		t.Fatalf("put words = %d %+v", code, words)
	}
	var e struct{ Error struct{ Code, Field string } }
	if code := c.do("PUT", "/api/v1/channels/"+c.ch+"/optout-words", map[string][]string{"stop": {}}, &e); code != 422 || e.Error.Field != "stop" {
		t.Fatalf("put no stop word = %d %+v", code, e)
	}
	c.inbound(bob, "ALTO.")
	c.waitOptedOut(bob, true)
	c.inbound(cat, "STOP") // no longer a stop word here
	c.inbound(bob, "alta")
	c.waitOptedOut(bob, false)
	if c.optedOut(cat) {
		t.Fatal("STOP still opts out after the words changed")
	}
}

// TestCampaignCSV uploads a CSV file with bad rows, runs the draft, and
// checks the campaign actions and their errors.
func TestCampaignCSV(t *testing.T) {
	t.Parallel()
	c := startCampaigns(t, 1000, []string{})
	var csv strings.Builder
	csv.WriteString("to,1\n")
	for i := range 50 {
		fmt.Fprintf(&csv, "+4479111234%02d,Customer %d\n", i, i)
	}
	csv.WriteString("+44 12,bad number\n")       // line 52
	csv.WriteString("+447911123400,duplicate\n") // line 53
	csv.WriteString("+447911123499\n")           // line 54: too few columns
	csv.WriteString("447911123498,no plus\n")    // fine
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"name": "csv", "channel": c.ch, "template": "promo", "language": "en_US", "daily_limit": "0"} {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "list.csv")
	io.WriteString(fw, csv.String())
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/api/v1/campaigns", &body)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var v campaignView
	json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if resp.StatusCode != 201 || v.State != "draft" || v.Counts.Total != 51 || v.Duplicates != 1 || v.DailyLimit != 0 ||
		len(v.Invalid) != 2 || v.Invalid[0].Row != 52 || v.Invalid[1].Row != 54 || !strings.Contains(v.Invalid[1].Error, "columns") {
		t.Fatalf("upload = %d %+v", resp.StatusCode, v)
	}
	if n := c.graph.SentCount(pnid); n != 0 {
		t.Fatalf("a draft sent %d messages", n)
	}
	var list struct{ Campaigns []campaignView }
	c.do("GET", "/api/v1/campaigns", nil, &list)
	if len(list.Campaigns) != 1 || list.Campaigns[0].ID != v.ID {
		t.Fatalf("list = %+v", list)
	}
	if code := c.do("POST", fmt.Sprintf("/api/v1/campaigns/%d/resume", v.ID), nil, &v); code != 200 || v.State != "running" {
		t.Fatalf("resume = %d %+v", code, v)
	}
	v = c.waitCampaign(v.ID, "completed", func(v campaignView) bool { return v.State == "completed" })
	if v.Counts.Sent != 51 || c.graph.SentCount(pnid) != 51 || v.SendRate <= 0 || v.StartedAt.IsZero() {
		t.Fatalf("campaign = %+v, emulator %d", v, c.graph.SentCount(pnid))
	}
	for _, m := range c.graph.Sent(pnid) {
		if m.To == "+447911123400" && !strings.Contains(string(m.Raw), `"text":"Customer 0"`) {
			t.Fatalf("send to the first row: %s", m.Raw)
		}
	}
	var e struct{ Error struct{ Code, Field string } }
	tests := []struct {
		name, method, path string
		body               any
		want               int
		code, field        string
	}{
		{"cancel completed", "POST", fmt.Sprintf("/api/v1/campaigns/%d/cancel", v.ID), nil, 409, "campaign_state", ""},
		{"unknown campaign", "GET", "/api/v1/campaigns/999", nil, 404, "not_found", ""},
		{"bad state filter", "GET", fmt.Sprintf("/api/v1/campaigns/%d/recipients?state=gone", v.ID), nil, 422, "invalid", "state"},
		{"unknown channel", "POST", "/api/v1/campaigns", map[string]any{"name": "x", "channel": "nope", "template": map[string]string{"name": "promo"},
			"recipients": []map[string]any{{"to": "+447911123401", "params": []string{"a"}}}}, 422, "invalid", "channel"},
		{"unknown template", "POST", "/api/v1/campaigns", map[string]any{"name": "x", "channel": c.ch, "template": map[string]string{"name": "nope", "language": "en_US"},
			"recipients": []map[string]any{{"to": "+447911123401", "params": []string{"a"}}}}, 422, "invalid", "recipients"},
		{"negative limit", "POST", "/api/v1/campaigns", map[string]any{"name": "x", "channel": c.ch, "template": map[string]string{"name": "promo"}, "daily_limit": -1}, 422, "invalid", "daily_limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.Error.Code, e.Error.Field = "", ""
			if code := c.do(tt.method, tt.path, tt.body, &e); code != tt.want || e.Error.Code != tt.code || e.Error.Field != tt.field {
				t.Fatalf("= %d %+v", code, e)
			}
		})
	}
}

// TestCampaignRestart stops the daemon mid-campaign and starts it again:
// the campaign carries on where it stopped, nobody gets it twice, and
// every recipient is done.
func TestCampaignRestart(t *testing.T) {
	t.Parallel()
	c := startCampaigns(t, 200, []string{"sent", "delivered"})
	var rs []map[string]any
	for i := range 400 {
		rs = append(rs, map[string]any{"to": fmt.Sprintf("+447700%06d", i), "params": []string{fmt.Sprint(i)}})
	}
	var v campaignView
	if code := c.do("POST", "/api/v1/campaigns", map[string]any{"name": "big", "channel": c.ch, "start": true,
		"template": map[string]string{"name": "promo", "language": "en_US"}, "recipients": rs}, &v); code != 201 {
		t.Fatalf("create = %d %+v", code, v)
	}
	v = c.waitCampaign(v.ID, "partly sent", func(v campaignView) bool { return v.Counts.Sent >= 100 })
	// Pause: nothing more goes while paused.
	c.do("POST", fmt.Sprintf("/api/v1/campaigns/%d/pause", v.ID), nil, &v)
	v = c.waitCampaign(v.ID, "drained", func(v campaignView) bool { return v.Counts.Queued == 0 })
	if v.State != "paused" || v.Counts.Pending == 0 {
		t.Fatalf("paused campaign %+v", v)
	}
	sent := c.graph.SentCount(pnid)
	time.Sleep(200 * time.Millisecond) // proving an absence takes a while
	if n := c.graph.SentCount(pnid); n != sent {
		t.Fatalf("%d sends while paused", n-sent)
	}
	c.do("POST", fmt.Sprintf("/api/v1/campaigns/%d/resume", v.ID), nil, &v)
	before := v.Counts.Sent
	v = c.waitCampaign(v.ID, "sending again", func(v campaignView) bool { return v.Counts.Sent >= before+50 })
	// A send cut off by the stop waits this long for proof that it went
	// out before it is sent again: well beyond the emulator's 5 s webhook
	// timeout, which a delivery caught by the stop may have to run out, and
	// the time its queue of status webhooks takes on a busy machine. (Sends
	// that never left do not wait.)
	c.cfg.SendDoubtWait = 30 * time.Second
	c.restart()
	// Status webhooks Meta could not deliver while the daemon was down
	// prove which sends of unknown outcome went out; have the emulator
	// retry them now rather than after its backoff.
	v = c.waitCampaign(v.ID, "completed", func(v campaignView) bool {
		c.graph.RetryWebhooksNow()
		return v.State == "completed" && v.Counts.Delivered == 400
	})
	if v.Counts.Sent != 400 || v.Counts.Failed != 0 {
		t.Fatalf("campaign = %+v", v)
	}
	if n := c.graph.SentCount(pnid); n != 400 {
		t.Fatalf("emulator got %d sends, want 400", n)
	}
	c.checkNoDuplicates()
}
