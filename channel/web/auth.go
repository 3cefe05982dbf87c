package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"regexp"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/wachan/wachan/store"
)

// Roles of a web session.
const (
	roleAdmin = store.RoleAdmin
	roleAgent = store.RoleAgent
)

// loginCookie carries the pre-session CSRF token of the sign-in forms.
const loginCookie = "wachan_login"

const localSession = "wachan.websession"

func cookieName(role string) string { return "wachan_" + role }

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// webSession returns the request's session (set by require).
func webSession(c *fiber.Ctx) *store.WebSession {
	s, _ := c.Locals(localSession).(*store.WebSession)
	return s
}

func (w *Web) setCookie(c *fiber.Ctx, name, value string, ttl time.Duration) {
	ck := &fiber.Cookie{Name: name, Value: value, Path: "/", HTTPOnly: true, Secure: w.opts.Secure, SameSite: fiber.CookieSameSiteStrictMode}
	if ttl < 0 {
		ck.Expires = time.Unix(1, 0)
		ck.MaxAge = -1
	} else if ttl > 0 {
		ck.Expires = time.Now().Add(ttl)
		ck.MaxAge = int(ttl / time.Second)
	}
	c.Cookie(ck)
}

// require admits only signed-in sessions of role and checks the CSRF token
// of every POST.
func (w *Web) require(role string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		cookie := c.Cookies(cookieName(role))
		var s *store.WebSession
		if cookie != "" {
			err := w.st.View(func(tx *store.Tx) (err error) {
				if s, err = tx.WebSession(cookie, time.Now()); err != nil {
					return err
				}
				if !w.credentialCurrent(tx, s) {
					s = nil
				}
				return nil
			})
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return w.fail(c, fiber.StatusInternalServerError, "The database could not be read; see the daemon's log.")
			}
		}
		if s == nil || s.Role != role {
			if c.Path() == "/"+role+"/events" {
				// 204 tells EventSource to stop reconnecting.
				return c.SendStatus(fiber.StatusNoContent)
			}
			if c.Method() == fiber.MethodGet {
				return c.Redirect("/"+role+"/login", fiber.StatusSeeOther)
			}
			return w.fail(c, fiber.StatusUnauthorized, "Your sign-in has expired. Sign in again.")
		}
		if c.Method() == fiber.MethodPost {
			token := c.FormValue("csrf")
			if token == "" {
				token = c.Get("X-CSRF-Token")
			}
			if !sameToken(token, s.CSRF) {
				w.log.Warn("web form refused: bad CSRF token", slog.String("path", c.Path()), slog.String("ip", c.IP()))
				return w.fail(c, fiber.StatusForbidden, "This form has expired or did not come from this panel. Go back, reload the page and try again.")
			}
		}
		c.Locals(localSession, s)
		return c.Next()
	}
}

// credentialDigest identifies a stored credential hash (the admin token's
// or a user's password hash) without revealing it.
func credentialDigest(hash string) string {
	sum := sha256.Sum256([]byte("wachan web session\x00" + hash))
	return hex.EncodeToString(sum[:16])
}

// credentialCurrent reports whether the credential s was signed in with is
// still the one in force: a new password, a rotated admin token or a
// deleted user ends the session.
func (w *Web) credentialCurrent(tx *store.Tx, s *store.WebSession) bool {
	want := ""
	if s.User == "" {
		want = credentialDigest(w.opts.AdminTokenHash)
	} else {
		u, err := tx.User(s.User)
		if err != nil || u.Role != s.Role {
			return false
		}
		want = credentialDigest(u.PasswordHash)
	}
	return sameToken(s.Credential, want)
}

// nameHint identifies what was typed in a sign-in form's name field for
// the log without repeating it: a mistyped password must not end up there.
func nameHint(name string) string {
	if name == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(name))
	return "sha256:" + hex.EncodeToString(sum[:4])
}

// allow reports whether the client IP may try to sign in now.
func (w *Web) allow(ip string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := w.limiters[ip]
	if l == nil {
		if len(w.limiters) > 10000 {
			for k, v := range w.limiters {
				if v.Tokens() >= float64(w.opts.LoginBurst) {
					delete(w.limiters, k)
				}
			}
		}
		l = rate.NewLimiter(w.opts.LoginRate, w.opts.LoginBurst)
		w.limiters[ip] = l
	}
	return l.Allow()
}

type loginData struct {
	Role, Error, Name string
}

func (w *Web) loginPage(role string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		return w.renderLogin(c, fiber.StatusOK, role, "", "")
	}
}

func (w *Web) renderLogin(c *fiber.Ctx, status int, role, msg, name string) error {
	token := randomToken()
	w.setCookie(c, loginCookie, token, 0)
	return w.render(c, status, "login", &view{Title: "Sign in", Role: role, CSRF: token, Data: loginData{Role: role, Error: msg, Name: name}})
}

var validExt = regexp.MustCompile(`^[A-Za-z0-9_.+-]{1,64}$`)

// login checks a sign-in form: the admin token or an admin user's
// password for the panel, an extension's password for the console.
func (w *Web) login(role string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !sameToken(c.FormValue("csrf"), c.Cookies(loginCookie)) {
			return w.fail(c, fiber.StatusForbidden, "This sign-in form has expired. Reload the page and try again.")
		}
		ip := c.IP()
		if !w.allow(ip) {
			w.log.Warn("web sign-in rate limited", slog.String("role", role), slog.String("ip", ip))
			c.Set(fiber.HeaderRetryAfter, "60")
			return w.renderLogin(c, fiber.StatusTooManyRequests, role, "Too many sign-in attempts from your address. Wait a minute and try again.", "")
		}
		name, password := c.FormValue("name"), c.FormValue("password")
		sess := &store.WebSession{Role: role}
		ok := false
		switch {
		case role == roleAdmin && name == "" && password != "":
			ok = sameToken(w.opts.HashToken(password), w.opts.AdminTokenHash)
			sess.Credential = credentialDigest(w.opts.AdminTokenHash)
		case password != "" && validExt.MatchString(name):
			var u *store.User
			err := w.st.View(func(tx *store.Tx) (err error) { u, err = tx.User(name); return })
			if err == nil && u.Role == role {
				ok = bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) == nil
				sess.User, sess.Extension, sess.Credential = u.Name, u.Extension, credentialDigest(u.PasswordHash)
			} else {
				// Spend the same time as a real check.
				bcrypt.CompareHashAndPassword(w.dummyHash, []byte(password))
			}
		}
		if !ok {
			w.log.Warn("web sign-in failed", slog.String("role", role), slog.String("user", nameHint(name)), slog.String("ip", ip))
			what := "Wrong user name or password."
			if role == roleAdmin {
				what = "Wrong admin token, or wrong user name or password."
			} else {
				what = "Wrong extension or password."
			}
			return w.renderLogin(c, fiber.StatusUnauthorized, role, what, name)
		}
		cookie := randomToken()
		now := time.Now()
		sess.CSRF, sess.CreatedAt, sess.ExpiresAt = randomToken(), now, now.Add(w.opts.SessionTTL)
		err := w.st.Update(func(tx *store.Tx) error {
			if _, err := tx.PruneWebSessions(now); err != nil {
				return err
			}
			return tx.PutWebSession(cookie, sess)
		})
		if err != nil {
			w.log.Error("storing web session", slog.Any("error", err))
			return w.fail(c, fiber.StatusInternalServerError, "The sign-in could not be stored; see the daemon's log.")
		}
		w.log.Info("web sign-in", slog.String("role", role), slog.String("user", sess.User), slog.String("ip", ip))
		w.setCookie(c, cookieName(role), cookie, w.opts.SessionTTL)
		w.setCookie(c, loginCookie, "", -1)
		if role == roleAgent && sess.Extension != "" {
			w.presence.seen(sess.Extension)
		}
		return c.Redirect("/"+role+"/", fiber.StatusSeeOther)
	}
}

func (w *Web) logout(role string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if s := webSession(c); s != nil && s.Extension != "" {
			w.presence.signedOut(s.Extension)
		}
		if err := w.st.Update(func(tx *store.Tx) error { return tx.DeleteWebSession(c.Cookies(cookieName(role))) }); err != nil {
			w.log.Error("deleting web session", slog.Any("error", err))
		}
		w.setCookie(c, cookieName(role), "", -1)
		return c.Redirect("/"+role+"/login", fiber.StatusSeeOther)
	}
}
