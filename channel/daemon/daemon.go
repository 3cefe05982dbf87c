package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/campaign"
	"github.com/wachan/wachan/channel/certs"
	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/handoff"
	"github.com/wachan/wachan/channel/ingest"
	"github.com/wachan/wachan/channel/integration"
	"github.com/wachan/wachan/channel/media"
	"github.com/wachan/wachan/channel/menus"
	"github.com/wachan/wachan/channel/metrics"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/channel/receipts"
	"github.com/wachan/wachan/channel/routing"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/config"
	"github.com/wachan/wachan/pbx"
	"github.com/wachan/wachan/pbx/asterisk"
	"github.com/wachan/wachan/store"
)

// Daemon is a wired, not yet serving wachan.
type Daemon struct {
	cfg    *config.Config
	log    *slog.Logger
	store  *store.Store
	graph  *cloudapi.Client
	proc   *ingest.Processor
	outbox *outbox.Outbox
	app    *fiber.App
	// bodies limits request bodies.
	bodies *bodyGate
	// v1 is the authenticated /api/v1 group, open for routes until New
	// returns.
	v1 fiber.Router
	ln net.Listener
	// tlsCerts is set when wachan serves HTTPS itself; acmeHTTP answers
	// ACME http-01 challenges on httpLn.
	tlsCerts *certs.Manager
	httpLn   net.Listener
	acmeHTTP *http.Server
	// metricsApp serves /metrics on metricsLn, when configured.
	metricsApp *fiber.App
	metricsLn  net.Listener
	// ari is set when ARI is configured; router always is.
	ari    *asterisk.Adapter
	router *routing.Router
	// clock is the routing clock and wakeAt its timers (nil: real ones);
	// tests replace them before Run.
	clock   func() time.Time
	wakeAt  func(at time.Time) <-chan time.Time
	metrics *metrics.Metrics

	// Set while wiring, read-only afterwards: each part adds its hooks and
	// background work here.
	hooks    []ingest.Hooks
	finished []func(tx *store.Tx, ch *store.Channel, m *store.Message) error
	sessions []func(tx *store.Tx, s *store.Session, event string) error
	changed  []func()
	runners  []func(ctx context.Context)
	// mediaLink renders a media message's download link for agents.
	mediaLink func(m *store.Message) string
	// keys authenticates integration API keys.
	keys api.KeyAuthenticator
	// adminHash is HashToken of the admin token.
	adminHash string
	// webhookHealth counts refused and accepted webhook deliveries.
	webhookHealth *ingest.Health

	// version is the build's version, shown in the panel.
	version string
	// demo labels every page as a demo (NewDemo).
	demo bool

	// Parts wired in their own files (one field each).
	templates   *templates.Service
	web         *webPanel
	media       *media.Service
	campaigns   *campaign.Service
	integration *integration.Service
	menus       *menus.Service
	// loc is the time zone of the statistics' days (time_zone).
	loc *time.Location
	// receipts marks customers' messages read once agents have seen them.
	receipts *receipts.Reader
}

// New opens the store and wires every part; out receives the one-time
// admin token notice. cfg must be validated; log must not be nil.
func New(cfg *config.Config, log *slog.Logger, out io.Writer) (*Daemon, error) {
	return newDaemon(cfg, log, out, false)
}

func newDaemon(cfg *config.Config, log *slog.Logger, out io.Writer, demo bool) (*Daemon, error) {
	st, err := store.Open(cfg.DataDir, store.Options{Timeout: cfg.StoreTimeout}, log)
	if err != nil {
		return nil, err
	}
	d := &Daemon{cfg: cfg, log: log, store: st, clock: time.Now, metrics: metrics.New(st), version: "dev", demo: demo}
	if err := d.wire(out); err != nil {
		st.Close()
		return nil, err
	}
	return d, nil
}

// wire builds every part. Parts that others depend on come first: media
// (links in agents' messages), then routing, then the parts that only
// listen.
func (d *Daemon) wire(out io.Writer) error {
	cfg, log, st := d.cfg, d.log, d.store
	hash, err := adminTokenHash(st, cfg.AdminToken, out)
	if err != nil {
		return err
	}
	d.adminHash = hash
	if d.loc, err = cfg.Location(); err != nil {
		return fmt.Errorf("loading time_zone: %w", err)
	}
	d.graph = cloudapi.New(cloudapi.Options{BaseURL: cfg.GraphURL, Version: cfg.GraphVersion, Logger: log})
	d.app = fiber.New(fiber.Config{
		AppName: "wachan",
		// Handlers may keep what they read from a request (a parameter
		// as a map key, a header in a log record): fiber's strings must
		// not alias buffers it reuses for the next request.
		Immutable: true,
		// Uploads of media may be as large as media files; the body gate
		// limits every other route far lower.
		BodyLimit:             max(ingest.MaxBody, int(cfg.MediaMaxSize)+1<<20),
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          5 * time.Minute,
		IdleTimeout:           2 * time.Minute,
		DisableStartupMessage: true,
		ErrorHandler:          api.ErrorHandler(log),

		// Bodies reach the handlers unread: the body gate applies each
		// route's limit while reading, before anything is authenticated,
		// and leaves uploads to be read once they are.
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
	})
	d.bodies = newBodyGate(cfg.MediaMaxSize + 1<<20)
	d.app.Use(d.bodies.handle)
	// Request bodies are taken as sent: a compressed body would be
	// inflated without limit before any check.
	// A bug in one handler answers 500 and is logged; it does not stop
	// the daemon.
	d.app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		log.Error("handler panicked", slog.String("path", c.Path()), slog.Any("panic", e))
	}}))
	d.app.Use(refuseEncoded)
	if cfg.TLSCert != "" || cfg.ACME {
		// Browsers that met wachan over HTTPS never fall back to HTTP.
		d.app.Use(func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000")
			return c.Next()
		})
	}
	obOpts := outbox.Options{Rate: cfg.SendRate, DoubtWait: cfg.SendDoubtWait, GraphError: d.metrics.GraphError}
	if err := d.wireMedia(); err != nil {
		return err
	}
	d.wireActions()
	d.wireMenus()
	// Routing runs with or without a PBX: without one, the web console is
	// the agents' only view.
	d.wireRouting()
	d.media.SetOnFailed(d.router.MediaFailed)
	d.finished = append(d.finished, d.router.Finished)
	// Customers' messages are marked read once an agent has seen them.
	d.receipts = receipts.New(st, d.graph, log.With("part", "receipts"), nil)
	d.finished = append(d.finished, d.receipts.Finished)
	d.runners = append(d.runners, d.receipts.Run)
	d.hooks = append(d.hooks, ingest.Hooks{Inbound: d.router.Inbound, Echo: d.router.Echo, Status: d.router.Status, Other: d.router.Preference, Committed: d.router.Committed})
	if err := d.wireIntegration(); err != nil {
		return err
	}
	obOpts.Finished = d.onFinished
	// A reply waiting for another attempt shows when it is due.
	obOpts.Rescheduled = d.onChanged
	d.outbox = outbox.New(st, d.graph, log, obOpts)
	// A status that proves a send in doubt went out lets it finish now.
	d.hooks = append(d.hooks, ingest.Hooks{Proven: d.outbox.Wake}, ingest.Hooks{Other: d.countWebhookErrors})

	webhooks := ingest.NewHandler(st, log, func() { d.proc.Notify() })
	webhooks.Observe = d.metrics.ObserveAck
	webhooks.Refused = d.metrics.WebhookRefused
	webhooks.Register(d.app)
	d.webhookHealth = webhooks.Health()
	// Metrics name channels and their counts: they are served on their
	// own listener (loopback by default), never on the public one.
	d.metricsApp = fiber.New(fiber.Config{Immutable: true, DisableStartupMessage: true, ReadTimeout: 30 * time.Second, ErrorHandler: api.ErrorHandler(log)})
	d.metricsApp.Get("/metrics", metrics.Handler(d.metrics.Registry()))
	apiOpts := api.Options{PublicURL: cfg.PublicURL, AdminTokenHash: hash, Keys: d.keys, Health: d.webhookHealth, Journaled: d.notifyProcessor, Location: d.loc}
	apiOpts.Sessions, apiOpts.Agents = d.router, d.router
	d.v1 = api.New(st, d.graph, d.outbox, log, apiOpts).Register(d.app)
	for _, wire := range []func() error{d.wireMediaRoutes, d.wireTemplates, d.wireIntegrationRoutes, d.wireCampaigns, func() error { d.mountAdminParts(d.v1); return nil }, d.wireWeb} {
		if err := wire(); err != nil {
			return err
		}
	}
	api.Finish(d.v1)
	d.proc = ingest.NewProcessor(st, log, ingest.Chain(d.hooks...))
	return nil
}

// notifyProcessor wakes the webhook processor (once it exists).
func (d *Daemon) notifyProcessor() {
	if d.proc != nil {
		d.proc.Notify()
	}
}

// refuseEncoded answers 415 to request bodies with a Content-Encoding.
func refuseEncoded(c *fiber.Ctx) error {
	if enc := strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)); enc != "" && !strings.EqualFold(enc, "identity") {
		return &api.Error{Status: fiber.StatusUnsupportedMediaType, Code: "unsupported_encoding", Message: "compressed request bodies are not accepted (Content-Encoding: " + enc + ")"}
	}
	return c.Next()
}

// onFinished runs every part's hook for a send that finished.
func (d *Daemon) onFinished(tx *store.Tx, ch *store.Channel, m *store.Message) error {
	for _, f := range d.finished {
		if err := f(tx, ch, m); err != nil {
			return err
		}
	}
	return nil
}

// onSession runs every part's hook for a session change.
func (d *Daemon) onSession(tx *store.Tx, s *store.Session, event string) error {
	for _, f := range d.sessions {
		if err := f(tx, s, event); err != nil {
			return err
		}
	}
	return nil
}

// onChanged tells every listener that routing state changed.
func (d *Daemon) onChanged() {
	for _, f := range d.changed {
		f()
	}
}

// wireRouting creates the router and, when ARI is configured, the ARI
// adapter, each feeding the other.
func (d *Daemon) wireRouting() {
	cfg := d.cfg
	host := "127.0.0.1"
	var (
		rt    *routing.Router
		phone routing.PBX // nil without a PBX
	)
	if cfg.ARIURL != "" {
		var subs []string
		for _, s := range strings.Split(cfg.ARISubscribe, ",") {
			if s = strings.TrimSpace(s); s != "" {
				subs = append(subs, s)
			}
		}
		if u, err := url.Parse(cfg.ARIURL); err == nil && u.Hostname() != "" && u.Hostname() != "localhost" {
			host = u.Hostname()
		}
		// Agents' messages come through ARI and through the dialplan hand-off.
		gate := handoff.New(func(m pbx.TextMessage) { rt.OnMessage(m) }, "wa-", d.log)
		gate.Register(d.app, asterisk.HandoffSecret(cfg.ARIPassword))
		d.ari = asterisk.New(asterisk.Options{
			URL: cfg.ARIURL, User: cfg.ARIUser, Password: cfg.ARIPassword, App: cfg.ARIApp,
			Subscribe: subs, Logger: d.log,
			OnMessage:   gate.Deliver,
			OnEndpoint:  func(st pbx.EndpointState) { rt.OnEndpoint(st) },
			OnConnected: func(up bool) { d.metrics.SetARIConnected(up); rt.OnConnected(up) },
		})
		phone = d.ari
	}
	rt = routing.New(d.store, phone, d.log, routing.Options{
		Host:            host,
		AgentMessageMax: cfg.AgentMessageMax,
		SessionIdle:     cfg.SessionIdle,
		Now:             func() time.Time { return d.clock() },
		WakeAt:          d.routingWakeAt,
		WakeOutbox:      func() { d.outbox.Wake() },
		MediaLink:       d.mediaLink,
		SendURL:         d.media.SendURL,
		SessionChanged:  d.onSession,
		Changed:         d.onChanged,
		Hold:            d.menus.Hold,
	})
	d.router = rt
}

// routingWakeAt is the router's timer on the routing clock.
func (d *Daemon) routingWakeAt(at time.Time) <-chan time.Time {
	if d.wakeAt != nil {
		return d.wakeAt(at)
	}
	return time.After(time.Until(at))
}

// adminTokenHash returns the hash of the configured admin token, or of the
// stored one, generating and printing a new token on first start.
func adminTokenHash(st *store.Store, configured string, out io.Writer) (string, error) {
	var hash string
	err := st.Update(func(tx *store.Tx) error {
		if configured != "" {
			hash = api.HashToken(configured)
			return tx.SetAdminTokenHash(hash)
		}
		if hash = tx.AdminTokenHash(); hash != "" {
			return nil
		}
		token := api.NewToken(20)
		hash = api.HashToken(token)
		if err := tx.SetAdminTokenHash(hash); err != nil {
			return err
		}
		fmt.Fprintf(out, "\nwachan: generated admin token (shown once; keep it, or set WACHAN_ADMIN_TOKEN to replace it):\n\n    %s\n\n", token)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("setting up admin token: %w", err)
	}
	return hash, nil
}

// SetVersion records the build's version for display; call it before Run.
func (d *Daemon) SetVersion(v string) { d.version = v }

// MetricsAddr returns the address /metrics is served on, once Listen has
// bound it; "" when metrics_listen is empty.
func (d *Daemon) MetricsAddr() string {
	if d.metricsLn == nil {
		return ""
	}
	return d.metricsLn.Addr().String()
}

// Listen binds the configured address; it returns the bound address.
func (d *Daemon) Listen() (string, error) {
	ln, err := net.Listen("tcp", d.cfg.Listen)
	if err != nil {
		return "", fmt.Errorf("listening on %s: %w", d.cfg.Listen, err)
	}
	d.ln = ln
	if d.cfg.MetricsListen != "" {
		ml, err := net.Listen("tcp", d.cfg.MetricsListen)
		if err != nil {
			ln.Close()
			return "", fmt.Errorf("listening on %s (metrics_listen): %w", d.cfg.MetricsListen, err)
		}
		d.metricsLn = ml
	}
	if d.cfg.TLSCert == "" && !d.cfg.ACME {
		return ln.Addr().String(), nil
	}
	m, err := certs.New(certs.Options{
		CertFile: d.cfg.TLSCert, KeyFile: d.cfg.TLSKey,
		ACME: d.cfg.ACME, Hosts: d.cfg.ACMEHostNames(), Email: d.cfg.ACMEEmail,
		DirectoryURL: d.cfg.ACMEDirectory, CacheDir: filepath.Join(d.cfg.DataDir, "acme"),
	}, d.log)
	if err != nil {
		d.closeListeners()
		return "", fmt.Errorf("setting up TLS certificates: %w", err)
	}
	d.tlsCerts = m
	if d.cfg.ACMEHTTPListen != "" {
		// Set up before TLS is served: the handler enables http-01.
		hl, err := net.Listen("tcp", d.cfg.ACMEHTTPListen)
		if err != nil {
			d.closeListeners()
			return "", fmt.Errorf("listening on %s: %w", d.cfg.ACMEHTTPListen, err)
		}
		d.httpLn = hl
		d.acmeHTTP = &http.Server{Handler: m.HTTPHandler(nil), ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(d.log.Handler(), slog.LevelDebug)}
	}
	return ln.Addr().String(), nil
}

// closeListeners closes what Listen opened.
func (d *Daemon) closeListeners() {
	d.ln.Close()
	if d.metricsLn != nil {
		d.metricsLn.Close()
	}
}

// Reload re-reads what can change without a restart (TLS certificate
// files; ACME certificates renew by themselves).
func (d *Daemon) Reload() error {
	if d.tlsCerts == nil || d.tlsCerts.Mode() != certs.ModeFiles {
		return nil
	}
	if err := d.tlsCerts.Reload(); err != nil {
		return fmt.Errorf("reloading TLS certificate: %w", err)
	}
	return nil
}

// Run serves until ctx ends, then shuts down gracefully and closes the
// store. Listen must have been called.
func (d *Daemon) Run(ctx context.Context) error {
	defer d.store.Close()
	workCtx, stopWork := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { d.proc.Run(workCtx) })
	wg.Go(func() { d.outbox.Run(workCtx) })
	for _, run := range d.runners {
		wg.Go(func() { run(workCtx) })
	}
	wg.Go(func() { d.router.Run(workCtx) })
	if d.ari != nil {
		wg.Go(func() {
			if err := d.ari.Run(workCtx); err != nil {
				d.log.Error("ARI adapter stopped", slog.Any("error", err))
			}
		})
	}

	serveErr := make(chan error, 1)
	go func() {
		var err error
		if d.tlsCerts != nil {
			err = d.app.Listener(tls.NewListener(d.ln, d.tlsCerts.TLSConfig()))
		} else {
			err = d.app.Listener(d.ln)
		}
		serveErr <- err
	}()
	if d.metricsLn != nil {
		go func() {
			if err := d.metricsApp.Listener(d.metricsLn); err != nil {
				d.log.Error("metrics listener stopped", slog.Any("error", err))
			}
		}()
	}
	if d.acmeHTTP != nil {
		go func() {
			if err := d.acmeHTTP.Serve(d.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				d.log.Error("ACME http-01 listener stopped", slog.Any("error", err))
			}
		}()
	}
	if d.tlsCerts != nil && d.tlsCerts.Mode() == certs.ModeACME {
		// Issue the certificate now rather than during Meta's first
		// request, which would time out waiting for it.
		wg.Go(func() {
			if err := d.tlsCerts.Obtain(workCtx); err != nil {
				d.log.Warn("TLS certificate not obtained yet; retried on the next handshake", slog.Any("error", err))
			}
		})
	}
	d.log.Info("wachan listening", slog.String("addr", d.ln.Addr().String()),
		slog.String("public_url", d.cfg.PublicURL), slog.String("data_dir", d.cfg.DataDir))
	daemon.SdNotify(false, daemon.SdNotifyReady)
	stopWatchdog := d.watchdog()
	defer stopWatchdog()

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			err = fmt.Errorf("serving HTTP: %w", err)
		}
	}
	daemon.SdNotify(false, daemon.SdNotifyStopping)
	d.log.Info("shutting down")
	if d.ari != nil {
		// Without its subscription Asterisk stops accepting agents'
		// messages for wachan; the dialplan hand-off takes them while
		// the HTTP server still runs, then tells agents wachan is away.
		if cerr := d.ari.Close(context.Background()); cerr != nil {
			d.log.Warn("removing ARI subscriptions", slog.Any("error", cerr))
		}
	}
	if serr := d.app.ShutdownWithTimeout(d.cfg.ShutdownTimeout); serr != nil {
		d.log.Warn("HTTP shutdown", slog.Any("error", serr))
	}
	if d.metricsLn != nil {
		d.metricsApp.ShutdownWithTimeout(d.cfg.ShutdownTimeout)
	}
	if d.acmeHTTP != nil {
		sctx, cancel := context.WithTimeout(context.Background(), d.cfg.ShutdownTimeout)
		d.acmeHTTP.Shutdown(sctx)
		cancel()
	}
	// The last acknowledged webhooks are journaled; apply what we can.
	if _, perr := d.proc.Drain(); perr != nil {
		d.log.Warn("final journal drain", slog.Any("error", perr))
	}
	stopWork()
	wg.Wait()
	if d.tlsCerts != nil {
		// An issuance Obtain left running stores nothing from now on.
		d.tlsCerts.Close()
	}
	return err
}

// watchdog pings systemd's watchdog at half its interval when enabled.
func (d *Daemon) watchdog() func() {
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil || interval == 0 {
		return func() {}
	}
	t := time.NewTicker(interval / 2)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-t.C:
				daemon.SdNotify(false, daemon.SdNotifyWatchdog)
			case <-done:
				return
			}
		}
	}()
	return func() { t.Stop(); close(done) }
}
