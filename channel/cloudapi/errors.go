package cloudapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// APIError is an error answer from the Graph API in Meta's envelope
// {error:{message,type,code,error_subcode,error_data:{details},fbtrace_id}}.
// Handling is keyed on Code (and Details), never on HTTPStatus.
type APIError struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string
	Message    string
	Details    string
	FBTraceID  string
	// UserTitle and UserMessage are Meta's error_user_title and
	// error_user_msg, which template management errors carry.
	UserTitle   string
	UserMessage string
}

// Error describes the failure with Meta's code, message and details.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "graph api error %d", e.Code)
	if e.Subcode != 0 {
		fmt.Fprintf(&b, "/%d", e.Subcode)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Details != "" {
		b.WriteString(" (")
		b.WriteString(e.Details)
		b.WriteString(")")
	}
	if e.UserTitle != "" || e.UserMessage != "" {
		b.WriteString(": ")
		b.WriteString(strings.TrimSpace(e.UserTitle + ". " + e.UserMessage))
	}
	if e.FBTraceID != "" {
		b.WriteString(" [fbtrace_id ")
		b.WriteString(e.FBTraceID)
		b.WriteString("]")
	}
	return b.String()
}

// Class tells how a caller should react to e.
func (e *APIError) Class() Class { return classOfCode(e.Code, e.HTTPStatus) }

// Explain returns a plain-English explanation and fix for e, looking at
// both its message and details.
func (e *APIError) Explain() string {
	return Explain(e.Code, e.Subcode, strings.TrimSpace(e.Message+" "+e.Details))
}

// StatusError is an HTTP error answer that carries no Graph API envelope,
// such as a proxy's 502 page or a 404 from an expired media URL.
type StatusError struct {
	HTTPStatus int
	Body       string // first bytes of the answer
}

// Error describes the status and the start of the body.
func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("unexpected http status %d", e.HTTPStatus)
	}
	return fmt.Sprintf("unexpected http status %d: %s", e.HTTPStatus, e.Body)
}

// envelope is Meta's error answer.
type envelope struct {
	Error *struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		Subcode   int    `json:"error_subcode"`
		FBTraceID string `json:"fbtrace_id"`
		UserTitle string `json:"error_user_title"`
		UserMsg   string `json:"error_user_msg"`
		ErrorData struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"error"`
}

// parseError turns an error answer into *APIError or *StatusError. Any copy
// of token that the server echoed (Meta does for malformed tokens) is
// scrubbed.
func parseError(status int, body []byte, token string) error {
	var env envelope
	if json.Unmarshal(body, &env) == nil && env.Error != nil && (env.Error.Code != 0 || env.Error.Message != "") {
		return &APIError{
			HTTPStatus:  status,
			Code:        env.Error.Code,
			Subcode:     env.Error.Subcode,
			Type:        scrub(env.Error.Type, token),
			Message:     scrub(env.Error.Message, token),
			Details:     scrub(env.Error.ErrorData.Details, token),
			FBTraceID:   scrub(env.Error.FBTraceID, token),
			UserTitle:   scrub(env.Error.UserTitle, token),
			UserMessage: scrub(env.Error.UserMsg, token),
		}
	}
	// Scrub first: a cut could leave the start of the token behind.
	const maxBody = 256
	s := scrub(strings.TrimSpace(string(body)), token)
	if len(s) > maxBody {
		cut := maxBody
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return &StatusError{HTTPStatus: status, Body: s}
}

func scrub(s, token string) string {
	if token == "" || !strings.Contains(s, token) {
		return s
	}
	return strings.ReplaceAll(s, token, "[redacted]")
}
