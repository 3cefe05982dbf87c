package media

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// Link target kinds carried by a token.
const (
	// KindMessage tokens name a message whose media may still be fetching.
	KindMessage byte = 'm'
	// KindFile tokens name a stored file (outbound attachments).
	KindFile byte = 'f'
)

// Token verification errors. Handlers answer them without detail.
var (
	ErrBadToken     = errors.New("malformed media link")
	ErrTokenForged  = errors.New("media link signature does not match")
	ErrTokenExpired = errors.New("media link expired")
)

const (
	tokenVersion = 1
	payloadLen   = 1 + 1 + 8 + 8 // version, kind, id, expiry
	macLen       = 16
	tokenLen     = payloadLen + macLen
)

// Target is what a verified link points at.
type Target struct {
	Kind    byte
	ID      uint64
	Expires time.Time
}

// Signer issues and verifies opaque media link tokens: base64url of
// version, kind, id and expiry (Unix seconds), followed by a truncated
// HMAC-SHA256 under the install's secret. A token never holds a path.
type Signer struct {
	key []byte
}

// NewSigner returns a signer using key, which must be secret and at least
// 16 bytes long.
func NewSigner(key []byte) *Signer {
	return &Signer{key: append([]byte(nil), key...)}
}

// Sign returns the token for t.
func (s *Signer) Sign(t Target) string {
	var b [tokenLen]byte
	b[0] = tokenVersion
	b[1] = t.Kind
	binary.BigEndian.PutUint64(b[2:10], t.ID)
	binary.BigEndian.PutUint64(b[10:18], uint64(t.Expires.Unix()))
	copy(b[payloadLen:], s.mac(b[:payloadLen]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (s *Signer) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(payload)
	return m.Sum(nil)[:macLen]
}

// Verify checks token's form, signature and expiry at now and returns its
// target.
func (s *Signer) Verify(token string, now time.Time) (Target, error) {
	if len(token) != base64.RawURLEncoding.EncodedLen(tokenLen) {
		return Target{}, ErrBadToken
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) != tokenLen {
		return Target{}, ErrBadToken
	}
	if !hmac.Equal(b[payloadLen:], s.mac(b[:payloadLen])) {
		return Target{}, ErrTokenForged
	}
	t := Target{Kind: b[1], ID: binary.BigEndian.Uint64(b[2:10]), Expires: time.Unix(int64(binary.BigEndian.Uint64(b[10:18])), 0)}
	if b[0] != tokenVersion || (t.Kind != KindMessage && t.Kind != KindFile) || t.ID == 0 {
		return Target{}, ErrBadToken
	}
	if !now.Before(t.Expires) {
		return Target{}, ErrTokenExpired
	}
	return t, nil
}
