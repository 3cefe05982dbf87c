package daemon

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestCampaignPastedFromPanel: a campaign created in the panel from a
// pasted list (no header row) is previewed per recipient, with rows left
// out counted in the pasted lines, and is paused, resumed and cancelled
// from its page while it runs.
func TestCampaignPastedFromPanel(t *testing.T) {
	t.Parallel()
	c := startCampaigns(t, 1000, nil)
	admin := signIn(t, c.base, "admin", "", adminToken)
	tmpl := c.ch + "|promo|en_US"
	fields := map[string]string{"name": "Spring", "template": tmpl,
		"recipients": "+447911123458,Ann\nnot-a-number,Bo\n447911123459,Cy\n"}
	code, page := admin.postFile("/admin/campaigns/new", fields, "file", "", nil)
	if code != 200 || !strings.Contains(page, `id="preview"`) {
		t.Fatalf("campaign from a pasted list = %d:\n%s", code, page)
	}
	for _, want := range []string{"Rows left out: 1 (first: row 2:", "Hello Ann, 10% off today", "Hello Cy, 10% off today"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the campaign page lacks %q:\n%s", want, page)
		}
	}
	m := regexp.MustCompile(`action="/admin/campaigns/(\d+)/start"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no Start button:\n%s", page)
	}
	id := m[1]
	// Nothing pasted and no file: the form says so.
	delete(fields, "recipients")
	if code, page := admin.postFile("/admin/campaigns/new", fields, "file", "", nil); code != 422 || !strings.Contains(page, "choose a CSV file or paste the list") {
		t.Fatalf("campaign without recipients = %d:\n%s", code, page)
	}

	// Meta refuses for now: the campaign keeps running until paused.
	c.graph.FailNext(pnid, 1000, 131000)
	for _, step := range []struct{ verb, flash, state string }{
		{"start", "Campaign started.", "running"},
		{"pause", "Campaign paused.", "paused"},
		{"resume", "Campaign resumed.", "running"},
		{"cancel", "Campaign cancelled.", "cancelled"},
	} {
		code, page := admin.post("/admin/campaigns/"+id+"/"+step.verb, url.Values{"back": {"detail"}})
		if code != 200 || !strings.Contains(page, step.flash) || !strings.Contains(page, `<span class="state">`+step.state+`</span>`) {
			t.Fatalf("%s = %d:\n%s", step.verb, code, page)
		}
	}
}
