package graphemu

import (
	"strings"
	"testing"
)

func TestInteractiveCTAAndLocationRequest(t *testing.T) {
	_, base := start(t, Options{Statuses: []string{}}, nil)
	url := base + "/v25.0/" + pnid + "/messages"
	send := func(interactive string) string {
		return `{"messaging_product":"whatsapp","to":"447700900001","type":"interactive","interactive":` + interactive + `}`
	}
	tests := []struct {
		name, body string
		code       int // 0 = accepted
	}{
		{"cta", send(`{"type":"cta_url","body":{"text":"See"},"action":{"name":"cta_url","parameters":{"display_text":"Open","url":"https://a.example"}}}`), 0},
		{"cta image header", send(`{"type":"cta_url","header":{"type":"image","image":{"link":"https://a.example/i.png"}},"body":{"text":"See"},"action":{"name":"cta_url","parameters":{"display_text":"Open","url":"https://a.example"}}}`), 0},
		{"cta long text", send(`{"type":"cta_url","body":{"text":"See"},"action":{"name":"cta_url","parameters":{"display_text":"` + strings.Repeat("o", 21) + `","url":"https://a.example"}}}`), 131009},
		{"cta no url", send(`{"type":"cta_url","body":{"text":"See"},"action":{"name":"cta_url","parameters":{"display_text":"Open"}}}`), 100},
		{"cta no body", send(`{"type":"cta_url","action":{"name":"cta_url","parameters":{"display_text":"Open","url":"https://a.example"}}}`), 100},
		{"location request", send(`{"type":"location_request_message","body":{"text":"Where?"},"action":{"name":"send_location"}}`), 0},
		{"location request wrong action", send(`{"type":"location_request_message","body":{"text":"Where?"},"action":{"name":"send"}}`), 100},
		{"location request footer", send(`{"type":"location_request_message","body":{"text":"Where?"},"footer":{"text":"f"},"action":{"name":"send_location"}}`), 131009},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out, _ := call(t, "POST", url, token, tt.body)
			code, _ := errCode(out)
			if tt.code == 0 && status != 200 || tt.code != 0 && code != tt.code {
				t.Fatalf("= %d %v, want code %d", status, out, tt.code)
			}
		})
	}
}
