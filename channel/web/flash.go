package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

// flash is what a console action tells the agent on the page it redirects
// to (post, redirect, get: reloading never repeats the action).
type flash struct {
	Notices []string
	Error   string
	Text    string
	At      time.Time
}

// flashTTL is how long a flash waits to be shown.
const flashTTL = time.Minute

func flashKey(s *store.WebSession, conv uint64) string {
	return s.CSRF + ":" + strconv.FormatUint(conv, 10)
}

// afterAction keeps d's outcome for the conversation page and redirects
// there.
func (w *Web) afterAction(c *fiber.Ctx, d *convData) error {
	now := time.Now()
	w.mu.Lock()
	for k, f := range w.flashes {
		if now.Sub(f.At) > flashTTL {
			delete(w.flashes, k)
		}
	}
	w.flashes[flashKey(webSession(c), d.S.ID)] = flash{Notices: d.Notices, Error: d.Error, Text: d.Text, At: now}
	w.mu.Unlock()
	return c.Redirect("/agent/c/"+strconv.FormatUint(d.S.ID, 10), fiber.StatusSeeOther)
}

// takeFlash returns and forgets the outcome waiting for the conversation.
func (w *Web) takeFlash(s *store.WebSession, conv uint64) (flash, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := flashKey(s, conv)
	f, ok := w.flashes[k]
	delete(w.flashes, k)
	return f, ok && time.Since(f.At) <= flashTTL
}

// noticeKey is where a page notice (or, with suffix ":error", a page
// error) of session s waits.
func noticeKey(s *store.WebSession, suffix string) string { return "page:" + s.CSRF + suffix }

// redirectFlash keeps msg for the next page the signed-in user sees and
// redirects to to. Notices come only from here: a URL cannot carry one.
func (w *Web) redirectFlash(c *fiber.Ctx, to, msg string) error {
	w.keepNotice(webSession(c), "", msg)
	return c.Redirect(to, fiber.StatusSeeOther)
}

// redirectError is redirectFlash for a failure the next page explains in
// its own place (takeNotice with ":error").
func (w *Web) redirectError(c *fiber.Ctx, to, msg string) error {
	w.keepNotice(webSession(c), ":error", msg)
	return c.Redirect(to, fiber.StatusSeeOther)
}

func (w *Web) keepNotice(s *store.WebSession, suffix, msg string) {
	if s == nil {
		return
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, f := range w.flashes {
		if now.Sub(f.At) > flashTTL {
			delete(w.flashes, k)
		}
	}
	w.flashes[noticeKey(s, suffix)] = flash{Notices: []string{msg}, At: now}
}

// takeNotice returns and forgets the notice (suffix "") or error
// (":error") waiting for the next page of s.
func (w *Web) takeNotice(s *store.WebSession, suffix string) string {
	if s == nil {
		return ""
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	k := noticeKey(s, suffix)
	f, ok := w.flashes[k]
	delete(w.flashes, k)
	if !ok || time.Since(f.At) > flashTTL || len(f.Notices) == 0 {
		return ""
	}
	return f.Notices[0]
}
