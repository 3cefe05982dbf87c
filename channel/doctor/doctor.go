package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/wachan/wachan/config"
	"github.com/wachan/wachan/pbx/setup"
	"github.com/wachan/wachan/store"
)

// Result is one check's verdict; see setup.Result.
type Result = setup.Result

// MinFree is the free space in data_dir below which the disk check warns.
const MinFree = 1 << 30

// MaxSkew is the clock difference to the Graph API that the clock check
// tolerates.
const MaxSkew = 60 * time.Second

// Options configure a Doctor. Config is required.
type Options struct {
	Config *config.Config
	// AdminURL is the running daemon's base URL for /healthz and the admin
	// API; AdminToken authorises the latter (optional).
	AdminURL   string
	AdminToken string
	// RootCAs verifies public_url's certificate; nil means the system pool.
	RootCAs *x509.CertPool
	// DialContext, when set, replaces the dialer of every request (tests
	// point hostnames at loopback with it).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// DiskFree returns the bytes available in a directory; nil uses statfs.
	DiskFree func(dir string) (uint64, error)
	// Now is the local clock; nil means time.Now.
	Now func() time.Time
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
}

// Doctor runs the checks.
type Doctor struct {
	opts Options
	cfg  *config.Config
	hc   *http.Client // plain requests: Graph API, daemon, ARI
	tls  *http.Client // public_url, verified against RootCAs
	log  *slog.Logger
}

// New returns a Doctor; opts.Config must not be nil.
func New(opts Options) *Doctor {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DiskFree == nil {
		opts.DiskFree = statfsFree
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	transport := func(roots *x509.CertPool) *http.Client {
		t := http.DefaultTransport.(*http.Transport).Clone()
		if opts.DialContext != nil {
			t.DialContext = opts.DialContext
		}
		t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		return &http.Client{Transport: t, Timeout: 15 * time.Second}
	}
	return &Doctor{opts: opts, cfg: opts.Config, hc: transport(nil), tls: transport(opts.RootCAs), log: log}
}

func ok(name, detail string) Result { return Result{Name: name, Status: setup.OK, Detail: detail} }
func warn(name, detail, fix string) Result {
	return Result{Name: name, Status: setup.Warn, Detail: detail, Fix: fix}
}
func fail(name, detail, fix string) Result {
	return Result{Name: name, Status: setup.Fail, Detail: detail, Fix: fix}
}

// Run performs every check in order.
func (d *Doctor) Run(ctx context.Context) []Result {
	if err := d.cfg.Validate(); err != nil {
		return []Result{fail("config", strings.ReplaceAll(err.Error(), "\n", "; "), "correct the named keys in the configuration file or WACHAN_* variables")}
	}
	out := []Result{ok("config", "valid")}
	st, running, res := d.checkStore(ctx)
	out = append(out, res...)
	out = append(out, d.checkARI(ctx, running)...)
	out = append(out, d.checkChannels(ctx, st, running)...)
	out = append(out, d.checkPublicURL(ctx))
	out = append(out, d.checkDisk())
	out = append(out, d.checkClock(ctx))
	return out
}

// daemonHealthy reports whether a daemon answers /healthz at AdminURL.
func (d *Doctor) daemonHealthy(ctx context.Context) bool {
	if d.opts.AdminURL == "" {
		return false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.opts.AdminURL+"/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := d.hc.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// checkStore checks the data directory and the database file. It returns
// the channels read from the file when no daemon holds it, and whether a
// daemon is running.
func (d *Doctor) checkStore(ctx context.Context) ([]*store.Channel, bool, []Result) {
	const name = "store"
	dir := d.cfg.DataDir
	path := filepath.Join(dir, store.FileName)
	var out []Result
	if f, err := os.CreateTemp(dir, ".doctor-*"); err != nil {
		out = append(out, fail("data_dir", fmt.Sprintf("%s is not writable: %v", dir, err),
			fmt.Sprintf("create it and give it to the service user: install -d -o wachan -g wachan -m 0750 %s", dir)))
	} else {
		f.Close()
		os.Remove(f.Name())
		out = append(out, ok("data_dir", dir+" writable"))
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, false, append(out, warn(name, "no database yet at "+path, "start wachan once (systemctl start wachan); it creates the store"))
	}
	timeout := min(d.cfg.StoreTimeout, 500*time.Millisecond)
	st, err := store.Open(dir, store.Options{ReadOnly: true, Timeout: timeout}, d.log)
	switch {
	case errors.Is(err, store.ErrLocked) && d.daemonHealthy(ctx):
		return nil, true, append(out, ok(name, "locked by the running daemon, which answers "+d.opts.AdminURL+"/healthz: fine"))
	case errors.Is(err, store.ErrLocked):
		return nil, false, append(out, fail(name, path+" is locked but no daemon answers at "+d.opts.AdminURL+"/healthz",
			"another process holds it (find it with `fuser -v "+path+"`): a second wachan on this data_dir, or a hung daemon; stop it. If the daemon listens elsewhere, pass --url"))
	case err != nil:
		return nil, false, append(out, fail(name, err.Error(), "restore the last backup: wachan restore FILE"))
	}
	defer st.Close()
	if f, err := os.OpenFile(path, os.O_WRONLY, 0); err != nil {
		out = append(out, fail(name, path+" is not writable: "+err.Error(), "chown wachan:wachan "+path+" && chmod 0600 "+path))
	} else {
		f.Close()
	}
	var chans []*store.Channel
	var journal int
	err = st.View(func(tx *store.Tx) (err error) {
		journal = tx.JournalLen()
		chans, err = tx.Channels()
		return err
	})
	if err != nil {
		return nil, false, append(out, fail(name, "reading: "+err.Error(), "restore the last backup: wachan restore FILE"))
	}
	return chans, false, append(out, ok(name, fmt.Sprintf("%s not locked (no daemon running), %d channels, %d journal entries pending", path, len(chans), journal)))
}

func (d *Doctor) checkARI(ctx context.Context, running bool) []Result {
	if d.cfg.ARIURL == "" {
		return []Result{warn("ari", "ari_url is empty: no PBX, agents get conversations only in the web console (/agent/)", "to reach softphones too, run `wachan setup asterisk` and set ari_url, ari_user and ari_password")}
	}
	c := setup.NewARIClient(setup.Params{URL: d.cfg.ARIURL, User: d.cfg.ARIUser, Password: d.cfg.ARIPassword, App: d.cfg.ARIApp, Subscribe: d.cfg.ARISubscribe}, d.hc)
	res := c.Check(ctx)
	for _, r := range res {
		if r.Status == setup.Fail {
			return res
		}
	}
	return append(res, c.CheckApps(ctx, running)...)
}

// checkDisk warns when data_dir has less than MinFree available.
func (d *Doctor) checkDisk() Result {
	free, err := d.opts.DiskFree(d.cfg.DataDir)
	if err != nil {
		return warn("disk", "free space unknown: "+err.Error(), "check that data_dir exists")
	}
	gib := float64(free) / (1 << 30)
	if free < MinFree {
		return warn("disk", fmt.Sprintf("only %.2f GiB free in %s", gib, d.cfg.DataDir),
			"free space or grow the filesystem: the store and media need room; lower media_retention to keep less media")
	}
	return ok("disk", fmt.Sprintf("%.1f GiB free in %s", gib, d.cfg.DataDir))
}

func statfsFree(dir string) (uint64, error) {
	var s syscall.Statfs_t
	if err := syscall.Statfs(dir, &s); err != nil {
		return 0, err
	}
	return s.Bavail * uint64(s.Bsize), nil
}

// checkClock compares the local clock with the Graph API's Date header.
func (d *Doctor) checkClock(ctx context.Context) Result {
	const name = "clock"
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, d.cfg.GraphURL+"/", nil)
	if err != nil {
		return warn(name, err.Error(), "check graph_url")
	}
	resp, err := d.hc.Do(req)
	if err != nil {
		return warn(name, "cannot reach "+d.cfg.GraphURL+": "+err.Error(), "check the host's internet access, DNS and proxy")
	}
	resp.Body.Close()
	remote, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return warn(name, "the Graph API sent no usable Date header", "")
	}
	skew := d.opts.Now().Sub(remote)
	if skew.Abs() > MaxSkew {
		return warn(name, fmt.Sprintf("local clock is %s off the Graph API's", skew.Round(time.Second)),
			"enable time synchronisation: timedatectl set-ntp true (check with timedatectl status)")
	}
	return ok(name, fmt.Sprintf("%s off the Graph API's (up to %s tolerated)", skew.Round(time.Second), MaxSkew))
}
