package api

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/store"
)

// Options configure the API.
type Options struct {
	// PublicURL is the base of webhook and media URLs, without a trailing
	// slash.
	PublicURL string
	// AdminTokenHash is HashToken of the admin token.
	AdminTokenHash string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sessions closes and transfers sessions; nil when no PBX is
	// configured.
	Sessions Sessions
}

// API holds the handlers' dependencies.
type API struct {
	store  *store.Store
	graph  *cloudapi.Client
	outbox *outbox.Outbox
	log    *slog.Logger
	opts   Options
}

// New returns the API. Every argument must be non-nil.
func New(st *store.Store, graph *cloudapi.Client, ob *outbox.Outbox, log *slog.Logger, opts Options) *API {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &API{store: st, graph: graph, outbox: ob, log: log, opts: opts}
}

// Register mounts /healthz and /api/v1 on r.
func (a *API) Register(r fiber.Router) {
	r.Get("/healthz", a.health)
	v1 := r.Group("/api/v1", requireAdmin(a.opts.AdminTokenHash))
	v1.Get("/channels", a.listChannels)
	v1.Post("/channels", a.createChannel)
	v1.Get("/channels/:id", a.getChannel)
	v1.Patch("/channels/:id", a.patchChannel)
	v1.Delete("/channels/:id", a.deleteChannel)
	v1.Post("/channels/:id/test", a.testChannel)
	v1.Get("/channels/:id/stats", a.channelStats)
	v1.Get("/stats", a.allStats)
	v1.Post("/messages", a.sendMessage)
	v1.Get("/messages/:id", a.getMessage)
	v1.Get("/queues", a.listQueues)
	v1.Post("/queues", a.createQueue)
	v1.Get("/queues/:name", a.getQueue)
	v1.Put("/queues/:name", a.putQueue)
	v1.Delete("/queues/:name", a.deleteQueue)
	v1.Get("/sessions", a.listSessions)
	v1.Get("/sessions/:id", a.getSession)
	v1.Get("/sessions/:id/messages", a.sessionMessages)
	v1.Post("/sessions/:id/close", a.closeSession)
	v1.Post("/sessions/:id/transfer", a.transferSession)
	v1.Get("/backup", BackupHandler(a.store))
	v1.Use(func(c *fiber.Ctx) error { return notFound("route", c.Method()+" "+c.Path()) })
}

func (a *API) health(c *fiber.Ctx) error {
	var journal int
	err := a.store.View(func(tx *store.Tx) error { journal = tx.JournalLen(); return nil })
	if err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "store unavailable"})
	}
	return c.JSON(fiber.Map{"status": "ok", "journal_pending": journal})
}
