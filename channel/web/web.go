package web

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/wachan/wachan/store"
)

// Agent runs what an extension typed in the console as if typed on its
// phone; channel/routing's Router satisfies it.
type Agent interface {
	AgentSay(ctx context.Context, ext, channelID, customerKey, text string) ([]string, error)
}

// APICaller calls the admin API in-process with admin rights and returns
// the status and JSON body of its answer. body is JSON-encoded unless it
// is a Raw.
type APICaller func(method, path string, body any) (int, []byte, error)

// APIAs returns an APICaller acting as the agent with extension ext: the
// API lets it do only what that agent may.
type APIAs func(ext string) APICaller

// Raw is an API request body sent as it is (a multipart upload); other
// bodies are sent as JSON.
type Raw struct {
	ContentType string
	Body        []byte
}

// SystemInfo is what the System page shows.
type SystemInfo struct {
	Version        string
	GoVersion      string
	PBXConfigured  bool
	PBXConnected   bool
	ARIURL         string
	StorePath      string
	StoreSize      int64
	DataDir        string
	MediaRetention time.Duration
	MediaMaxSize   int64
	// MediaFiles and MediaBytes are the media files kept on disk.
	MediaFiles int
	MediaBytes int64
	PublicURL  string
	Started    time.Time
}

// PBXStatus is whether a PBX is configured and connected.
type PBXStatus struct {
	Configured bool
	Connected  bool
}

// Options configure the web panel.
type Options struct {
	// Store is the daemon's store.
	Store *store.Store
	// API calls the admin API; every change the panel makes goes through it.
	API APICaller
	// AgentAPI calls the API as a console's agent; nil refuses the
	// console's calls.
	AgentAPI APIAs
	// Visible reports whether extension ext may see session s in the
	// console (routing.Visible); nil shows an agent only the sessions it
	// handles.
	Visible func(tx *store.Tx, s *store.Session, ext string) bool
	// AdminTokenHash is the stored hash of the admin token (api.HashToken).
	AdminTokenHash string
	// HashToken hashes an admin token the way AdminTokenHash was made.
	HashToken func(string) string
	// Agent handles what agents type in the console; nil disables it.
	Agent Agent
	// Presence is told when an extension opens or leaves the console
	// (channel/routing's Router.OnConsole); may be nil.
	Presence func(ext string, online bool)
	// PBX reports the phone system's state, shown on every page; nil
	// means no PBX is configured.
	PBX func() PBXStatus
	// PublicURL is the daemon's external base URL.
	PublicURL string
	// Secure marks cookies Secure (TLS, or an https public URL).
	Secure bool
	// Now is the clock of the 24 h window; nil means time.Now.
	Now func() time.Time
	// Location is the PBX's time zone: the panel and console show times
	// in it, and it is the statistics' default; nil means UTC.
	Location *time.Location
	// Seen is told that the agent who has session id has it open in the
	// console (its customer's messages can be marked read); may be nil.
	// It must not block.
	Seen func(id uint64)
	// MediaLink returns a media message's download link, or "".
	MediaLink func(m *store.Message) string
	// System reports the System page's figures; nil shows none.
	System func() SystemInfo
	// Demo labels every page as a demo against emulators.
	Demo bool
	// SessionTTL is how long a sign-in lasts; 0 means 12 hours.
	SessionTTL time.Duration
	// LoginRate and LoginBurst limit sign-in attempts per client IP; 0
	// means one every 12 seconds with a burst of 5.
	LoginRate  rate.Limit
	LoginBurst int
	// LiveStreams caps the console's open live views (event streams) in
	// all, LiveStreamsPerUser per user; 0 means 2000 and 16. LiveGap is
	// the least time between two renders of one view; 0 means 1 s.
	LiveStreams, LiveStreamsPerUser int
	LiveGap                         time.Duration
	// Log must not be nil.
	Log *slog.Logger
}

// Web is the admin panel and agent console.
type Web struct {
	opts   Options
	st     *store.Store
	log    *slog.Logger
	pages  *pages
	assets *assets
	live   *hub
	// presence tracks which extensions have the console open.
	presence *presence

	// dummyHash is checked against when a user does not exist, so that
	// both cases take as long.
	dummyHash []byte

	// open caches the open sessions read in one transaction (openTx is
	// its id), shared by the views rendered in it.
	openMu sync.Mutex
	openTx int
	open   []*store.Session

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
	flashes  map[string]flash
}

// New parses every template (a broken one fails here) and returns the
// panel. opts.Store, opts.API, opts.HashToken and opts.Log must be set.
func New(opts Options) (*Web, error) {
	if opts.Store == nil || opts.API == nil || opts.HashToken == nil || opts.Log == nil {
		return nil, fmt.Errorf("creating web panel: Store, API, HashToken and Log are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.LoginRate == 0 {
		opts.LoginRate = rate.Every(12 * time.Second)
	}
	if opts.LoginBurst == 0 {
		opts.LoginBurst = 5
	}
	if opts.LiveStreams == 0 {
		opts.LiveStreams = 2000
	}
	if opts.LiveStreamsPerUser == 0 {
		opts.LiveStreamsPerUser = 16
	}
	if opts.LiveGap == 0 {
		opts.LiveGap = time.Second
	}
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	ps, err := parsePages(as, opts.Location)
	if err != nil {
		return nil, err
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(randomToken()), bcrypt.DefaultCost)
	if err != nil {
		return nil, fmt.Errorf("creating web panel: %w", err)
	}
	return &Web{opts: opts, dummyHash: dummy, st: opts.Store, log: opts.Log, pages: ps, assets: as, live: newHub(opts.Store, opts.LiveStreamsPerUser, opts.LiveStreams, opts.LiveGap),
		presence: newPresence(opts.Presence, presenceGrace),
		limiters: map[string]*rate.Limiter{}, flashes: map[string]flash{}}, nil
}

// Notify tells open consoles that something changed; it never blocks and
// wakeups coalesce.
func (w *Web) Notify() { w.live.notify() }

// openSessions returns tx's open sessions, read once per transaction
// whatever the number of views rendered in it; they must not be changed.
func (w *Web) openSessions(tx *store.Tx) ([]*store.Session, error) {
	w.openMu.Lock()
	defer w.openMu.Unlock()
	if w.open != nil && w.openTx == tx.ID() {
		return w.open, nil
	}
	open, err := tx.OpenSessions()
	if err != nil {
		return nil, err
	}
	w.open, w.openTx = open, tx.ID()
	return open, nil
}

// LiveStats reports the console's open event streams, the distinct views
// they show, and how many times views were rendered for them.
func (w *Web) LiveStats() (streams, views int, renders int64) { return w.live.stats() }

// Register mounts the panel's routes on r (the application root).
func (w *Web) Register(r fiber.Router) {
	r.Use([]string{"/admin", "/agent", "/static"}, w.headers)
	r.Get("/static/:sum/:name", w.static)
	r.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/admin/", fiber.StatusSeeOther) })

	r.Get("/admin/login", w.loginPage(roleAdmin))
	r.Post("/admin/login", w.login(roleAdmin))
	adm := r.Group("/admin", w.require(roleAdmin))
	adm.Post("/logout", w.logout(roleAdmin))
	adm.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/admin/channels", fiber.StatusSeeOther) })
	adm.Get("/channels", w.channels)
	adm.Get("/channels/new", w.channelNew)
	adm.Post("/channels/new", w.channelCreate)
	adm.Get("/channels/:id", w.channelEdit)
	adm.Post("/channels/:id", w.channelSave)
	adm.Post("/channels/:id/test", w.channelTest)
	adm.Post("/channels/:id/connect", w.channelConnect)
	adm.Post("/channels/:id/delete", w.channelDelete)
	adm.Get("/unrouted", w.unrouted)
	adm.Post("/unrouted/replay", w.unroutedReplay)
	adm.Get("/stats", w.stats)
	adm.Get("/queues", w.queues)
	adm.Get("/queues/new", w.queueNew)
	adm.Post("/queues/new", w.queueSave)
	adm.Get("/queues/:name", w.queueEdit)
	adm.Post("/queues/:name", w.queueSave)
	adm.Post("/queues/:name/delete", w.queueDelete)
	adm.Get("/sessions", w.sessions)
	adm.Get("/sessions/:id", w.session)
	adm.Post("/sessions/:id/close", w.sessionClose)
	adm.Post("/sessions/:id/transfer", w.sessionTransfer)
	adm.Get("/templates", w.templates)
	adm.Post("/templates/sync", w.templatesSync)
	adm.Get("/templates/new", w.templateNew)
	adm.Post("/templates/new", w.templateCreate)
	adm.Post("/templates/delete", w.templateDelete)
	adm.Get("/canned", w.cannedList)
	adm.Post("/canned", w.cannedSave)
	adm.Post("/canned/delete", w.cannedDelete)
	adm.Get("/menu", w.menuShow)
	adm.Post("/menu", w.menuSave)
	adm.Get("/actions", w.actionsList)
	adm.Post("/actions", w.actionSave)
	adm.Post("/actions/delete", w.actionDelete)
	adm.Get("/campaigns", w.campaigns)
	adm.Get("/campaigns/new", w.campaignNew)
	adm.Post("/campaigns/new", w.campaignCreate)
	adm.Get("/campaigns/:id", w.campaignView)
	adm.Post("/campaigns/:id/:action", w.campaignAction)
	adm.Get("/system", w.system)
	adm.Get("/users", w.users)
	adm.Post("/users", w.userCreate)
	adm.Post("/users/:name/password", w.userPassword)
	adm.Post("/users/:name/delete", w.userDelete)

	r.Get("/agent/login", w.loginPage(roleAgent))
	r.Post("/agent/login", w.login(roleAgent))
	ag := r.Group("/agent", w.require(roleAgent), w.agentSeen)
	ag.Post("/logout", w.logout(roleAgent))
	ag.Get("/", w.inbox)
	ag.Get("/events", w.events)
	ag.Get("/c/:id", w.conversation)
	ag.Post("/c/:id", w.say)
	ag.Post("/c/:id/file", w.sendFile)
	ag.Post("/c/:id/template", w.sendTemplate)
}

// headers sets the security headers of every page.
func (w *Web) headers(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("X-Frame-Options", "DENY")
	return c.Next()
}
