package wa

import (
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, fx := range loadFixtures(f) {
		f.Add(fx.body)
	}
	for _, b := range otherJSONFiles(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"edit","edit":{"message":{"type":"reaction","reaction":{}}}}]}}]}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := Parse(body)
		if err != nil {
			if events != nil {
				t.Fatalf("events %v returned with error %v", events, err)
			}
			return
		}
		for _, ev := range events {
			if ev.Kind == "" {
				t.Fatalf("event without kind: %+v", ev)
			}
			if m := ev.Message; m != nil {
				s := m.Summary()
				if s == "" || strings.ContainsAny(s, "\r\n") {
					t.Fatalf("Summary() = %q", s)
				}
				_ = m.CustomerKey()
			}
			if s := ev.Status; s != nil {
				_ = StatusRank(s.Status)
			}
		}
	})
}

func FuzzVerifySignature(f *testing.F) {
	for _, fx := range loadFixtures(f) {
		f.Add("secret", Sign("secret", fx.body), fx.body)
	}
	f.Add("", "", []byte{})
	f.Add("k", "sha256=", []byte("x"))
	f.Add("k", "sha256=zz", []byte("x"))
	f.Fuzz(func(t *testing.T, secret, header string, body []byte) {
		got := VerifySignature(secret, header, body)
		if got && header != Sign(secret, body) && strings.TrimSpace(strings.ToLower(header)) != Sign(secret, body) {
			t.Fatalf("VerifySignature accepted %q, the signature is %q", header, Sign(secret, body))
		}
		if want := secret != ""; VerifySignature(secret, Sign(secret, body), body) != want {
			t.Fatalf("own signature: got %v, want %v", !want, want)
		}
	})
}
