// Package demo runs wachan against its own emulators so it can be tried
// in a minute: a daemon on a throw-away data directory, the Graph API
// emulator (channel/graphemu) as WhatsApp, the ARI emulator (pbx/ariemu)
// as Asterisk with simulated agent phones, one channel routed to a queue,
// and a customer page where one types as a WhatsApp customer and answers
// from the simulated phones. Everything listens on loopback; nothing
// reaches Meta or a real PBX.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/daemon"
	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/channel/loopback"
	"github.com/wachan/wachan/config"
	"github.com/wachan/wachan/pbx/ariemu"
)

// The demo's fixed cast.
const (
	phoneNumberID = "106540352242922"
	wabaID        = "102290129340398"
	metaToken     = "EAAG-demo-token-never-leaves-this-machine"
	appSecret     = "demo-app-secret-0123456789abcdef"
	queueName     = "demo"
	// CustomerNumber is the simulated customer's WhatsApp number.
	CustomerNumber = "447700900123"
	// CustomerName is the simulated customer's profile name.
	CustomerName = "Ann Demo"
)

// Agents are the simulated agents' extensions; each signs in to the
// console with AgentPassword(ext).
var Agents = []string{"1001", "1002", "1003"}

// AgentPassword is the console password of a demo agent.
func AgentPassword(ext string) string { return "demo-" + ext }

// Options configure a demo.
type Options struct {
	// Listen is the customer page's address; default "127.0.0.1:8090".
	Listen string
	// PanelListen is the daemon's address; default a free loopback port.
	PanelListen string
	// StatusDelay separates the sent, delivered and read ticks of a reply
	// at least (the customer page gives the last two); default 1 s.
	StatusDelay time.Duration
	// Log receives the daemon's log; nil discards it.
	Log *slog.Logger
	// Version is shown in the panel.
	Version string
}

// Demo is a running demo. Start it, then Close it.
type Demo struct {
	opts  Options
	log   *slog.Logger
	graph *graphemu.Server
	ari   *ariemu.Server
	d     *daemon.Daemon
	dir   string

	// PageURL is the customer page, PanelURL the daemon (panel and
	// console), AdminToken the panel's admin token.
	PageURL, PanelURL, AdminToken string

	page    *http.Server
	pageLn  net.Listener
	stop    context.CancelFunc
	stopped chan error

	// mu guards what the page shows that the emulators do not keep.
	mu     sync.Mutex
	said   []said
	online map[string]bool
	// got and seen hold, by WAMID, the replies the customer page has
	// received and shown in view.
	got, seen map[string]bool
}

// said is one message the customer sent from the page.
type said struct {
	WAMID string
	Kind  string
	Text  string
	Time  time.Time
}

// New prepares a demo; nothing listens until Start.
func New(opts Options) *Demo {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:8090"
	}
	if opts.StatusDelay <= 0 {
		opts.StatusDelay = time.Second
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Demo{opts: opts, log: log, online: map[string]bool{}, got: map[string]bool{}, seen: map[string]bool{}}
}

// Start starts the emulators, the daemon and the customer page, creates
// the channel and the queue and registers two of the three phones. On
// error everything started is stopped again.
func (m *Demo) Start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	// Delivered and read come from the customer page: delivered once it
	// has a reply (the phone is on), read once it shows it in view.
	m.graph = graphemu.New(graphemu.Options{StatusDelay: m.opts.StatusDelay, Statuses: []string{"sent"}})
	graphURL, err := m.graph.Start()
	if err != nil {
		return fmt.Errorf("starting the Graph API emulator: %w", err)
	}
	if m.ari, err = ariemu.New(ariemu.Options{Endpoints: Agents}); err != nil {
		return fmt.Errorf("starting the ARI emulator: %w", err)
	}
	if m.dir, err = os.MkdirTemp("", "wachan-demo-"); err != nil {
		return fmt.Errorf("creating the demo's data directory: %w", err)
	}
	panel := m.opts.PanelListen
	if panel == "" {
		if panel, err = loopback.FreeAddr(); err != nil {
			return err
		}
	}
	m.AdminToken = api.NewToken(16)
	cfg := config.Default()
	cfg.Listen, cfg.PublicURL, cfg.DataDir = panel, "http://"+panel, m.dir
	cfg.GraphURL, cfg.AdminToken = graphURL, m.AdminToken
	cfg.ARIURL, cfg.ARIUser, cfg.ARIPassword = m.ari.URL(), "ari", "ari"
	cfg.ShutdownTimeout = 2 * time.Second
	cfg.MetricsListen = "" // a demo beside a running daemon must not take its port
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuring the demo: %w", err)
	}
	if m.d, err = daemon.NewDemo(cfg, m.log, io.Discard); err != nil {
		return err
	}
	m.d.SetVersion(m.opts.Version)
	for _, ext := range Agents {
		if err := m.d.AddAgent(ext, AgentPassword(ext)); err != nil {
			return err
		}
	}
	addr, err := m.d.Listen()
	if err != nil {
		return err
	}
	m.PanelURL = "http://" + addr
	runCtx, stop := context.WithCancel(context.Background())
	m.stop, m.stopped = stop, make(chan error, 1)
	go func() { m.stopped <- m.d.Run(runCtx) }()
	if err := m.setUp(ctx); err != nil {
		return err
	}
	return m.servePage()
}

// setUp creates the queue and the channel through the REST API, gives the
// channel's number to the Graph emulator and registers the first two
// phones (the third stays offline: its messages wait for it).
func (m *Demo) setUp(ctx context.Context) error {
	if err := m.waitHealthy(ctx); err != nil {
		return err
	}
	q := map[string]any{"name": queueName, "members": Agents, "strategy": "ringall", "ring_timeout": 30,
		"away_message": "Thanks for writing! Nobody is here right now; an agent will answer soon."}
	if err := m.call(ctx, "POST", "/api/v1/queues", q, nil); err != nil {
		return fmt.Errorf("creating the demo queue: %w", err)
	}
	ch := map[string]any{
		"name": "Demo shop", "number": "+44 7911 123456", "phone_number_id": phoneNumberID, "waba_id": wabaID,
		"app_id": "1234", "access_token": metaToken, "app_secret": appSecret,
		"destination": map[string]string{"type": "queue", "id": queueName},
	}
	var out struct {
		WebhookURL string `json:"webhook_url"`
	}
	if err := m.call(ctx, "POST", "/api/v1/channels", ch, &out); err != nil {
		return fmt.Errorf("creating the demo channel: %w", err)
	}
	if err := m.graph.AddNumber(graphemu.Number{PhoneNumberID: phoneNumberID, WABAID: wabaID, DisplayPhoneNumber: "+44 7911 123456",
		VerifiedName: "Demo shop", Token: metaToken, AppSecret: appSecret, WebhookURL: out.WebhookURL}); err != nil {
		return fmt.Errorf("adding the demo number: %w", err)
	}
	for _, ext := range Agents[:2] {
		if err := m.setPhone(ext, true); err != nil {
			return err
		}
	}
	return nil
}

// waitHealthy waits until the daemon answers /healthz.
func (m *Demo) waitHealthy(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	deadline := time.After(30 * time.Second)
	for {
		resp, err := http.Get(m.PanelURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-m.stopped:
			m.stopped <- err
			return fmt.Errorf("the demo daemon stopped: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return errors.New("the demo daemon did not start within 30 s")
		case <-t.C:
		}
	}
}

// call makes an admin API request and decodes its answer into out.
func (m *Demo) call(ctx context.Context, method, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encoding request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, method, m.PanelURL+path, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+m.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("calling the API: %w", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s answered %d: %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decoding answer: %w", err)
		}
	}
	return nil
}

// setPhone registers or unregisters the simulated phone of ext.
func (m *Demo) setPhone(ext string, on bool) error {
	var err error
	if on {
		err = m.ari.Register(ext)
	} else {
		err = m.ari.Unregister(ext)
	}
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.online[ext] = on
	m.mu.Unlock()
	return nil
}

// Close stops the page, the daemon and the emulators and removes the
// data directory.
func (m *Demo) Close() error {
	var errs []error
	if m.page != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		errs = append(errs, m.page.Shutdown(ctx))
		cancel()
	}
	if m.stop != nil {
		m.stop()
		errs = append(errs, <-m.stopped)
		m.stop = nil
	}
	if m.ari != nil {
		m.ari.Close()
	}
	if m.graph != nil {
		errs = append(errs, m.graph.Close())
	}
	if m.dir != "" {
		errs = append(errs, os.RemoveAll(m.dir))
	}
	return errors.Join(errs...)
}
