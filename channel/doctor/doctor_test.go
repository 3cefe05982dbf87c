package doctor

import (
	"context"
	"crypto/x509"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/config"
	"github.com/wachan/wachan/pbx/ariemu"
	"github.com/wachan/wachan/pbx/setup"
	"github.com/wachan/wachan/store"
)

const (
	pnid      = "106540352242922"
	waba      = "102290129340398"
	metaToken = "EAAG-permanent-system-user-token-XYZ"
	appSecret = "app-secret-0123456789abcdef"
)

// env is a healthy installation on loopback: the Graph API emulator, the
// ARI emulator, a TLS server for public_url and a store with one channel.
type env struct {
	cfg   *config.Config
	emu   *graphemu.Server
	ari   *ariemu.Server
	https *httptest.Server
	opts  Options
}

func newEnv(t *testing.T) *env {
	t.Helper()
	emu := graphemu.New(graphemu.Options{})
	graphURL, err := emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	if err := emu.AddApp(graphemu.App{ID: "1234", Secret: appSecret, CallbackURL: "https://example.com/webhook/app/1234"}); err != nil {
		t.Fatal(err)
	}
	if err := emu.AddNumber(graphemu.Number{PhoneNumberID: pnid, WABAID: waba, Token: metaToken, AppID: "1234", VerifiedName: "Sales Ltd"}); err != nil {
		t.Fatal(err)
	}
	emu.Subscribe(waba, "1234")
	ari, err := ariemu.New(ariemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ari.Close)
	ari.Register("1001")
	https := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			w.Write([]byte(`{"status":"ok"}`))
			return
		}
		http.NotFound(w, r)
	}))
	https.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point of some tests
	https.StartTLS()
	t.Cleanup(https.Close)

	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.GraphURL = graphURL
	cfg.PublicURL = "https://example.com"
	cfg.ARIURL, cfg.ARIUser, cfg.ARIPassword = ari.URL(), "ari", "ari"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(cfg.DataDir, store.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	st.Update(func(tx *store.Tx) error {
		return tx.PutChannel(&store.Channel{ID: "sales", Number: "+447911123456", PhoneNumberID: pnid, WABAID: waba, AppID: "1234",
			AccessToken: metaToken, AppSecret: appSecret, VerifiedAt: time.Now()})
	})
	st.Close()

	pool := x509.NewCertPool()
	pool.AddCert(https.Certificate())
	target := https.Listener.Addr().String()
	return &env{cfg: cfg, emu: emu, ari: ari, https: https, opts: Options{
		Config:  cfg,
		RootCAs: pool,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr == "example.com:443" {
				addr = target
			}
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		DiskFree: func(string) (uint64, error) { return 50 << 30, nil },
	}}
}

func (e *env) run(t *testing.T) (string, setup.Status) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var b strings.Builder
	worst := setup.Print(&b, New(e.opts).Run(ctx))
	return b.String(), worst
}

func expect(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Fatalf("doctor output lacks %q:\n%s", w, out)
		}
	}
	for _, secret := range []string{metaToken, appSecret} {
		if strings.Contains(out, secret) {
			t.Fatalf("doctor output shows a secret:\n%s", out)
		}
	}
}

func TestHealthy(t *testing.T) {
	e := newEnv(t)
	out, worst := e.run(t)
	expect(t, out,
		"ok   config: valid",
		"ok   data_dir: "+e.cfg.DataDir+" writable",
		"not locked (no daemon running), 1 channels",
		"ok   ari credentials",
		"ok   ari app wachan: not registered",
		"ok   channel sales (+447911123456) token: valid: Sales Ltd, quality GREEN",
		"ok   channel sales (+447911123456) webhook: verified by Meta",
		"ok   channel sales (+447911123456) subscription: app 1234 is subscribed to WABA "+waba,
		"ok   channel sales (+447911123456) number: status CONNECTED",
		"ok   channel sales (+447911123456) callback: Meta sends this number's messages to https://example.com/webhook/app/1234",
		"ok   public_url: https://example.com reachable over HTTPS with a trusted certificate",
		"ok   disk: 50.0 GiB free",
		"ok   clock:",
	)
	if worst != setup.OK {
		t.Fatalf("worst = %v:\n%s", worst, out)
	}
}

func TestFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(t *testing.T, e *env)
		worst setup.Status
		wants []string
	}{
		{"self-signed certificate", func(t *testing.T, e *env) { e.opts.RootCAs = x509.NewCertPool() }, setup.Fail,
			[]string{"FAIL public_url: https://example.com has a certificate no client trusts (self-signed", "fix: use a certificate from a public CA: set acme = true to let wachan get one from Let's Encrypt, or certbot certonly -d example.com"}},
		{"plain http", func(t *testing.T, e *env) { e.cfg.PublicURL = "http://example.com" }, setup.Fail,
			[]string{"FAIL public_url: http://example.com is not https"}},
		{"ip address", func(t *testing.T, e *env) { e.cfg.PublicURL = "https://203.0.113.7" }, setup.Fail,
			[]string{"FAIL public_url: https://203.0.113.7 uses an IP address"}},
		{"underscore", func(t *testing.T, e *env) { e.cfg.PublicURL = "https://wa_chan.example.com" }, setup.Fail,
			[]string{"the host name contains '_'", "fix: use a host name of letters, digits"}},
		{"unreachable public url", func(t *testing.T, e *env) { e.https.Close() }, setup.Fail,
			[]string{"FAIL public_url: cannot reach https://example.com", "open port 443 to the internet"}},
		{"expired token", func(t *testing.T, e *env) { e.emu.ExpireToken(metaToken) }, setup.Fail,
			[]string{"FAIL channel sales (+447911123456) token: reading phone number: graph api error 190", "fix: The access token has expired", "permanent System User token"}},
		{"webhook never verified", func(t *testing.T, e *env) {
			st, _ := store.Open(e.cfg.DataDir, store.Options{}, slog.New(slog.DiscardHandler))
			st.Update(func(tx *store.Tx) error {
				ch, _ := tx.Channel("sales")
				ch.VerifiedAt = time.Time{}
				return tx.PutChannel(ch)
			})
			st.Close()
		}, setup.Fail, []string{"FAIL channel sales (+447911123456) webhook: never verified by Meta", "callback URL to https://example.com/webhook/sales"}},
		{"app not subscribed, number not registered", func(t *testing.T, e *env) {
			e.emu.Unsubscribe(waba, "1234")
			e.emu.AddNumber(graphemu.Number{PhoneNumberID: pnid, WABAID: waba, Token: metaToken, AppID: "1234", VerifiedName: "Sales Ltd", Unregistered: true})
		}, setup.Fail, []string{"ok   channel sales (+447911123456) subscription: fixed: subscribed app 1234 to WABA " + waba,
			"FAIL channel sales (+447911123456) registration: not registered (status PENDING)", "six-digit two-step verification PIN and run Connect"}},
		{"wrong ari password", func(t *testing.T, e *env) { e.cfg.ARIPassword = "wrong-one" }, setup.Fail,
			[]string{"FAIL ari credentials: 401 Authentication required: wrong ari user/password in ari.conf", "ok   channel sales"}},
		{"ari down", func(t *testing.T, e *env) { e.ari.Stop() }, setup.Fail,
			[]string{"FAIL ari reachable: cannot reach", "in /etc/asterisk/http.conf set enabled = yes"}},
		{"low disk", func(t *testing.T, e *env) {
			e.opts.DiskFree = func(string) (uint64, error) { return 100 << 20, nil }
		}, setup.Warn, []string{"WARN disk: only 0.10 GiB free in", "fix: free space or grow the filesystem"}},
		{"clock ahead", func(t *testing.T, e *env) { e.opts.Now = func() time.Time { return time.Now().Add(5 * time.Minute) } }, setup.Warn,
			[]string{"WARN clock: local clock is 5m", "timedatectl set-ntp true"}},
		{"clock behind", func(t *testing.T, e *env) { e.opts.Now = func() time.Time { return time.Now().Add(-90 * time.Second) } }, setup.Warn,
			[]string{"WARN clock: local clock is -1m"}},
		{"invalid config", func(t *testing.T, e *env) { e.cfg.SendRate = 0 }, setup.Fail,
			[]string{"FAIL config: ", "send_rate", "fix: correct the named keys"}},
		{"locked by another process", func(t *testing.T, e *env) {
			st, err := store.Open(e.cfg.DataDir, store.Options{}, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			e.opts.AdminURL = "http://127.0.0.1:1"
		}, setup.Fail, []string{"FAIL store: ", "is locked but no daemon answers at http://127.0.0.1:1/healthz", "fuser -v"}},
		{"running daemon without token", func(t *testing.T, e *env) {
			st, err := store.Open(e.cfg.DataDir, store.Options{}, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			health := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{}")) }))
			t.Cleanup(health.Close)
			e.opts.AdminURL = health.URL
		}, setup.Fail, []string{"ok   store: locked by the running daemon, which answers", "FAIL ari app wachan: Asterisk has no application wachan: the running wachan is not connected to ARI", "WARN channels: a daemon holds the store and no admin token is set", "WACHAN_ADMIN_TOKEN"}},
		{"no data dir", func(t *testing.T, e *env) { e.cfg.DataDir = "/nonexistent/wachan" }, setup.Fail,
			[]string{"FAIL data_dir: /nonexistent/wachan is not writable", "install -d -o wachan"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tc.edit(t, e)
			out, worst := e.run(t)
			expect(t, out, tc.wants...)
			if worst != tc.worst {
				t.Fatalf("worst = %v, want %v:\n%s", worst, tc.worst, out)
			}
		})
	}
}
