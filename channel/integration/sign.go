package integration

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Event webhook request headers.
const (
	// HeaderSignature carries "sha256=" and the hex HMAC-SHA256 of the
	// body keyed with the API key's webhook secret.
	HeaderSignature = "X-Wachan-Signature-256"
	// HeaderEvent names the event, e.g. "message.inbound".
	HeaderEvent = "X-Wachan-Event"
	// HeaderEventID is the event's unique id (also in the body); receivers
	// use it to drop redeliveries.
	HeaderEventID = "X-Wachan-Event-Id"
	// HeaderTimestamp is the Unix time of the delivery attempt.
	HeaderTimestamp = "X-Wachan-Timestamp"
)

// Sign returns the HeaderSignature value for body.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether header is a valid HeaderSignature of body, in
// constant time.
func Verify(secret string, body []byte, header string) bool {
	got, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	sum, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(sum, mac.Sum(nil))
}
