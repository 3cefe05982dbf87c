package graphemu

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
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
}

// TemplateComponent is one part of a template definition. Text holds
// {{1}}-style or {{name}}-style placeholders.
type TemplateComponent struct {
	Type    string           `json:"type"`
	Format  string           `json:"format,omitempty"`
	Text    string           `json:"text,omitempty"`
	Buttons []TemplateButton `json:"buttons,omitempty"`
}

// TemplateButton is one button of a template definition.
type TemplateButton struct {
	Type string `json:"type"`
	Text string `json:"text"`
	URL  string `json:"url,omitempty"`
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
	tok, gerr := s.checkToken(r)
	if gerr != nil {
		s.mu.Unlock()
		writeError(w, *gerr)
		return
	}
	if !s.tokenSeesWABA(waba, tok) {
		s.mu.Unlock()
		writeError(w, errUnknownObject("get", waba))
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
