package daemon

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
)

type templateView struct {
	ID, Name, Language, Status, Reason, Category, Quality string
	PreviousCategory                                      string `json:"previous_category"`
	Partial                                               bool
	Params                                                struct {
		Format string   `json:"parameter_format"`
		Header []string `json:"header_params"`
		Body   []string `json:"body_params"`
	}
	Components []json.RawMessage
}

// waitTemplate polls one template until ok accepts it.
func (h *harness) waitTemplate(channel, name, lang string, ok func(templateView) bool) templateView {
	h.t.Helper()
	var v templateView
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		v = templateView{}
		if code := h.do("GET", fmt.Sprintf("/api/v1/channels/%s/templates/%s?language=%s", channel, name, lang), nil, &v); code == 200 && ok(v) {
			return v
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.t.Fatalf("template %s/%s never reached the expected state; last %+v", name, lang, v)
	return v
}

// TestTemplatesEndToEnd syncs templates over several pages through the
// admin API, follows Meta's signed status, quality and category webhooks
// through the real daemon and sees a template deleted at Meta go.
func TestTemplatesEndToEnd(t *testing.T) {
	t.Parallel()
	const waba = "102290129340398"
	emu, h, ch := startWithChannel(t, graphemu.Options{TemplatePageSize: 2})
	for i := range 5 {
		emu.AddTemplate(waba, graphemu.Template{Name: fmt.Sprintf("notice_%d", i), Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Hi {{1}}, ref {{2}}"}}})
	}
	emu.AddTemplate(waba, graphemu.Template{Name: "welcome", Language: "en", ParameterFormat: "NAMED",
		Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Hello {{first_name}}"}}})
	emu.AddTemplate(waba, graphemu.Template{Name: "welcome", Language: "en", Status: "REJECTED"}) // listed twice

	var res struct {
		Total, Added, Updated, Removed, Duplicates int
		List                                       []struct{ Name, Language string } `json:"duplicate_templates"`
	}
	if code := h.do("POST", "/api/v1/channels/"+ch.ID+"/templates/sync", nil, &res); code != 200 {
		t.Fatalf("sync = %d %+v", code, res)
	}
	if res.Total != 6 || res.Added != 6 || res.Duplicates != 1 || len(res.List) != 1 || res.List[0].Name != "welcome" {
		t.Fatalf("sync result = %+v", res)
	}
	var list struct {
		Templates []templateView
		Sync      struct{ Total, Duplicates int }
	}
	if code := h.do("GET", "/api/v1/channels/"+ch.ID+"/templates", nil, &list); code != 200 || len(list.Templates) != 6 || list.Sync.Total != 6 || list.Sync.Duplicates != 1 {
		t.Fatalf("list = %d %+v", code, list)
	}
	w := h.waitTemplate(ch.ID, "welcome", "", func(templateView) bool { return true })
	if w.Status != "APPROVED" || w.Params.Format != "NAMED" || strings.Join(w.Params.Body, ",") != "first_name" || len(w.Components) != 1 {
		t.Fatalf("welcome = %+v", w)
	}

	// Live updates come as signed webhooks.
	emu.SetTemplateStatus(waba, "notice_1", "en_US", "PAUSED", "LOW_QUALITY")
	h.waitTemplate(ch.ID, "notice_1", "en_US", func(v templateView) bool { return v.Status == "PAUSED" && v.Reason == "LOW_QUALITY" })
	emu.SetTemplateQuality(waba, "notice_2", "en_US", "RED")
	h.waitTemplate(ch.ID, "notice_2", "en_US", func(v templateView) bool { return v.Quality == "RED" })
	emu.SetTemplateCategory(waba, "notice_3", "en_US", "MARKETING")
	h.waitTemplate(ch.ID, "notice_3", "en_US", func(v templateView) bool {
		return v.Category == "MARKETING" && v.PreviousCategory == "UTILITY"
	})
	// A template created at Meta after the sync is stored from its webhook
	// and completed by the sync that webhook asks for.
	emu.AddTemplate(waba, graphemu.Template{Name: "late", Status: "PENDING", Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Late {{1}}"}}})
	emu.SetTemplateStatus(waba, "late", "en_US", "APPROVED", "")
	late := h.waitTemplate(ch.ID, "late", "en_US", func(v templateView) bool { return v.Status == "APPROVED" && !v.Partial })
	if strings.Join(late.Params.Body, ",") != "1" {
		t.Fatalf("late = %+v", late)
	}

	// Deleted at Meta, gone after the next sync.
	emu.RemoveTemplate(waba, "notice_4", "en_US")
	if code := h.do("POST", "/api/v1/channels/"+ch.ID+"/templates/sync", nil, &res); code != 200 || res.Removed != 1 || res.Total != 6 {
		t.Fatalf("resync = %d %+v", code, res)
	}
	var apiErr struct {
		Error struct{ Code, Message, Field string }
	}
	if code := h.do("GET", "/api/v1/channels/"+ch.ID+"/templates/notice_4", nil, &apiErr); code != 404 || apiErr.Error.Code != "template_not_found" {
		t.Fatalf("deleted template = %d %+v", code, apiErr)
	}
	if code := h.do("GET", "/api/v1/channels/"+ch.ID+"/templates/welcome?language=fr", nil, &apiErr); code != 404 ||
		apiErr.Error.Code != "template_language" || apiErr.Error.Field != "language" || !strings.Contains(apiErr.Error.Message, "exists in en") {
		t.Fatalf("wrong language = %d %+v", code, apiErr)
	}
	if code := h.do("GET", "/api/v1/channels/nope/templates", nil, &apiErr); code != 404 {
		t.Fatalf("unknown channel = %d %+v", code, apiErr)
	}
	if code := h.do("GET", "/api/v1/channels/"+ch.ID+"/templates?status=paused", nil, &list); code != 200 || len(list.Templates) != 1 || list.Templates[0].Name != "notice_1" {
		t.Fatalf("paused filter = %d %+v", code, list.Templates)
	}

	// A Graph failure is reported, not hidden.
	emu.ExpireToken(metaToken)
	if code := h.do("POST", "/api/v1/channels/"+ch.ID+"/templates/sync", nil, &apiErr); code != 502 || apiErr.Error.Code != "graph_error" || strings.Contains(apiErr.Error.Message, metaToken) {
		t.Fatalf("sync with an expired token = %d %+v", code, apiErr)
	}
}
