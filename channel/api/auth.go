package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// HashToken returns the stored form of an admin token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewToken returns a random token of n random bytes, base32-encoded in
// lower case (URL-safe, nothing to escape).
func NewToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// requireAdmin checks the bearer token against hash.
func requireAdmin(hash string) fiber.Handler {
	want := []byte(hash)
	return func(c *fiber.Ctx) error {
		h := c.Get(fiber.HeaderAuthorization)
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" || subtle.ConstantTimeCompare([]byte(HashToken(token)), want) != 1 {
			return ErrUnauthorized
		}
		return c.Next()
	}
}
