package ingest

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// MaxBody is the largest webhook body accepted (Meta sends up to 3 MB).
const MaxBody = 4 << 20

// maxChallenge bounds the hub.challenge echoed back (Meta sends a number).
const maxChallenge = 256

// Handler serves /webhook/:channel.
type Handler struct {
	// Observe, if set, receives each acknowledged webhook's handling time.
	Observe func(time.Duration)
	// Refused, if set, is called with the app key (AppKey) of each
	// delivery refused for its signature.
	Refused func(app string)

	store  *store.Store
	log    *slog.Logger
	notify func()
	now    func() time.Time
	health *Health
}

// NewHandler returns a webhook handler; notify is called after each body is
// journaled (it must not block). st and log must not be nil.
func NewHandler(st *store.Store, log *slog.Logger, notify func()) *Handler {
	if notify == nil {
		notify = func() {}
	}
	return &Handler{store: st, log: log, notify: notify, now: time.Now, health: NewHealth(nil)}
}

// Health returns the record of refused and accepted deliveries.
func (h *Handler) Health() *Health { return h.health }

// Register mounts the webhook routes on r: a Meta app's callback URL,
// /webhook/app/<app id>, and each channel's own, /webhook/<channel id>.
// Both accept every update of the app; the processor routes each to its
// channel.
func (h *Handler) Register(r fiber.Router) {
	r.Get("/webhook/app/:app", h.verifyApp)
	r.Post("/webhook/app/:app", h.receiveApp)
	r.Get("/webhook/:channel", h.verify)
	r.Post("/webhook/:channel", h.receive)
}

func (h *Handler) channel(id string) (*store.Channel, error) {
	var ch *store.Channel
	err := h.store.View(func(tx *store.Tx) (err error) {
		ch, err = tx.Channel(id)
		return err
	})
	return ch, err
}

// verify answers Meta's subscription handshake.
func (h *Handler) verify(c *fiber.Ctx) error {
	id := c.Params("channel")
	ch, err := h.channel(id)
	if errors.Is(err, store.ErrNotFound) {
		return c.SendStatus(fiber.StatusNotFound)
	}
	if err != nil {
		h.log.Error("webhook verification: reading channel", slog.String("channel", id), slog.Any("error", err))
		return c.SendStatus(fiber.StatusInternalServerError)
	}
	token := c.Query("hub.verify_token")
	if c.Query("hub.mode") != "subscribe" || ch.VerifyToken == "" ||
		subtle.ConstantTimeCompare([]byte(token), []byte(ch.VerifyToken)) != 1 {
		h.log.Warn("webhook verification refused: mode or verify token does not match", slog.String("channel", id))
		return c.SendStatus(fiber.StatusForbidden)
	}
	challenge := c.Query("hub.challenge")
	if !validChallenge(challenge) {
		h.log.Warn("webhook verification refused: missing or malformed hub.challenge", slog.String("channel", id))
		return c.SendStatus(fiber.StatusBadRequest)
	}
	err = h.store.Update(func(tx *store.Tx) error {
		cur, err := tx.Channel(id)
		if err != nil {
			return err
		}
		cur.VerifiedAt = h.now().UTC()
		return tx.PutChannel(cur)
	})
	if err != nil {
		h.log.Error("webhook verification: recording", slog.String("channel", id), slog.Any("error", err))
	}
	h.log.Info("webhook verified by Meta", slog.String("channel", id))
	return c.Type("txt").SendString(challenge)
}

// verifyApp answers Meta's subscription handshake for an app's URL.
func (h *Handler) verifyApp(c *fiber.Ctx) error {
	id := c.Params("app")
	var app *store.App
	err := h.store.View(func(tx *store.Tx) (err error) { app, err = tx.App(id); return })
	if errors.Is(err, store.ErrNotFound) {
		return c.SendStatus(fiber.StatusNotFound)
	}
	if err != nil {
		h.log.Error("webhook verification: reading app", slog.String("app", id), slog.Any("error", err))
		return c.SendStatus(fiber.StatusInternalServerError)
	}
	challenge, status := h.handshake(c, app.VerifyToken)
	if status != 0 {
		h.log.Warn("app webhook verification refused", slog.String("app", id), slog.Int("status", status))
		return c.SendStatus(status)
	}
	err = h.store.Update(func(tx *store.Tx) error {
		cur, err := tx.App(id)
		if err != nil {
			return err
		}
		cur.VerifiedAt = h.now().UTC()
		return tx.PutApp(cur)
	})
	if err != nil {
		h.log.Error("webhook verification: recording", slog.String("app", id), slog.Any("error", err))
	}
	h.log.Info("app webhook verified by Meta", slog.String("app", id))
	return c.Type("txt").SendString(challenge)
}

// handshake checks a verification request against token and returns the
// challenge to echo, or the status refusing it.
func (h *Handler) handshake(c *fiber.Ctx, token string) (string, int) {
	got := c.Query("hub.verify_token")
	if c.Query("hub.mode") != "subscribe" || token == "" ||
		subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
		return "", fiber.StatusForbidden
	}
	challenge := c.Query("hub.challenge")
	if !validChallenge(challenge) {
		return "", fiber.StatusBadRequest
	}
	return challenge, 0
}

// validChallenge reports whether s can be echoed: 1 to maxChallenge
// letters, digits, '.', '_' or '-' (Meta sends a number), so nothing but a
// token is ever reflected.
func validChallenge(s string) bool {
	if s == "" || len(s) > maxChallenge {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= '0' && b <= '9', b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b == '.', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}

// encoded reports whether the request declares a Content-Encoding other
// than identity.
func encoded(c *fiber.Ctx) bool {
	found := false
	c.Request().Header.VisitAll(func(k, v []byte) {
		if strings.EqualFold(string(k), fiber.HeaderContentEncoding) && !strings.EqualFold(strings.TrimSpace(string(v)), "identity") {
			found = true
		}
	})
	return found
}

// body returns the request's raw body, or the status refusing it.
func body(c *fiber.Ctx) ([]byte, int) {
	// The signature covers the bytes as sent, and Meta does not compress:
	// refuse encoded bodies rather than let fiber's Body() inflate them,
	// unbounded, before the signature is checked.
	if encoded(c) {
		return nil, fiber.StatusUnsupportedMediaType
	}
	b := c.Request().Body()
	if len(b) > MaxBody {
		return nil, fiber.StatusRequestEntityTooLarge
	}
	return b, 0
}

// receive journals a webhook body posted to a channel's URL and signed
// with the secret of the channel's app.
func (h *Handler) receive(c *fiber.Ctx) error {
	start := time.Now()
	id := c.Params("channel")
	b, status := body(c)
	if status != 0 {
		return c.SendStatus(status)
	}
	ch, err := h.channel(id)
	if errors.Is(err, store.ErrNotFound) {
		return c.SendStatus(fiber.StatusNotFound)
	}
	if err != nil {
		h.log.Error("webhook: reading channel", slog.String("channel", id), slog.Any("error", err))
		return c.SendStatus(fiber.StatusInternalServerError)
	}
	return h.accept(c, start, b, AppKey(ch), []*store.Channel{ch})
}

// receiveApp journals a webhook body posted to a Meta app's URL and
// signed with the app's secret.
func (h *Handler) receiveApp(c *fiber.Ctx) error {
	start := time.Now()
	id := c.Params("app")
	b, status := body(c)
	if status != 0 {
		return c.SendStatus(status)
	}
	var chans []*store.Channel
	err := h.store.View(func(tx *store.Tx) (err error) { chans, err = tx.AppChannels(id); return })
	if err != nil {
		h.log.Error("webhook: reading the app's channels", slog.String("app", id), slog.Any("error", err))
		return c.SendStatus(fiber.StatusInternalServerError)
	}
	if len(chans) == 0 {
		return c.SendStatus(fiber.StatusNotFound)
	}
	return h.accept(c, start, b, chans[0].AppID, chans)
}

// accept verifies b with the app secrets of candidates (channels of one
// app) and journals it as received by the first whose secret signed it.
func (h *Handler) accept(c *fiber.Ctx, start time.Time, b []byte, app string, candidates []*store.Channel) error {
	sig := c.Get(wa.SignatureHeader)
	var via *store.Channel
	for _, ch := range candidates {
		if wa.VerifySignature(ch.AppSecret, sig, b) {
			via = ch
			break
		}
	}
	if via == nil {
		reason := ReasonBadSignature
		if sig == "" {
			reason = ReasonNoSignature
		}
		h.health.Refused(app, reason)
		if h.Refused != nil {
			h.Refused(app)
		}
		h.log.Warn("webhook refused: "+reason, slog.String("app", app), slog.String("remote", c.IP()))
		return c.SendStatus(fiber.StatusUnauthorized)
	}
	entry := &store.JournalEntry{ChannelID: via.ID, ReceivedAt: h.now().UTC(), Body: b}
	err := h.store.Batch(func(tx *store.Tx) error {
		_, err := tx.AppendJournal(entry)
		return err
	})
	if err != nil {
		h.log.Error("webhook: journaling body", slog.String("channel", via.ID), slog.Any("error", err))
		return c.SendStatus(fiber.StatusServiceUnavailable)
	}
	h.health.Accepted(app)
	h.notify()
	if h.Observe != nil {
		h.Observe(time.Since(start))
	}
	return c.SendStatus(fiber.StatusOK)
}
