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

	store  *store.Store
	log    *slog.Logger
	notify func()
	now    func() time.Time
}

// NewHandler returns a webhook handler; notify is called after each body is
// journaled (it must not block). st and log must not be nil.
func NewHandler(st *store.Store, log *slog.Logger, notify func()) *Handler {
	if notify == nil {
		notify = func() {}
	}
	return &Handler{store: st, log: log, notify: notify, now: time.Now}
}

// Register mounts the webhook routes on r.
func (h *Handler) Register(r fiber.Router) {
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

// receive journals a signed webhook body before answering 200.
func (h *Handler) receive(c *fiber.Ctx) error {
	start := time.Now()
	id := c.Params("channel")
	// The signature covers the bytes as sent, and Meta does not compress:
	// refuse encoded bodies rather than let fiber's Body() inflate them,
	// unbounded, before the signature is checked.
	if encoded(c) {
		return c.SendStatus(fiber.StatusUnsupportedMediaType)
	}
	body := c.Request().Body()
	if len(body) > MaxBody {
		return c.SendStatus(fiber.StatusRequestEntityTooLarge)
	}
	ch, err := h.channel(id)
	if errors.Is(err, store.ErrNotFound) {
		return c.SendStatus(fiber.StatusNotFound)
	}
	if err != nil {
		h.log.Error("webhook: reading channel", slog.String("channel", id), slog.Any("error", err))
		return c.SendStatus(fiber.StatusInternalServerError)
	}
	if !wa.VerifySignature(ch.AppSecret, c.Get(wa.SignatureHeader), body) {
		h.log.Warn("webhook refused: missing or wrong X-Hub-Signature-256 (check the channel's app secret)",
			slog.String("channel", id), slog.String("remote", c.IP()))
		return c.SendStatus(fiber.StatusUnauthorized)
	}
	entry := &store.JournalEntry{ChannelID: id, ReceivedAt: h.now().UTC(), Body: body}
	err = h.store.Batch(func(tx *store.Tx) error {
		_, err := tx.AppendJournal(entry)
		return err
	})
	if err != nil {
		h.log.Error("webhook: journaling body", slog.String("channel", id), slog.Any("error", err))
		return c.SendStatus(fiber.StatusServiceUnavailable)
	}
	h.notify()
	if h.Observe != nil {
		h.Observe(time.Since(start))
	}
	return c.SendStatus(fiber.StatusOK)
}
