package wa

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
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
		if !json.Valid(body) {
			t.Fatalf("Parse accepted invalid JSON %q", body)
		}
		if again, err := Parse(body); err != nil || !reflect.DeepEqual(again, events) {
			t.Fatalf("Parse is not deterministic: %v", err)
		}
		for _, ev := range events {
			if ev.Kind == "" {
				t.Fatalf("event without kind: %+v", ev)
			}
			if ev.Raw != nil && !json.Valid(ev.Raw) {
				t.Fatalf("event %s Raw is not JSON: %q", ev.Kind, ev.Raw)
			}
			if ev.Raw != nil && !bytes.Contains(body, ev.Raw) {
				t.Fatalf("event %s Raw is not a slice of the body", ev.Kind)
			}
			want := map[Kind]bool{
				KindMessage: ev.Message != nil, KindMessageEcho: ev.Message != nil, KindStatus: ev.Status != nil,
				KindTemplateStatus: ev.Template != nil, KindTemplateQuality: ev.Template != nil,
				KindTemplateCategory: ev.Template != nil, KindTemplateComponents: ev.Template != nil,
				KindPhoneQuality: ev.PhoneQuality != nil, KindAccountUpdate: ev.Account != nil,
				KindUserPreference: ev.Preference != nil, KindError: len(ev.Errors) > 0, KindOther: true,
			}
			if ok, known := want[ev.Kind]; !known || !ok {
				t.Fatalf("event of kind %q lacks its payload (or the kind is unknown): %+v", ev.Kind, ev)
			}
			for _, s := range []string{ev.Field, ev.WABAID, ev.PhoneNumberID, ev.DisplayPhoneNumber} {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 in %+v", ev)
				}
			}
			if m := ev.Message; m != nil {
				s := m.Summary()
				// One line, but for a Flow answer's fields, one per line.
				form := m.Interactive != nil && m.Interactive.Type == "nfm_reply"
				if s == "" || strings.ContainsAny(s, "\r\u2028\u2029") || (!form && strings.Contains(s, "\n")) ||
					strings.Contains(s, "\n\n") || !utf8.ValidString(s) {
					t.Fatalf("Summary() = %q", s)
				}
				if m.Echo != (ev.Kind == KindMessageEcho) {
					t.Fatalf("Echo = %v for a %s", m.Echo, ev.Kind)
				}
				if k := m.CustomerKey(); !utf8.ValidString(k) {
					t.Fatalf("CustomerKey() = %q", k)
				}
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

// FuzzSignatureTamper checks that any change to the body, the signature or
// the secret is refused: the only accepted header is the HMAC of these
// exact bytes under this exact secret.
func FuzzSignatureTamper(f *testing.F) {
	for i, fx := range loadFixtures(f) {
		if i%8 == 0 {
			f.Add("app-secret-0123456789abcdef", fx.body, uint(i*7), byte(1<<(i%8)))
		}
	}
	f.Add("s", []byte{}, uint(0), byte(1))
	f.Add("\x00", []byte("{}"), uint(3), byte(0x80))
	f.Fuzz(func(t *testing.T, secret string, body []byte, pos uint, mask byte) {
		if secret == "" || mask == 0 {
			return
		}
		sig := Sign(secret, body)
		if !VerifySignature(secret, sig, body) {
			t.Fatalf("own signature refused")
		}
		// One bit flipped in the body.
		if len(body) > 0 {
			b := bytes.Clone(body)
			b[pos%uint(len(b))] ^= mask
			if VerifySignature(secret, sig, b) {
				t.Fatalf("tampered body accepted")
			}
		}
		// Appended or truncated body.
		if VerifySignature(secret, sig, append(bytes.Clone(body), ' ')) {
			t.Fatalf("extended body accepted")
		}
		if len(body) > 0 && VerifySignature(secret, sig, body[:len(body)-1]) {
			t.Fatalf("truncated body accepted")
		}
		// One bit flipped in the hex digits of the signature: either it is
		// no longer hex, or it names another MAC.
		h := []byte(sig)
		i := len("sha256=") + int(pos%uint(len(h)-len("sha256=")))
		h[i] ^= mask
		if VerifySignature(secret, string(h), body) && !strings.EqualFold(string(h), sig) {
			t.Fatalf("tampered signature %q accepted", h)
		}
		// Another secret, including one that differs only by case or a
		// trailing byte. (HMAC pads short keys with zero bytes, so a key
		// and the same key plus trailing NULs are one key.)
		for _, other := range []string{secret + "x", strings.ToUpper(secret), secret[:len(secret)-1]} {
			// (Upper-casing a secret without letters leaves it as it is.)
			same := other == secret || len(other) <= 64 && len(secret) <= 64 && strings.TrimRight(other, "\x00") == strings.TrimRight(secret, "\x00")
			if !same && VerifySignature(other, sig, body) {
				t.Fatalf("signature under %q accepted with secret %q", secret, other)
			}
		}
		// Headers built around the right MAC but not exactly it.
		for _, hdr := range []string{sig + sig[7:], "sha256 =" + sig[7:], sig[7:], "sha256=" + sig, sig + "\x00", "\x00" + sig} {
			if VerifySignature(secret, hdr, body) {
				t.Fatalf("header %q accepted", hdr)
			}
		}
	})
}
