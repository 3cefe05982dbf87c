package graphemu

import (
	"net/http"
	"strings"
)

// handleGet serves GET /{ver}/{id}: a phone number's profile, a media
// descriptor or a WABA, dispatched by which store holds id. Anything else is
// 100 / subcode 33 "Unsupported get request".
func (s *Server) handleGet(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	tok, gerr := s.checkToken(r)
	if gerr != nil {
		s.mu.Unlock()
		writeError(w, *gerr)
		return
	}
	if n := s.numbers[id]; n != nil {
		if n.Token != tok {
			s.mu.Unlock()
			writeError(w, errUnknownObject("get", id))
			return
		}
		if f, ok := s.takeFault(id); ok {
			s.mu.Unlock()
			s.reject(w, id, f)
			return
		}
		info := n.profile()
		info["webhook_configuration"] = s.webhookConfiguration(n)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, selectFields(info, r.URL.Query().Get("fields")))
		return
	}
	if m := s.media[id]; m != nil {
		desc, gerr := s.resolveMedia(r, m, tok)
		s.mu.Unlock()
		if gerr != nil {
			writeError(w, *gerr)
			return
		}
		writeJSON(w, http.StatusOK, desc)
		return
	}
	if s.tokenSeesWABA(id, tok) {
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, selectFields(map[string]any{"id": id, "name": "WhatsApp Business Account " + id}, r.URL.Query().Get("fields")))
		return
	}
	s.mu.Unlock()
	writeError(w, errUnknownObject("get", id))
}

// handleDelete serves DELETE /{ver}/{media-id}.
func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, gerr := s.checkToken(r)
	if gerr != nil {
		writeError(w, *gerr)
		return
	}
	m := s.media[id]
	if m == nil || !s.canRead(m, tok) {
		writeError(w, errUnknownObject("delete", id))
		return
	}
	if p := r.URL.Query().Get("phone_number_id"); p != "" && m.owner != "" && p != m.owner {
		writeError(w, errUnknownObject("delete", id))
		return
	}
	s.deleteMedia(m)
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// profile is the phone number node Meta returns.
func (n *number) profile() map[string]any {
	quality := n.QualityRating
	if quality == "" {
		quality = "GREEN"
	}
	status, platform := "CONNECTED", "CLOUD_API"
	if n.Unregistered {
		// Added and verified but not registered: Meta shows PENDING
		// until POST /{phone-number-id}/register.
		status, platform = "PENDING", "NOT_APPLICABLE"
	}
	level := "STANDARD"
	if n.Rate > 80 {
		level = "HIGH"
	}
	return map[string]any{
		"id":                       n.PhoneNumberID,
		"display_phone_number":     n.DisplayPhoneNumber,
		"verified_name":            n.VerifiedName,
		"quality_rating":           quality,
		"code_verification_status": "VERIFIED",
		"platform_type":            platform,
		"throughput":               map[string]string{"level": level},
		"name_status":              "APPROVED",
		"status":                   status,
		"messaging_limit_tier":     "TIER_1K",
	}
}

// selectFields keeps the comma-separated fields of node (and id); an
// empty list keeps everything.
func selectFields(node map[string]any, fields string) map[string]any {
	if strings.TrimSpace(fields) == "" {
		return node
	}
	out := map[string]any{"id": node["id"]}
	for f := range strings.SplitSeq(fields, ",") {
		f = strings.TrimSpace(f)
		if v, ok := node[f]; ok {
			out[f] = v
		}
	}
	return out
}
