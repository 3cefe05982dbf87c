package graphemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// maxTemplateNames is how many template names an unverified business's
// account may hold.
const maxTemplateNames = 250

// promotional spots marketing wording, which the emulator's default
// review refuses in a utility template.
var promotional = regexp.MustCompile(`(?i)\b(sale|discount|% off|offer|promo(tion)?|coupon|deal|buy now|limited time)\b`)

// SetTemplateReview replaces the review a created or edited template
// gets: review returns the event (APPROVED, REJECTED, …) and the reason
// the status webhook carries. The default approves, except a UTILITY
// template with promotional wording, which it rejects with
// INCORRECT_CATEGORY. A nil review keeps templates PENDING.
func (s *Server) SetTemplateReview(review func(Template) (event, reason string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.author()
	a.review = review
	a.reviewSet = true
}

// defaultReview is Meta's review as the emulator plays it.
func defaultReview(t Template) (string, string) {
	if t.Category == "UTILITY" {
		for _, c := range t.Components {
			if promotional.MatchString(c.Text) {
				return "REJECTED", "INCORRECT_CATEGORY"
			}
		}
	}
	return "APPROVED", ""
}

// scheduleReview reviews t and queues the status webhook the review
// fires; it is called after the submitting request was answered.
func (s *Server) scheduleReview(waba string, t Template) {
	s.mu.Lock()
	review := defaultReview
	if a := s.author(); a.reviewSet {
		review = a.review
	}
	s.mu.Unlock()
	if review == nil {
		return
	}
	event, reason := review(t)
	s.SetTemplateStatus(waba, t.Name, t.Language, event, reason)
}

// componentsOf converts a request's components to the stored shape,
// writing Meta's text for an authentication template.
func componentsOf(d *templateDef) []TemplateComponent {
	out := []TemplateComponent{}
	for _, c := range d.Components {
		tc := TemplateComponent{Type: strings.ToUpper(c.Type), Format: strings.ToUpper(c.Format), Text: c.Text, Example: c.Example}
		if d.Category == "AUTHENTICATION" {
			switch tc.Type {
			case "BODY":
				tc.Text = "{{1}} is your verification code."
				if c.AddSecurityRecommendation {
					tc.Text += " For your security, do not share this code."
				}
				tc.Example = json.RawMessage(`{"body_text":[["123456"]]}`)
			case "FOOTER":
				tc.Text = fmt.Sprintf("This code expires in %d minutes.", c.CodeExpirationMinutes)
			}
		}
		for _, b := range c.Buttons {
			tb := TemplateButton{Type: strings.ToUpper(b.Type), Text: b.Text, URL: b.URL, PhoneNumber: b.PhoneNumber, Example: b.Example}
			if tb.Type == "COPY_CODE" && tb.Text == "" {
				tb.Text = "Copy offer code"
			}
			if tb.Type == "OTP" && tb.Text == "" {
				tb.Text = "Copy code"
			}
			tc.Buttons = append(tc.Buttons, tb)
		}
		out = append(out, tc)
	}
	return out
}

// handleCreateTemplate serves POST /{ver}/{waba}/message_templates.
func (s *Server) handleCreateTemplate(w http.ResponseWriter, r *http.Request) {
	waba := r.PathValue("id")
	s.mu.Lock()
	_, gerr := s.wabaToken(r, waba, "post")
	s.mu.Unlock()
	if gerr != nil {
		writeError(w, *gerr)
		return
	}
	d, gerr := readTemplateDef(w, r)
	if gerr != nil {
		writeError(w, *gerr)
		return
	}
	s.mu.Lock()
	gerr = s.validateDef(d)
	if gerr == nil {
		gerr = s.checkNew(waba, d)
	}
	if gerr != nil {
		s.mu.Unlock()
		writeError(w, *gerr)
		return
	}
	format := d.ParameterFormat
	if format == "" {
		format = "POSITIONAL"
	}
	t := Template{ID: numericID(s.nextSeq()), Name: d.Name, Language: d.Language, Status: "PENDING",
		Category: d.Category, ParameterFormat: format, Components: componentsOf(d)}
	s.templates[waba] = append(s.templates[waba], t)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"id": t.ID, "status": t.Status, "category": t.Category})
	s.scheduleReview(waba, t)
}

// checkNew refuses a name already used in the language and an account
// over its template limit; s.mu must be held.
func (s *Server) checkNew(waba string, d *templateDef) *graphError {
	names := map[string]bool{}
	for _, t := range s.templates[waba] {
		if t.Name == d.Name && sameLanguage(t.Language, d.Language) {
			return templateError(subDuplicate, "Content in This Language Already Exists",
				"There's already %s content for %s. Edit that template or create one with another name.", d.Language, d.Name)
		}
		names[t.Name] = true
	}
	if !names[d.Name] && len(names) >= maxTemplateNames {
		return templateError(subLimit, "Message Template Limit Exceeded", "The account already has %d template names.", maxTemplateNames)
	}
	return nil
}

// findTemplateByID returns the account and index of template id that tok
// may manage; s.mu must be held.
func (s *Server) findTemplateByID(id, tok string) (string, int, bool) {
	for waba, list := range s.templates {
		for i, t := range list {
			if t.ID == id && s.tokenSeesWABA(waba, tok) {
				return waba, i, true
			}
		}
	}
	return "", 0, false
}

// handleEditTemplate serves POST /{ver}/{template-id}: new components
// (all of them) and/or a new category. Only APPROVED, REJECTED and PAUSED
// templates can be edited; an approved one once a day and ten times in
// 30 days, and not its category. The template goes back to review.
func (s *Server) handleEditTemplate(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	tok, gerr := s.checkToken(r)
	s.mu.Unlock()
	if gerr != nil {
		writeError(w, *gerr)
		return
	}
	d, gerr := readTemplateDef(w, r)
	if gerr != nil {
		writeError(w, *gerr)
		return
	}
	s.mu.Lock()
	waba, i, ok := s.findTemplateByID(id, tok)
	if !ok {
		s.mu.Unlock()
		writeError(w, errUnknownObject("post", id))
		return
	}
	t, gerr := s.applyEdit(id, s.templates[waba][i], d)
	if gerr != nil {
		s.mu.Unlock()
		writeError(w, *gerr)
		return
	}
	s.templates[waba][i] = t
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
	s.scheduleReview(waba, t)
}

// applyEdit returns cur edited by d; s.mu must be held.
func (s *Server) applyEdit(id string, cur Template, d *templateDef) (Template, *graphError) {
	bad := func(format string, args ...any) (Template, *graphError) {
		return cur, templateError(0, "Template can't be edited", format, args...)
	}
	switch cur.Status {
	case "APPROVED", "REJECTED", "PAUSED":
	default:
		return bad("Only approved, rejected or paused templates can be edited; this one is %s.", cur.Status)
	}
	if d.Name != "" && d.Name != cur.Name || d.Language != "" && !sameLanguage(d.Language, cur.Language) {
		return bad("A template's name and language can't be changed.")
	}
	if len(d.Components) == 0 && d.Category == "" {
		return cur, required("components")
	}
	if d.Category != "" && d.Category != cur.Category && cur.Status == "APPROVED" {
		return bad("The category of an approved template can't be changed.")
	}
	now := s.now()
	if cur.Status == "APPROVED" {
		var recent []int64
		for _, at := range s.author().edits[id] {
			if now.Unix()-at < 30*24*3600 {
				recent = append(recent, at)
			}
		}
		if len(recent) >= 10 || len(recent) > 0 && now.Unix()-recent[len(recent)-1] < 24*3600 {
			return bad("An approved template can be edited once a day and 10 times in 30 days.")
		}
		s.author().edits[id] = append(recent, now.Unix())
	}
	nd := *d
	nd.Name, nd.Language = cur.Name, cur.Language
	if nd.Category == "" {
		nd.Category = cur.Category
	}
	if nd.ParameterFormat == "" {
		nd.ParameterFormat = cur.ParameterFormat
	}
	if len(nd.Components) == 0 {
		cur.Category = nd.Category
		cur.Status = "PENDING"
		return cur, nil
	}
	if gerr := s.validateDef(&nd); gerr != nil {
		return cur, gerr
	}
	cur.Category, cur.ParameterFormat, cur.Components, cur.Status = nd.Category, nd.ParameterFormat, componentsOf(&nd), "PENDING"
	return cur, nil
}

// handleDeleteTemplate serves DELETE /{ver}/{waba}/message_templates?name=
// (every language) or with hsm_id (one). Disabled templates can't be
// deleted. Each deleted template fires a DELETED status webhook.
func (s *Server) handleDeleteTemplate(w http.ResponseWriter, r *http.Request) {
	waba := r.PathValue("id")
	name, hsm := r.URL.Query().Get("name"), r.URL.Query().Get("hsm_id")
	s.mu.Lock()
	_, gerr := s.wabaToken(r, waba, "delete")
	if gerr == nil && name == "" {
		gerr = required("name")
	}
	var gone []Template
	if gerr == nil {
		var kept []Template
		for _, t := range s.templates[waba] {
			if t.Name == name && (hsm == "" || t.ID == hsm) {
				gone = append(gone, t)
				if t.Status == "DISABLED" {
					gerr = templateError(0, "Template can't be deleted", "Disabled templates can't be deleted.")
				}
				continue
			}
			kept = append(kept, t)
		}
		switch {
		case gerr != nil:
		case len(gone) == 0:
			gerr = templateError(0, "Template not found", "The account has no template %s.", name)
		default:
			s.templates[waba] = kept
		}
	}
	s.mu.Unlock()
	if gerr != nil {
		writeError(w, *gerr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
	for _, t := range gone {
		s.queueTemplateWebhook(waba, "message_template_status_update", templateValue(t, map[string]any{"event": "DELETED", "reason": "NONE"}))
	}
}

// handlePostObject serves POST /{ver}/{id}: upload data for an upload
// session id ("upload:…") and edits of a template id.
func (s *Server) handlePostObject(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if strings.HasPrefix(id, "upload:") {
		s.handleUploadData(w, r, id)
		return
	}
	s.handleEditTemplate(w, r, id)
}
