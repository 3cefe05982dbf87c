package integration

import (
	"crypto/subtle"
	"log/slog"
	"strings"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/store"
)

// Prefixes of the generated secrets, so that leaked ones are easy to
// recognise (and to search for in code and logs).
const (
	KeyPrefix    = "wk_"
	SecretPrefix = "whsec_"
)

// newKey returns a key id and the full secret key "wk_<id>_<random>".
func newKey() (id, secret string) {
	id = api.NewToken(8)
	return id, KeyPrefix + id + "_" + api.NewToken(24)
}

// keyID returns the id part of a secret key.
func keyID(secret string) (string, bool) {
	rest, ok := strings.CutPrefix(secret, KeyPrefix)
	if !ok {
		return "", false
	}
	id, _, ok := strings.Cut(rest, "_")
	return id, ok && id != ""
}

// Authenticate returns the principal of a secret API key, or false when
// the key is unknown, wrong or revoked. It reads the store on each call,
// so a revocation takes effect at once. It satisfies api.KeyAuthenticator.
func (s *Service) Authenticate(token string) (*api.Principal, bool) {
	id, ok := keyID(token)
	if !ok {
		return nil, false
	}
	var k *store.APIKey
	err := s.store.View(func(tx *store.Tx) (err error) { k, err = tx.APIKey(id); return })
	if err != nil {
		// An unknown id is the common case of a wrong key; only log store
		// trouble, and never the token.
		if !isNotFound(err) {
			s.log.Error("reading API key", slog.String("key", id), slog.Any("error", err))
		}
		return nil, false
	}
	if k.Revoked() || subtle.ConstantTimeCompare([]byte(api.HashToken(token)), []byte(k.Hash)) != 1 {
		return nil, false
	}
	return &api.Principal{KeyID: k.ID, Channels: append([]string(nil), k.Channels...)}, true
}
