package wa

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestVerifySignatureEscapedBody(t *testing.T) {
	const secret = "app-secret"
	// Meta escapes non-ASCII characters; the reaction fixture keeps the
	// emoji as \ud83d\ude2e in its raw bytes.
	body := fixtureBody(t, "pywa/message.json/reaction")
	if !bytes.Contains(body, []byte(`\ud83d\ude2e`)) {
		t.Fatalf("fixture lost its \\u escapes: %s", body)
	}
	if !VerifySignature(secret, Sign(secret, body), body) {
		t.Fatal("signature over the raw escaped bytes does not verify")
	}

	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	reencoded, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(reencoded, []byte("😮")) {
		t.Fatalf("re-encoded body should carry the emoji unescaped: %s", reencoded)
	}
	if VerifySignature(secret, Sign(secret, body), reencoded) {
		t.Error("signature of the escaped body verifies the re-encoded body")
	}
}

func TestVerifySignature(t *testing.T) {
	const secret = "s3cret"
	body := []byte(`{"object":"whatsapp_business_account","entry":[]}`)
	good := Sign(secret, body)
	hexSum := strings.TrimPrefix(good, "sha256=")
	flipped := []byte(hexSum)
	if flipped[0] == '0' {
		flipped[0] = '1'
	} else {
		flipped[0] = '0'
	}
	tests := []struct {
		name   string
		secret string
		header string
		body   []byte
		want   bool
	}{
		{"valid", secret, good, body, true},
		{"upper-case hex", secret, "sha256=" + strings.ToUpper(hexSum), body, true},
		{"surrounding spaces", secret, " " + good + " ", body, true},
		{"missing header", secret, "", body, false},
		{"prefix only", secret, "sha256=", body, false},
		{"no prefix", secret, hexSum, body, false},
		{"wrong prefix", secret, "sha1=" + hexSum, body, false},
		{"upper-case prefix", secret, "SHA256=" + hexSum, body, false},
		{"bad hex", secret, "sha256=" + strings.Repeat("zz", 32), body, false},
		{"short", secret, good[:len(good)-2], body, false},
		{"long", secret, good + "00", body, false},
		{"one digit changed", secret, "sha256=" + string(flipped), body, false},
		{"wrong secret", "other", good, body, false},
		{"empty secret", "", Sign("", body), body, false},
		{"tampered body", secret, good, append(bytes.Clone(body), ' '), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerifySignature(tt.secret, tt.header, tt.body); got != tt.want {
				t.Errorf("VerifySignature(%q, %q) = %v, want %v", tt.secret, tt.header, got, tt.want)
			}
		})
	}
}

func TestSignKnownVector(t *testing.T) {
	// HMAC-SHA256 test case 2 of RFC 4231.
	got := Sign("Jefe", []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}
