package main

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
	"path/filepath"
	"strings"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/channel/loopback"
	"github.com/wachan/wachan/pbx/ariemu"
)

// rigConfig describes the daemon and emulators a rig starts.
type rigConfig struct {
	Wachan     string // binary; empty attaches to URL instead
	DataDir    string // empty: a temporary directory removed by close
	Listen     string // daemon address; empty: a free loopback port
	URL        string // an already running daemon (Wachan empty)
	AdminToken string // required with URL
	GraphAddr  string
	ARIAddr    string
	Channels   int
	SendRate   int
	Log        io.Writer // the daemon's output; nil discards it
	// Observer, if set, sees every request to the Graph emulator with its
	// answer's status.
	Observer func(r *http.Request, body []byte, status int)
}

// loadChannel is one channel created for the load.
type loadChannel struct {
	ID         string
	PNID       string
	Secret     string
	Ext        string // the agent's extension
	WebhookURL string
}

// rig is a daemon wired to a Graph API emulator and an ARI emulator on
// loopback.
type rig struct {
	cfg      rigConfig
	graph    *graphemu.Server
	graphSrv *http.Server
	graphURL string
	ari      *ariemu.Server
	proc     *daemonProc // nil when attached to a daemon started elsewhere
	base     string
	metrics  string // base URL of the daemon's metrics listener; empty when attached
	token    string
	dataDir  string
	tmpDir   string
	channels []loadChannel
	hc       *http.Client
}

const (
	ariApp   = "wachan"
	wabaID   = "102290129340398"
	tokenFmt = "EAAG-load-token-%04d"
)

// startRig starts the emulators and the daemon and creates the channels,
// each routed to its own registered extension.
func startRig(ctx context.Context, cfg rigConfig) (r *rig, err error) {
	r = &rig{cfg: cfg, hc: &http.Client{Timeout: 10 * time.Second}}
	started := r // r is nil once an error is returned
	defer func() {
		if err != nil {
			started.close()
		}
	}()
	exts := make([]string, cfg.Channels)
	for i := range exts {
		exts[i] = fmt.Sprintf("%d", 2001+i)
	}
	if r.ari, err = ariemu.New(ariemu.Options{Addr: cfg.ARIAddr, Endpoints: exts}); err != nil {
		return nil, fmt.Errorf("starting ARI emulator: %w", err)
	}
	if err := r.startGraph(); err != nil {
		return nil, err
	}
	if cfg.Wachan != "" {
		if err := r.startDaemon(ctx); err != nil {
			return nil, err
		}
	} else {
		r.base, r.token = strings.TrimRight(cfg.URL, "/"), cfg.AdminToken
	}
	if err := r.waitARI(ctx); err != nil {
		return nil, err
	}
	for i, ext := range exts {
		if err := r.addChannel(i, ext); err != nil {
			return nil, err
		}
		if err := r.ari.Register(ext); err != nil {
			return nil, fmt.Errorf("registering %s: %w", ext, err)
		}
	}
	return r, nil
}

// startGraph serves the Graph emulator behind the observer.
func (r *rig) startGraph() error {
	r.graph = graphemu.New(graphemu.Options{Logger: slog.New(slog.DiscardHandler)})
	ln, err := net.Listen("tcp", r.cfg.GraphAddr)
	if err != nil {
		return fmt.Errorf("starting Graph emulator: %w", err)
	}
	inner := r.graph.Handler()
	obs := r.cfg.Observer
	r.graphSrv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if obs == nil || req.Method != http.MethodPost {
			inner.ServeHTTP(w, req)
			return
		}
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		inner.ServeHTTP(sw, req)
		obs(req, body, sw.status)
	})}
	go r.graphSrv.Serve(ln)
	r.graphURL = "http://" + ln.Addr().String()
	return nil
}

// statusWriter remembers the status of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// startDaemon writes the configuration and runs the child.
func (r *rig) startDaemon(ctx context.Context) error {
	var err error
	if r.tmpDir, err = os.MkdirTemp("", "wachan-load-"); err != nil {
		return fmt.Errorf("creating temporary directory: %w", err)
	}
	r.dataDir = r.cfg.DataDir
	if r.dataDir == "" {
		r.dataDir = filepath.Join(r.tmpDir, "data")
	}
	listen := r.cfg.Listen
	if listen == "" {
		if listen, err = loopback.FreeAddr(); err != nil {
			return err
		}
	}
	metricsListen, err := loopback.FreeAddr()
	if err != nil {
		return err
	}
	r.token = "load-admin-token-" + fmt.Sprint(time.Now().UnixNano())
	r.base = "http://" + listen
	r.metrics = "http://" + metricsListen
	conf := filepath.Join(r.tmpDir, "wachan.toml")
	text := fmt.Sprintf(`listen = %q
public_url = %q
data_dir = %q
admin_token = %q
log_level = "warn"
graph_url = %q
send_rate = %d
ari_url = %q
ari_user = "ari"
ari_password = "ari"
ari_app = %q
shutdown_timeout = "5s"
metrics_listen = %q
`, listen, r.base, r.dataDir, r.token, r.graphURL, r.cfg.SendRate, r.ari.URL(), ariApp, metricsListen)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		return fmt.Errorf("writing daemon configuration: %w", err)
	}
	r.proc = newDaemonProc(r.cfg.Wachan, conf, r.base, r.cfg.Log)
	return r.proc.start(ctx)
}

// restart starts the daemon again on the same data and waits until it is
// connected to ARI.
func (r *rig) restart(ctx context.Context) error {
	if err := r.proc.start(ctx); err != nil {
		return err
	}
	return r.waitARI(ctx)
}

// waitARI waits until the daemon's ARI application is connected.
func (r *rig) waitARI(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := r.ari.WaitAppState(ctx, ariApp, true, true); err != nil {
		return fmt.Errorf("waiting for the daemon to connect to ARI: %w", err)
	}
	return nil
}

// addChannel creates channel i through the admin API and registers its
// number with the Graph emulator.
func (r *rig) addChannel(i int, ext string) error {
	ch := loadChannel{PNID: fmt.Sprintf("1065403522%05d", i), Secret: fmt.Sprintf("load-app-secret-%04d-abcdef", i), Ext: ext}
	token := fmt.Sprintf(tokenFmt, i)
	body := map[string]any{
		"name": fmt.Sprintf("Load %d", i), "number": fmt.Sprintf("+4479112%05d", i),
		// Each channel is a number of its own Meta app, with its own secret
		// (channels of one app share its secret).
		"phone_number_id": ch.PNID, "waba_id": wabaID, "app_id": fmt.Sprint(1234 + i),
		"access_token": token, "app_secret": ch.Secret, "send_rate": r.cfg.SendRate,
		"destination": map[string]string{"type": "extension", "id": ext},
	}
	var out struct {
		ID         string `json:"id"`
		WebhookURL string `json:"webhook_url"`
	}
	if err := r.api(http.MethodPost, "/api/v1/channels", body, &out, http.StatusCreated); err != nil {
		return fmt.Errorf("creating channel %d: %w", i, err)
	}
	ch.ID, ch.WebhookURL = out.ID, out.WebhookURL
	err := r.graph.AddNumber(graphemu.Number{PhoneNumberID: ch.PNID, WABAID: wabaID,
		DisplayPhoneNumber: fmt.Sprintf("+44 7911 2%05d", i), VerifiedName: fmt.Sprintf("Load %d", i),
		Token: token, AppSecret: ch.Secret, WebhookURL: ch.WebhookURL})
	if err != nil {
		return err
	}
	r.channels = append(r.channels, ch)
	return nil
}

// api calls the admin API and decodes the answer into out.
func (r *rig) api(method, path string, in, out any, want int) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(data))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decoding answer: %w", method, path, err)
		}
	}
	return nil
}

// metric reads one unlabelled sample from the daemon's /metrics.
func (r *rig) metric(name string) (float64, error) {
	if r.metrics == "" {
		return 0, errors.New("the daemon's metrics listener is not known")
	}
	resp, err := r.hc.Get(r.metrics + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var f float64
			_, err := fmt.Sscan(v, &f)
			return f, err
		}
	}
	return 0, fmt.Errorf("no %s in /metrics", name)
}

// close stops the daemon (cleanly), the emulators and removes temporary
// files.
func (r *rig) close() error {
	var errs []error
	if r.proc != nil {
		errs = append(errs, r.proc.stop(10*time.Second))
	}
	if r.graphSrv != nil {
		errs = append(errs, r.graphSrv.Close())
	}
	if r.graph != nil {
		errs = append(errs, r.graph.Close())
	}
	if r.ari != nil {
		r.ari.Close()
	}
	if r.tmpDir != "" {
		errs = append(errs, os.RemoveAll(r.tmpDir))
	}
	return errors.Join(errs...)
}
