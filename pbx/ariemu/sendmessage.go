package ariemu

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// sendParams are sendMessage's parameters from the query and the body.
type sendParams struct {
	to, from, body          string
	hasTo, hasFrom, hasBody bool
	variables               map[string]string
}

// readSendParams merges the query with the JSON body, the body winning
// like in Asterisk. A "variables" that is not an object is ignored.
func readSendParams(req *http.Request) (sendParams, *response) {
	var p sendParams
	q := req.URL.Query()
	if v, ok := q["to"]; ok {
		p.to, p.hasTo = v[0], true
	}
	if v, ok := q["from"]; ok {
		p.from, p.hasFrom = v[0], true
	}
	if v, ok := q["body"]; ok {
		p.body, p.hasBody = v[0], true
	}
	raw, _ := io.ReadAll(req.Body)
	if len(raw) == 0 {
		return p, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return p, errorResponse(http.StatusBadRequest, "Error parsing request body")
	}
	str := func(key string, dst *string, has *bool) {
		var v string
		if m, ok := obj[key]; ok && json.Unmarshal(m, &v) == nil {
			*dst, *has = v, true
		}
	}
	str("to", &p.to, &p.hasTo)
	str("from", &p.from, &p.hasFrom)
	str("body", &p.body, &p.hasBody)
	var vars map[string]json.RawMessage
	if m, ok := obj["variables"]; ok && json.Unmarshal(m, &vars) == nil {
		p.variables = map[string]string{}
		for k, m := range vars {
			var v string
			if json.Unmarshal(m, &v) == nil {
				p.variables[k] = v
			}
		}
	}
	return p, nil
}

// sendMessageGeneric answers PUT /endpoints/sendMessage (to=pjsip:...).
func (s *Server) sendMessageGeneric(req *http.Request, _ []string) *response {
	p, resp := readSendParams(req)
	if resp != nil {
		return resp
	}
	if p.to == "" {
		return errorResponse(http.StatusBadRequest, "To must be specified")
	}
	tech, dest, _ := strings.Cut(p.to, ":")
	if !strings.EqualFold(tech, "pjsip") {
		return errorResponse(http.StatusNotFound, "Endpoint not found")
	}
	return s.sendTo(dest, p)
}

// sendMessageEndpoint answers PUT /endpoints/{tech}/{resource}/sendMessage.
func (s *Server) sendMessageEndpoint(req *http.Request, args []string) *response {
	p, resp := readSendParams(req)
	if resp != nil {
		return resp
	}
	if !strings.EqualFold(args[0], "PJSIP") {
		return errorResponse(http.StatusNotFound, "Endpoint not found")
	}
	s.mu.Lock()
	found := s.findEndpoint(args[1]) != nil
	s.mu.Unlock()
	if !found {
		return errorResponse(http.StatusNotFound, "Endpoint not found")
	}
	return s.sendTo(args[1], p)
}

// sendTo routes a PJSIP destination like res_pjsip_messaging: "endpoint"
// goes to its registered contact (404 when it has none), "endpoint/URI"
// goes to URI, and a bare URI needs a default_outbound_endpoint, which the
// recorded setup does not have (404).
func (s *Server) sendTo(dest string, p sendParams) *response {
	name, uri, hasURI := strings.Cut(dest, "/")
	if !hasURI && (strings.HasPrefix(dest, "sip:") || strings.HasPrefix(dest, "sips:") || strings.Contains(dest, "@")) {
		return errorResponse(http.StatusNotFound, "Endpoint not found")
	}
	s.mu.Lock()
	e := s.findEndpoint(name)
	if e == nil || (!hasURI && e.contact == "") {
		s.mu.Unlock()
		return errorResponse(http.StatusNotFound, "Endpoint not found")
	}
	if !hasURI {
		uri = e.contact
	}
	from := "(null)"
	if p.hasFrom {
		from = p.from
	}
	s.addInbox(e.name, Received{
		From:      sipFrom(from),
		URI:       uri,
		Body:      p.body,
		Variables: p.variables,
		Time:      s.now(),
	})
	s.mu.Unlock()
	return &response{status: http.StatusAccepted}
}

// sipFrom renders a sendMessage "from" the way it shows in the SIP From
// header (without its tag).
func sipFrom(from string) string {
	switch {
	case strings.Contains(from, "<"):
		return from
	case strings.HasPrefix(from, "sip:") || strings.HasPrefix(from, "sips:"):
		return "<" + from + ">"
	default:
		return "<sip:" + from + "@127.0.0.1>"
	}
}
