package api

import (
	"log/slog"
	"sync"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/time/rate"
)

// ErrTooManyFailures refuses a client that failed to authenticate too
// often; it may try again after the Retry-After header's seconds.
var ErrTooManyFailures = &Error{Status: fiber.StatusTooManyRequests, Code: "rate_limited",
	Message: "too many failed authentications from your address; wait a minute"}

// failureGuard counts failed authentications per client address: after a
// burst, that address is refused (even with a right token) until its
// allowance refills, so tokens cannot be guessed at speed.
type failureGuard struct {
	log   *slog.Logger
	every rate.Limit
	burst int

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

func newFailureGuard(log *slog.Logger, every rate.Limit, burst int) *failureGuard {
	return &failureGuard{log: log, every: every, burst: burst, limiters: map[string]*rate.Limiter{}}
}

// blocked reports whether ip used up its failures.
func (g *failureGuard) blocked(ip string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.limiters[ip]
	return l != nil && l.Tokens() < 1
}

// failed records a failed authentication from ip and logs it (once more
// when the address becomes blocked, then not until it may try again).
func (g *failureGuard) failed(c *fiber.Ctx, ip string) {
	g.mu.Lock()
	l := g.limiters[ip]
	if l == nil {
		if len(g.limiters) >= 10000 {
			for k, v := range g.limiters {
				if v.Tokens() >= float64(g.burst) {
					delete(g.limiters, k)
				}
			}
		}
		l = rate.NewLimiter(g.every, g.burst)
		g.limiters[ip] = l
	}
	l.Allow()
	left := l.Tokens()
	g.mu.Unlock()
	g.log.Warn("API authentication failed", slog.String("ip", ip), slog.String("method", c.Method()), slog.String("path", c.Path()))
	if left < 1 {
		g.log.Warn("API authentication failures rate limited", slog.String("ip", ip))
	}
}
