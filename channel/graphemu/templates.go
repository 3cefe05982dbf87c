package graphemu

import (
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Template is a message template of a WhatsApp Business Account, in the
// shape the listing endpoint returns.
type Template struct {
	ID              string              `json:"id"`
	Name            string              `json:"name"`
	Language        string              `json:"language"`
	Status          string              `json:"status"`
	Category        string              `json:"category"`
	ParameterFormat string              `json:"parameter_format"`
	Components      []TemplateComponent `json:"components"`
	// QualityScore is listed when set (GREEN, YELLOW, RED, UNKNOWN).
	QualityScore *TemplateQuality `json:"quality_score,omitempty"`
}

// TemplateQuality is a template's quality score as the listing shows it.
type TemplateQuality struct {
	Score string `json:"score"`
}

// TemplateComponent is one part of a template definition. Text holds
// {{1}}-style or {{name}}-style placeholders.
type TemplateComponent struct {
	Type    string           `json:"type"`
	Format  string           `json:"format,omitempty"`
	Text    string           `json:"text,omitempty"`
	Buttons []TemplateButton `json:"buttons,omitempty"`
	// Example holds Meta's example values, such as
	// {"body_text":[["Ann"]]} or {"header_handle":["https://…"]}.
	Example json.RawMessage `json:"example,omitempty"`
}

// TemplateButton is one button of a template definition.
type TemplateButton struct {
	Type string `json:"type"`
	Text string `json:"text"`
	URL  string `json:"url,omitempty"`
	// PhoneNumber is a PHONE_NUMBER button's number.
	PhoneNumber string `json:"phone_number,omitempty"`
	// Example is a URL button's example URLs (a JSON array) or a
	// COPY_CODE button's example code (a JSON string).
	Example json.RawMessage `json:"example,omitempty"`
}

// AddTemplate adds t to the account wabaID and returns its id. Empty fields
// default to an APPROVED UTILITY template in en_US with POSITIONAL
// parameters and a fresh numeric id.
func (s *Server) AddTemplate(wabaID string, t Template) (id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.ID == "" {
		t.ID = numericID(s.nextSeq())
	}
	if t.Status == "" {
		t.Status = "APPROVED"
	}
	if t.Category == "" {
		t.Category = "UTILITY"
	}
	if t.Language == "" {
		t.Language = "en_US"
	}
	if t.ParameterFormat == "" {
		t.ParameterFormat = "POSITIONAL"
	}
	if t.Components == nil {
		t.Components = []TemplateComponent{}
	}
	s.templates[wabaID] = append(s.templates[wabaID], t)
	return t.ID
}

// findTemplate returns the template name in language of waba; s.mu must be
// held.
func (s *Server) findTemplate(waba, name, language string) (Template, bool) {
	for _, t := range s.templates[waba] {
		if t.Name == name && t.Language == language {
			return t, true
		}
	}
	return Template{}, false
}

var placeholder = regexp.MustCompile(`\{\{\s*([a-z0-9_]+)\s*\}\}`)

// placeholders counts the distinct placeholders of the component typ.
func (t Template) placeholders(typ string) int {
	for _, c := range t.Components {
		if strings.EqualFold(c.Type, typ) {
			seen := map[string]bool{}
			for _, m := range placeholder.FindAllStringSubmatch(c.Text, -1) {
				seen[m[1]] = true
			}
			return len(seen)
		}
	}
	return 0
}

// cursor encodes a position in a template list.
func cursor(i int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("pos:" + strconv.Itoa(i)))
}

// uncursor decodes a cursor; ok is false when it is malformed.
func uncursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), "pos:") {
		return 0, false
	}
	i, err := strconv.Atoi(string(b[4:]))
	return i, err == nil && i >= 0
}

// handleTemplates serves GET /{ver}/{waba}/message_templates with cursor
// paging (limit, after, before) and the status and name filters.
func (s *Server) handleTemplates(w http.ResponseWriter, r *http.Request) {
	waba := r.PathValue("id")
	q := r.URL.Query()
	s.mu.Lock()
	_, gerr := s.wabaToken(r, waba, "get")
	if gerr != nil {
		s.mu.Unlock()
		writeError(w, *gerr)
		return
	}
	var list []Template
	for _, t := range s.templates[waba] {
		if st := q.Get("status"); st != "" && !strings.EqualFold(st, t.Status) {
			continue
		}
		if n := q.Get("name"); n != "" && n != t.Name {
			continue
		}
		list = append(list, t)
	}
	s.mu.Unlock()

	limit := s.opts.TemplatePageSize
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n <= 0 {
			writeError(w, errParam("(#100) Param limit must be a positive integer"))
			return
		}
		limit = min(n, limit)
	}
	start, end := 0, min(limit, len(list))
	if a := q.Get("after"); a != "" {
		i, ok := uncursor(a)
		if !ok {
			writeError(w, errParam("(#100) Invalid parameter").withDetails("malformed after cursor"))
			return
		}
		start = min(i+1, len(list))
		end = min(start+limit, len(list))
	} else if b := q.Get("before"); b != "" {
		i, ok := uncursor(b)
		if !ok {
			writeError(w, errParam("(#100) Invalid parameter").withDetails("malformed before cursor"))
			return
		}
		end = min(i, len(list))
		start = max(0, end-limit)
	}
	page := list[start:end]
	if page == nil {
		page = []Template{}
	}
	paging := map[string]any{}
	if len(page) > 0 {
		paging["cursors"] = map[string]string{"before": cursor(start), "after": cursor(end - 1)}
	} else {
		paging["cursors"] = map[string]string{"before": "", "after": ""}
	}
	link := func(key, c string) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "after" && k != "before" {
				v[k] = vs
			}
		}
		v.Set("limit", strconv.Itoa(limit))
		v.Set(key, c)
		return baseURL(r) + r.URL.Path + "?" + v.Encode()
	}
	if end < len(list) && len(page) > 0 {
		paging["next"] = link("after", cursor(end-1))
	}
	if start > 0 && len(page) > 0 {
		paging["previous"] = link("before", cursor(start))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": page, "paging": paging})
}

// sameLanguage reports whether two language codes name the same language;
// Meta spells some webhooks' codes with a hyphen ("en-US").
func sameLanguage(a, b string) bool {
	return strings.EqualFold(strings.ReplaceAll(a, "-", "_"), strings.ReplaceAll(b, "-", "_"))
}

// updateTemplate applies change to the template name in language of
// wabaID and returns the updated copy; ok is false when there is none.
func (s *Server) updateTemplate(wabaID, name, language string, change func(*Template)) (Template, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.templates[wabaID] {
		t := &s.templates[wabaID][i]
		if t.Name == name && sameLanguage(t.Language, language) {
			change(t)
			return *t, true
		}
	}
	return Template{}, false
}

// RemoveTemplate deletes the template name in language from wabaID, as
// deleting it in WhatsApp Manager does, and reports whether it existed. No
// webhook is sent.
func (s *Server) RemoveTemplate(wabaID, name, language string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.templates[wabaID]
	for i, t := range list {
		if t.Name == name && sameLanguage(t.Language, language) {
			s.templates[wabaID] = append(list[:i:i], list[i+1:]...)
			return true
		}
	}
	return false
}

// SetTemplateStatus changes a template's status (APPROVED, REJECTED,
// PAUSED, DISABLED, …) and queues the message_template_status_update
// webhook, with reason, to the webhook URLs of the account's numbers. It
// reports false for an unknown template.
func (s *Server) SetTemplateStatus(wabaID, name, language, status, reason string) bool {
	t, ok := s.updateTemplate(wabaID, name, language, func(t *Template) { t.Status = status })
	if !ok {
		return false
	}
	if reason == "" {
		reason = "NONE"
	}
	s.queueTemplateWebhook(wabaID, "message_template_status_update", templateValue(t, map[string]any{
		"event": status, "reason": reason, "message_template_category": t.Category,
	}))
	return true
}

// SetTemplateQuality changes a template's quality score (GREEN, YELLOW,
// RED, UNKNOWN) and queues the message_template_quality_update webhook. It
// reports false for an unknown template.
func (s *Server) SetTemplateQuality(wabaID, name, language, score string) bool {
	prev := "UNKNOWN"
	t, ok := s.updateTemplate(wabaID, name, language, func(t *Template) {
		if t.QualityScore != nil {
			prev = t.QualityScore.Score
		}
		t.QualityScore = &TemplateQuality{Score: score}
	})
	if !ok {
		return false
	}
	s.queueTemplateWebhook(wabaID, "message_template_quality_update", templateValue(t, map[string]any{
		"previous_quality_score": prev, "new_quality_score": score,
	}))
	return true
}

// SetTemplateCategory changes a template's category and queues the
// template_category_update webhook. It reports false for an unknown
// template.
func (s *Server) SetTemplateCategory(wabaID, name, language, category string) bool {
	var prev string
	t, ok := s.updateTemplate(wabaID, name, language, func(t *Template) {
		prev, t.Category = t.Category, category
	})
	if !ok {
		return false
	}
	s.queueTemplateWebhook(wabaID, "template_category_update", templateValue(t, map[string]any{
		"previous_category": prev, "new_category": category,
	}))
	return true
}

// templateValue is the value of a template webhook: the template's id (a
// number, as Meta sends it), name and language, and extra.
func templateValue(t Template, extra map[string]any) map[string]any {
	v := map[string]any{"message_template_name": t.Name, "message_template_language": t.Language}
	if id, err := strconv.ParseInt(t.ID, 10, 64); err == nil {
		v["message_template_id"] = id
	} else {
		v["message_template_id"] = t.ID
	}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

// queueTemplateWebhook queues an account-level webhook (no metadata, an
// entry time) of field with value to each distinct app URL of the numbers
// of wabaID (template fields ignore overrides).
func (s *Server) queueTemplateWebhook(wabaID, field string, value map[string]any) {
	body, err := encodeMeta(map[string]any{
		"object": "whatsapp_business_account",
		"entry": []map[string]any{{
			"id":      wabaID,
			"time":    s.now().Unix(),
			"changes": []map[string]any{{"value": value, "field": field}},
		}},
	})
	if err != nil {
		s.log.Error("encoding template webhook", slog.Any("err", err))
		return
	}
	s.mu.Lock()
	targets := s.appTargets(wabaID)
	s.mu.Unlock()
	for _, tg := range targets {
		if !s.dispatch.enqueue(webhookJob{due: time.Now(), pnid: tg.pnid, url: tg.url, secret: tg.secret, body: body}) {
			s.log.Warn("webhook queue full, template update dropped", slog.String("waba_id", wabaID), slog.String("field", field))
		}
	}
}
