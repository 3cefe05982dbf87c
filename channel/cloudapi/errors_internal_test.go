package cloudapi

import (
	"strings"
	"testing"
)

func FuzzParseError(f *testing.F) {
	f.Add(400, []byte(`{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"more than 24 hours"},"fbtrace_id":"Az"}}`))
	f.Add(502, []byte(`<html>bad gateway</html>`))
	f.Add(401, []byte(`{"error":{"message":"Malformed access token SECRET-TOKEN","code":190}}`))
	f.Add(500, []byte(`{"error":null}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		const token = "SECRET-TOKEN"
		err := parseError(status, body, token)
		if err == nil {
			t.Fatal("nil error")
		}
		if strings.Contains(err.Error(), token) {
			t.Fatalf("token leaked: %v", err)
		}
		if e, ok := err.(*APIError); ok {
			if e.HTTPStatus != status {
				t.Fatalf("status %d, want %d", e.HTTPStatus, status)
			}
			_ = e.Class()
			_ = e.Explain()
		}
	})
}

// TestExplainReferenceTable checks that every code of the reference table
// has its own explanation rather than the generic sentence.
func TestExplainReferenceTable(t *testing.T) {
	codes := []int{0, 2, 3, 4, 10, 100, 190, 200, 250, 299, 368, 80007, 130429, 131000, 131016,
		131026, 131047, 131048, 131049, 131050, 131051, 131052, 131053, 131056, 131057,
		132000, 132001, 132005, 132007, 132012, 132015, 132016, 133004, 133010}
	for _, c := range codes {
		got := Explain(c, 0, "")
		if got == "" || strings.HasPrefix(got, "WhatsApp returned error") {
			t.Errorf("code %d has no specific explanation: %q", c, got)
		}
	}
}
