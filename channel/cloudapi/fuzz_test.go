package cloudapi

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// realToken looks like a Meta access token: long, alphanumeric.
var realToken = regexp.MustCompile(`^[A-Za-z0-9]{12,}$`)

// viaJSON returns s as it reads back after travelling as a JSON string
// (invalid UTF-8 becomes U+FFFD).
func viaJSON(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b, _ := json.Marshal(s)
	var out string
	json.Unmarshal(b, &out)
	return out
}

// FuzzErrorEnvelope encodes Meta's error envelope from fuzzed fields,
// often with the access token echoed in the message or details as Meta
// does for malformed tokens, and checks that parseError reads every field
// back, scrubs the token, and classifies without panicking.
func FuzzErrorEnvelope(f *testing.F) {
	const tok = "EAAGm0PX4ZCpsBAKZCZAx7ZC"
	seeds := []struct {
		status, code, sub        int
		typ, msg, details, trace string
		token                    string
	}{
		{401, 190, 463, "OAuthException", "Error validating access token: Session has expired on Sunday.", "", "AbCdEf", tok},
		{400, 190, 0, "OAuthException", "Malformed access token " + tok, "", "A1", tok},
		{400, 131047, 0, "OAuthException", "(#131047) Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number.", "Az9", tok},
		{429, 130429, 0, "OAuthException", "(#130429) Rate limit hit", "Cloud API message throughput has been reached.", "x", tok},
		{400, 131056, 0, "OAuthException", "(#131056) (Business Account, Consumer Account) pair rate limit hit", "", "y", tok},
		{503, 131016, 0, "OAuthException", "(#131016) Service unavailable", "", "z", ""},
		{400, 100, 2494010, "OAuthException", "(#100) Invalid parameter", "token " + tok + " in details", "", tok},
		{500, 0, 0, "", "", "", "", tok},
		{403, 368, 1390008, "OAuthException", "(#368) Temporarily blocked", tok + tok, "", tok},
	}
	for _, s := range seeds {
		f.Add(s.status, s.code, s.sub, s.typ, s.msg, s.details, s.trace, s.token)
	}
	f.Fuzz(func(t *testing.T, status, code, sub int, typ, msg, details, trace, token string) {
		if !realToken.MatchString(token) || strings.Contains("[redacted]", token) {
			token = tok
		}
		var env struct {
			Error struct {
				Message   string `json:"message"`
				Type      string `json:"type"`
				Code      int    `json:"code"`
				Subcode   int    `json:"error_subcode"`
				FBTraceID string `json:"fbtrace_id"`
				ErrorData struct {
					Details string `json:"details"`
				} `json:"error_data"`
			} `json:"error"`
		}
		env.Error.Message, env.Error.Type, env.Error.Code, env.Error.Subcode = msg, typ, code, sub
		env.Error.FBTraceID, env.Error.ErrorData.Details = trace, details
		body, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		got := parseError(status, body, token)
		if got == nil {
			t.Fatal("nil error")
		}
		scrubbed := func(s string) string { return strings.ReplaceAll(viaJSON(s), token, "[redacted]") }
		apiErr, ok := got.(*APIError)
		if (code != 0 || msg != "") != ok {
			t.Fatalf("parseError(%s) = %T", body, got)
		}
		if !ok {
			st, isStatus := got.(*StatusError)
			if !isStatus || st.HTTPStatus != status || strings.Contains(st.Body, token) {
				t.Fatalf("parseError(%s) = %#v", body, got)
			}
			return
		}
		want := APIError{
			HTTPStatus: status, Code: code, Subcode: sub, Type: viaJSON(typ),
			Message: scrubbed(msg), Details: scrubbed(details), FBTraceID: viaJSON(trace),
		}
		if *apiErr != want {
			t.Fatalf("parseError(%s)\n got %#v\nwant %#v", body, *apiErr, want)
		}
		if strings.Contains(apiErr.Message, token) || strings.Contains(apiErr.Details, token) {
			t.Fatalf("token left in %#v", apiErr)
		}
		if !strings.HasPrefix(apiErr.Error(), "graph api error ") || apiErr.Explain() == "" {
			t.Fatalf("Error() = %q, Explain() = %q", apiErr.Error(), apiErr.Explain())
		}
		if c := apiErr.Class(); c != ClassOf(got) || c.String() == "unknown" {
			t.Fatalf("Class() = %v, ClassOf = %v", c, ClassOf(got))
		}
		if code == 190 && apiErr.Class() != RefreshToken {
			t.Fatalf("code 190 classed %v", apiErr.Class())
		}
	})
}

// FuzzErrorBody feeds arbitrary answer bodies, some embedding the token:
// the result is one of the two error types, carries the status, never the
// whole token, and a body without an envelope is kept short.
func FuzzErrorBody(f *testing.F) {
	const tok = "EAAGm0PX4ZCpsBAKZCZAx7ZC"
	for _, b := range []string{
		`{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"more than 24 hours"},"fbtrace_id":"Az"}}`,
		`{"error":{"message":"Malformed access token ` + tok + `","type":"OAuthException","code":190,"fbtrace_id":"A"}}`,
		`<html><body>502 Bad Gateway ` + tok + `</body></html>`,
		`{"error":null}`, `{"error":{}}`, `{"error":{"code":"190"}}`, `[]`, ``,
		strings.Repeat("x", 300) + tok,
		`{"error":{"code":1e400}}`,
	} {
		f.Add(502, []byte(b), tok)
	}
	f.Fuzz(func(t *testing.T, status int, body []byte, token string) {
		if !realToken.MatchString(token) || strings.Contains("[redacted]", token) {
			token = tok
		}
		got := parseError(status, body, token)
		switch e := got.(type) {
		case *APIError:
			if e.HTTPStatus != status || (e.Code == 0 && e.Message == "") {
				t.Fatalf("%#v", e)
			}
			if strings.Contains(e.Message, token) || strings.Contains(e.Details, token) {
				t.Fatalf("token left in %#v", e)
			}
			_ = e.Explain()
		case *StatusError:
			if e.HTTPStatus != status || strings.Contains(e.Body, token) {
				t.Fatalf("%#v", e)
			}
			if len(e.Body) > 256+strings.Count(e.Body, "[redacted]")*len("[redacted]") {
				t.Fatalf("body of %d bytes kept", len(e.Body))
			}
			if errors.Is(got, ErrMissingArgument) {
				t.Fatal("status error matches ErrMissingArgument")
			}
		default:
			t.Fatalf("parseError = %T", got)
		}
		if got.Error() == "" {
			t.Fatal("empty message")
		}
	})
}
