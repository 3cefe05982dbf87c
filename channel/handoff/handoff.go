// Package handoff takes agents' messages that reach wachan by either of two
// routes and hands each to routing once: ARI's TextMessageReceived, and the
// dialplan hand-off, a message_context rule that posts every message to a
// wa- address to wachan with Asterisk's CURL() and tells the agent when
// wachan does not answer (see pbx/asterisk and `wachan setup asterisk`).
//
// With both routes in place no agent's message is lost silently: while
// wachan runs, the dialplan delivers what ARI would miss (Asterisk
// restarted, a websocket not connected yet); while it does not, the
// dialplan's notice tells the agent. Asterisk gives a message to every
// handler that wants it, so when both work the same SIP request arrives
// twice; the Gate drops the second copy by the request's ID.
package handoff

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/pbx"
	"github.com/wachan/wachan/pbx/asterisk"
	"github.com/wachan/wachan/pbx/recent"
)

// remembered is how many message IDs the Gate keeps; the two copies of a
// message arrive within the same Asterisk message-queue task.
const remembered = 4096

// maxForm bounds a hand-off request: Asterisk's bodies stop at 1023 bytes,
// three times that when percent-encoded.
const maxForm = 16 << 10

// Gate passes each agent's message to deliver once, whichever route brought
// it. Its methods are safe for concurrent use.
type Gate struct {
	deliver func(pbx.TextMessage)
	log     *slog.Logger
	prefix  string
	seen    *recent.Set[string]
}

// New returns a gate handing messages to deliver; prefix is the channel
// address prefix ("wa-"). log must not be nil.
func New(deliver func(pbx.TextMessage), prefix string, log *slog.Logger) *Gate {
	return &Gate{deliver: deliver, prefix: prefix, log: log.With(slog.String("component", "handoff")),
		seen: recent.New[string](remembered)}
}

// Deliver hands m on unless a message with the same ID already passed.
// Wire it to the ARI adapter's OnMessage.
func (g *Gate) Deliver(m pbx.TextMessage) {
	if m.ID != "" && g.seen.Seen(m.ID) {
		g.log.Debug("dropping the second copy of an agent's message", slog.String("ext", m.From), slog.String("to", m.To))
		return
	}
	g.deliver(m)
}

// Register serves the hand-off at asterisk.HandoffPath on r. secret is the
// Basic auth password (asterisk.HandoffSecret of the ARI password).
func (g *Gate) Register(r fiber.Router, secret string) {
	r.Post(asterisk.HandoffPath, func(c *fiber.Ctx) error { return g.handle(c, secret) })
}

// handle answers asterisk.HandoffAccepted once the message is with
// routing; anything else makes the dialplan tell the agent.
func (g *Gate) handle(c *fiber.Ctx, secret string) error {
	if !authorized(c.Get(fiber.HeaderAuthorization), secret) {
		c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="wachan"`)
		return &api.Error{Status: fiber.StatusUnauthorized, Code: "unauthorized",
			Message: "wrong hand-off credentials: print the dialplan again with `wachan setup asterisk`"}
	}
	if len(c.Body()) > maxForm {
		return api.ErrTooLarge
	}
	// Fiber's strings alias its buffers: copy what outlives the handler.
	form := asterisk.HandoffForm{
		From:   strings.Clone(c.FormValue("from")),
		To:     strings.Clone(c.FormValue("to")),
		CallID: strings.Clone(c.FormValue("call_id")),
		CSeq:   strings.Clone(c.FormValue("cseq")),
		Length: strings.Clone(c.FormValue("length")),
		Body:   strings.Clone(c.FormValue("body")),
	}
	m, err := asterisk.HandoffMessage(form, g.prefix, time.Now())
	if errors.Is(err, asterisk.ErrNotChannelAddress) {
		return api.Invalid("to", "%q is not a channel address (%s…)", form.To, g.prefix)
	}
	if err != nil {
		return api.Invalid("from", "%s", err.Error())
	}
	g.Deliver(m)
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.SendString(asterisk.HandoffAccepted)
}

// authorized checks Basic credentials against asterisk.HandoffUser and
// secret in constant time.
func authorized(header, secret string) bool {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(asterisk.HandoffUser+":"+secret))
	return secret != "" && subtle.ConstantTimeCompare([]byte(header), []byte(want)) == 1
}
