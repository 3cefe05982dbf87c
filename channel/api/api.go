package api

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/time/rate"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/ingest"
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
	// Location is the time zone of the statistics' days; nil means UTC.
	Location *time.Location
	// Sessions closes and transfers sessions; nil when routing is not
	// running.
	Sessions Sessions
	// Keys authenticates API keys; nil accepts only the admin token.
	Keys KeyAuthenticator
	// Health is the webhook handler's record of refused and accepted
	// deliveries; nil shows none.
	Health *ingest.Health
	// AuthFailureRate and AuthFailureBurst limit failed authentications
	// per client address; 0 means one every 6 seconds with a burst of 10.
	AuthFailureRate  rate.Limit
	AuthFailureBurst int
	// ActAs lets admin-token requests act as an agent (HeaderActAs); only
	// for the web console's private instance of the API.
	ActAs bool
	// Journaled, if set, is called after webhook bodies are journaled
	// (replayed unrouted updates) to wake the processor.
	Journaled func()
	// Agents checks queue members and reports their presence; may be
	// nil.
	Agents Agents
}

// API holds the handlers' dependencies.
type API struct {
	store  *store.Store
	graph  *cloudapi.Client
	outbox *outbox.Outbox
	log    *slog.Logger
	opts   Options
	guard  *failureGuard
}

// New returns the API. Every argument must be non-nil.
func New(st *store.Store, graph *cloudapi.Client, ob *outbox.Outbox, log *slog.Logger, opts Options) *API {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.AuthFailureRate == 0 {
		opts.AuthFailureRate = rate.Every(6 * time.Second)
	}
	if opts.AuthFailureBurst == 0 {
		opts.AuthFailureBurst = 10
	}
	return &API{store: st, graph: graph, outbox: ob, log: log, opts: opts,
		guard: newFailureGuard(log, opts.AuthFailureRate, opts.AuthFailureBurst)}
}

// Register mounts /healthz and /api/v1 on r and returns the /api/v1 group,
// where other packages add their routes (protecting admin-only ones with
// AdminOnly). Call Finish on the group once every route is added.
func (a *API) Register(r fiber.Router) fiber.Router {
	r.Get("/healthz", a.health)
	v1 := r.Group("/api/v1", authenticate(a.opts.AdminTokenHash, a.opts.Keys, a.guard, a.opts.ActAs))
	v1.Get("/channels", AdminOnly, a.listChannels)
	v1.Post("/channels", AdminOnly, a.createChannel)
	v1.Get("/channels/:id", AdminOnly, a.getChannel)
	v1.Patch("/channels/:id", AdminOnly, a.patchChannel)
	v1.Delete("/channels/:id", AdminOnly, a.deleteChannel)
	v1.Post("/channels/:id/test", AdminOnly, a.testChannel)
	v1.Post("/channels/:id/connect", AdminOnly, a.connectChannel)
	v1.Get("/channels/:id/stats", AdminOnly, a.channelStats)
	v1.Get("/apps", AdminOnly, a.listApps)
	v1.Get("/apps/:id", AdminOnly, a.getApp)
	v1.Patch("/apps/:id", AdminOnly, a.patchApp)
	v1.Get("/unrouted", AdminOnly, a.listUnrouted)
	v1.Post("/unrouted/replay", AdminOnly, a.replayUnrouted)
	v1.Delete("/unrouted/:seq", AdminOnly, a.deleteUnrouted)
	v1.Get("/channels/:id/events", AdminOnly, a.channelEvents)
	v1.Get("/stats", AdminOnly, a.allStats)
	v1.Post("/messages", a.sendMessage)
	v1.Get("/messages/:id", a.getMessage)
	v1.Get("/queues", AdminOnly, a.listQueues)
	v1.Post("/queues", AdminOnly, a.createQueue)
	v1.Get("/queues/:name", AdminOnly, a.getQueue)
	v1.Put("/queues/:name", AdminOnly, a.putQueue)
	v1.Delete("/queues/:name", AdminOnly, a.deleteQueue)
	v1.Get("/sessions", AdminOnly, a.listSessions)
	v1.Get("/sessions/:id", AdminOnly, a.getSession)
	v1.Get("/sessions/:id/messages", AdminOnly, a.sessionMessages)
	v1.Post("/sessions/:id/close", AdminOnly, a.closeSession)
	v1.Post("/sessions/:id/transfer", AdminOnly, a.transferSession)
	v1.Get("/backup", AdminOnly, BackupHandler(a.store))
	return v1
}

// Finish ends the /api/v1 group: unknown routes get the JSON error shape.
func Finish(v1 fiber.Router) {
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
