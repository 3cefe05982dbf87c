package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"slices"
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

// Principal is who made a request: the admin, an API key limited to some
// channels, or an agent signed in to the web console.
type Principal struct {
	Admin bool
	// KeyID names the API key; empty for the admin.
	KeyID string
	// Channels are the channel ids an API key may use.
	Channels []string
	// Agent is the extension of an agent; the routes open to agents
	// (AdminOrAgent) check what it may do.
	Agent string
}

// HeaderActAs, on a request made with the admin token to an API whose
// Options set ActAs, makes it a request of the agent with that extension:
// the web console calls the API with its user's rights, never more.
const HeaderActAs = "X-Wachan-Act-As-Agent"

// CanUse reports whether p may act on the channel.
func (p *Principal) CanUse(channelID string) bool {
	return p.Admin || slices.Contains(p.Channels, channelID)
}

// KeyAuthenticator returns the principal of an API key, or false.
type KeyAuthenticator func(token string) (*Principal, bool)

const localPrincipal = "wachan.principal"

// PrincipalOf returns the request's authenticated principal.
func PrincipalOf(c *fiber.Ctx) *Principal {
	p, _ := c.Locals(localPrincipal).(*Principal)
	if p == nil {
		return &Principal{}
	}
	return p
}

// AdminOnly refuses requests not made with the admin token.
func AdminOnly(c *fiber.Ctx) error {
	if !PrincipalOf(c).Admin {
		return ErrForbidden
	}
	return c.Next()
}

// AdminOrAgent admits the admin and agents (whose rights the handler
// checks), refusing API keys.
func AdminOrAgent(c *fiber.Ctx) error {
	if p := PrincipalOf(c); !p.Admin && p.Agent == "" {
		return ErrForbidden
	}
	return c.Next()
}

// authenticate accepts the admin token (checked against hash) or an API
// key accepted by keys, and records the principal. Failures are logged
// and limited per client address by guard.
func authenticate(hash string, keys KeyAuthenticator, guard *failureGuard, actAs bool) fiber.Handler {
	want := []byte(hash)
	return func(c *fiber.Ctx) error {
		ip := c.IP()
		if guard.blocked(ip) {
			c.Set(fiber.HeaderRetryAfter, "60")
			return ErrTooManyFailures
		}
		scheme, token, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			guard.failed(c, ip)
			return ErrUnauthorized
		}
		if subtle.ConstantTimeCompare([]byte(HashToken(token)), want) == 1 {
			p := &Principal{Admin: true}
			if ext := c.Get(HeaderActAs); actAs && ext != "" {
				p = &Principal{Agent: ext}
			}
			c.Locals(localPrincipal, p)
			return c.Next()
		}
		if keys != nil {
			if p, ok := keys(token); ok {
				c.Locals(localPrincipal, p)
				return c.Next()
			}
		}
		guard.failed(c, ip)
		return ErrUnauthorized
	}
}
