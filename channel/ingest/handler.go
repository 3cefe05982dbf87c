package ingest

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// MaxBody is the largest webhook body accepted (Meta sends up to 3 MB).
const MaxBody = 4 << 20

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
	return c.Type("txt").SendString(c.Query("hub.challenge"))
}

// receive journals a signed webhook body before answering 200.
func (h *Handler) receive(c *fiber.Ctx) error {
	start := time.Now()
	id := c.Params("channel")
	body := c.Body()
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
