package certs_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/certs"
	"github.com/wachan/wachan/channel/certs/acmeemu"
)

const host = "pbx.example.com"

// resolver maps name:port to loopback addresses for the emulator.
type resolver struct {
	mu    sync.Mutex
	addrs map[string]string
}

func (r *resolver) set(name string, port int, addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.addrs[net.JoinHostPort(name, strconv.Itoa(port))] = addr
}

func (r *resolver) resolve(name string, port int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addrs[net.JoinHostPort(name, strconv.Itoa(port))]
}

// ca is an emulated ACME CA served over TLS on loopback.
type ca struct {
	emu *acmeemu.Server
	url string       // directory URL
	hc  *http.Client // trusts the emulator's HTTPS certificate
	res *resolver
}

func newCA(t *testing.T, opts acmeemu.Options) *ca {
	t.Helper()
	res := &resolver{addrs: map[string]string{}}
	opts.Resolve = res.resolve
	emu, err := acmeemu.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(emu)
	t.Cleanup(srv.Close)
	return &ca{emu: emu, url: srv.URL + acmeemu.DirectoryPath, hc: srv.Client(), res: res}
}

func testLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func (c *ca) manager(t *testing.T, cacheDir string, hosts ...string) *certs.Manager {
	t.Helper()
	m, err := certs.New(certs.Options{
		ACME: true, Hosts: hosts, Email: "ops@example.com",
		DirectoryURL: c.url, CacheDir: cacheDir, HTTPClient: c.hc,
	}, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// serveTLS serves "ok" over TLS with m's configuration, the way the daemon
// wraps its listener, and returns the address.
func serveTLS(t *testing.T, m *certs.Manager) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}), ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(tls.NewListener(ln, m.TLSConfig()))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// serveHTTP serves h on a plain-HTTP loopback listener.
func serveHTTP(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// handshake connects to addr as a client trusting roots and returns the
// server's leaf certificate.
func handshake(addr, serverName string, roots *x509.CertPool) (*x509.Certificate, error) {
	d := &tls.Dialer{Config: &tls.Config{ServerName: serverName, RootCAs: roots, NextProtos: []string{"h2", "http/1.1"}}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.(*tls.Conn).ConnectionState().PeerCertificates[0], nil
}

// get fetches https://host/ from addr over a verified connection.
func get(t *testing.T, addr string, roots *x509.CertPool) string {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}}
	defer hc.CloseIdleConnections()
	res, err := hc.Get("https://" + host + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func TestACMETLSALPN01(t *testing.T) {
	c := newCA(t, acmeemu.Options{TermsOfService: "https://ca.example/terms"})
	cacheDir := filepath.Join(t.TempDir(), "acme")
	m := c.manager(t, cacheDir, host)
	addr := serveTLS(t, m)
	c.res.set(host, 443, addr)

	if st := m.Status(); st.Mode != certs.ModeACME || !st.NotAfter.IsZero() || len(st.Missing) != 1 {
		t.Errorf("status before issuance = %+v, want acme mode with %s missing", st, host)
	}

	// The first handshake obtains the certificate; the client verifies it
	// against the emulator's CA for the configured host.
	if body := get(t, addr, c.emu.CAPool()); body != "ok" {
		t.Fatalf("body = %q", body)
	}
	if n := c.emu.Validations(acmeemu.TLSALPN01); n != 1 {
		t.Errorf("tls-alpn-01 validations = %d, want 1", n)
	}
	if n := c.emu.Validations(acmeemu.HTTP01); n != 0 {
		t.Errorf("http-01 validations = %d, want 0 (no HTTP handler)", n)
	}
	if o, i := c.emu.Orders(), c.emu.Issued(); o != 1 || i != 1 {
		t.Errorf("orders %d, issued %d; want 1 and 1", o, i)
	}
	leaf, err := handshake(addr, host, c.emu.CAPool())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: c.emu.CAPool()}); err != nil {
		t.Errorf("issued certificate does not verify for %s: %v", host, err)
	}
	if fi, err := os.Stat(cacheDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("cache dir mode = %v, err %v; want 0700", fi.Mode().Perm(), err)
	}
	st := m.Status()
	if len(st.Missing) != 0 || !st.NotAfter.Equal(leaf.NotAfter) || st.LastError != "" || !strings.Contains(st.Issuer, "emulator") {
		t.Errorf("status after issuance = %+v, want not_after %v and no error", st, leaf.NotAfter)
	}

	t.Run("no server name gets the first host", func(t *testing.T) {
		l, err := handshakeNoSNI(addr)
		if err != nil {
			t.Fatal(err)
		}
		if l.SerialNumber.Cmp(leaf.SerialNumber) != 0 {
			t.Error("a hello without SNI got another certificate")
		}
	})

	t.Run("second manager reuses the cache", func(t *testing.T) {
		m2 := c.manager(t, cacheDir, host)
		addr2 := serveTLS(t, m2)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m2.Obtain(ctx); err != nil {
			t.Fatal(err)
		}
		l2, err := handshake(addr2, host, c.emu.CAPool())
		if err != nil {
			t.Fatal(err)
		}
		if l2.SerialNumber.Cmp(leaf.SerialNumber) != 0 {
			t.Error("second manager serves a different certificate")
		}
		if o := c.emu.Orders(); o != 1 {
			t.Errorf("orders = %d, want still 1", o)
		}
	})

	t.Run("host outside the policy", func(t *testing.T) {
		for _, name := range []string{"other.example.com", "evil.example.net"} {
			if _, err := handshake(addr, name, c.emu.CAPool()); err == nil {
				t.Errorf("%s: handshake succeeded, want refused", name)
			}
		}
		if o := c.emu.Orders(); o != 1 {
			t.Errorf("orders = %d, want still 1", o)
		}
		if st := m.Status(); st.LastError != "" {
			t.Errorf("a stranger's host name set last error %q", st.LastError)
		}
	})
}

// handshakeNoSNI connects without a server name and returns the leaf.
func handshakeNoSNI(addr string) (*x509.Certificate, error) {
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0], nil
}

func TestACMEHTTP01(t *testing.T) {
	// Port 443 is not reachable from the CA, port 80 is: autocert's
	// tls-alpn-01 attempt fails and it orders again with http-01.
	c := newCA(t, acmeemu.Options{})
	m := c.manager(t, filepath.Join(t.TempDir(), "acme"), host)
	httpAddr := serveHTTP(t, m.HTTPHandler(nil))
	c.res.set(host, 80, httpAddr)
	addr := serveTLS(t, m)

	if body := get(t, addr, c.emu.CAPool()); body != "ok" {
		t.Fatalf("body = %q", body)
	}
	if n := c.emu.Validations(acmeemu.HTTP01); n != 1 {
		t.Errorf("http-01 validations = %d, want 1", n)
	}
	if n := c.emu.Failures(acmeemu.TLSALPN01); n != 1 {
		t.Errorf("tls-alpn-01 failures = %d, want 1", n)
	}
	if i := c.emu.Issued(); i != 1 {
		t.Errorf("issued = %d, want 1", i)
	}
	leaf, err := handshake(addr, host, c.emu.CAPool())
	if err != nil {
		t.Fatal(err)
	}
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != host {
		t.Errorf("names = %v, want [%s]", leaf.DNSNames, host)
	}

	t.Run("plain HTTP redirects", func(t *testing.T) {
		hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		req, _ := http.NewRequest(http.MethodGet, "http://"+httpAddr+"/webhooks/x?a=1", nil)
		req.Host = host
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusMovedPermanently || loc != "https://"+host+"/webhooks/x?a=1" {
			t.Errorf("GET: %d to %q, want 301 to https", res.StatusCode, loc)
		}
		req, _ = http.NewRequest(http.MethodPost, "http://"+httpAddr+"/webhooks/x", strings.NewReader("{}"))
		req.Host = host
		res, err = hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("POST: %d, want 400", res.StatusCode)
		}
	})
}

func TestACMEIssuanceFailure(t *testing.T) {
	// Nothing is reachable: no certificate, and Status says why.
	c := newCA(t, acmeemu.Options{})
	m := c.manager(t, t.TempDir(), host)
	addr := serveTLS(t, m)
	if _, err := handshake(addr, host, c.emu.CAPool()); err == nil {
		t.Fatal("handshake succeeded without a validated challenge")
	}
	st := m.Status()
	if st.LastError == "" || st.LastErrorAt.IsZero() || len(st.Missing) != 1 {
		t.Errorf("status = %+v, want the issuance error", st)
	}
	if c.emu.Issued() != 0 {
		t.Error("the CA issued a certificate")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Obtain(ctx); err == nil {
		t.Error("Obtain succeeded")
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if err := m.Obtain(ctx); err == nil {
		t.Error("Obtain with a done context succeeded")
	}
}

func TestACMECloseStopsWrites(t *testing.T) {
	// Once closed, the Manager leaves its cache directory alone: the
	// issuance Obtain starts cannot even store the account key.
	c := newCA(t, acmeemu.Options{})
	cacheDir := filepath.Join(t.TempDir(), "acme")
	m := c.manager(t, cacheDir, host)
	c.res.set(host, 443, serveTLS(t, m))
	m.Close()
	m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := m.Obtain(ctx); err == nil {
		t.Error("Obtain after Close succeeded")
	}
	var files []string
	filepath.WalkDir(cacheDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if len(files) != 0 {
		t.Errorf("files written after Close: %v", files)
	}
}
