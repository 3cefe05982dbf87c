// Package certs provides the HTTPS server's certificates, either from PEM
// files that are reloaded on demand or obtained and renewed automatically
// from an ACME certificate authority (Let's Encrypt by default) with
// golang.org/x/crypto/acme/autocert.
//
// In ACME mode the tls-alpn-01 challenge is answered by the TLS
// configuration itself, so the HTTPS listener must be reachable on port 443
// of every host name; the http-01 challenge is answered by HTTPHandler,
// which must then be served on port 80.
package certs

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Mode says where a Manager's certificates come from.
type Mode string

// The certificate sources.
const (
	ModeFiles Mode = "files" // PEM certificate and key files
	ModeACME  Mode = "acme"  // an ACME certificate authority
)

// LetsEncryptURL is the directory of Let's Encrypt's production CA, the
// default ACME directory.
const LetsEncryptURL = "https://acme-v02.api.letsencrypt.org/directory"

// Options configure a Manager. Set CertFile and KeyFile for files mode, or
// ACME (with Hosts and CacheDir) for ACME mode; not both.
type Options struct {
	// CertFile and KeyFile are the PEM certificate chain and private key
	// of files mode.
	CertFile, KeyFile string

	// ACME selects ACME mode.
	ACME bool
	// Hosts are the host names certificates may be obtained for; at least
	// one, each accepted by hostname.Check. A handshake without a server name
	// gets the first host's certificate.
	Hosts []string
	// Email is the contact address registered with the CA; optional.
	Email string
	// DirectoryURL is the CA's ACME directory; empty means LetsEncryptURL.
	DirectoryURL string
	// CacheDir holds the account key and the certificates; it is created
	// with mode 0700. Required in ACME mode.
	CacheDir string
	// HTTPClient talks to the CA; nil means http.DefaultClient.
	HTTPClient *http.Client
	// RenewBefore is how long before expiry certificates are renewed; zero
	// means autocert's default (30 days or a third of the lifetime).
	RenewBefore time.Duration
}

// Status describes the current certificates, for diagnostics.
type Status struct {
	Mode Mode `json:"mode"`
	// Names are the configured hosts (ACME) or the DNS names of the
	// loaded certificate (files).
	Names []string `json:"names"`
	// NotAfter is the earliest expiry among the current certificates;
	// zero when none has been obtained yet.
	NotAfter time.Time `json:"not_after"`
	// Issuer is the issuer of that certificate.
	Issuer string `json:"issuer,omitempty"`
	// Missing lists configured hosts that have no certificate yet (ACME).
	Missing []string `json:"missing,omitempty"`
	// LastError is the error of the latest failed load or issuance, cleared
	// by the next success; LastErrorAt is when it happened.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// Manager gives an HTTPS server its certificates. Its methods are safe for
// concurrent use.
type Manager struct {
	mode  Mode
	log   *slog.Logger
	files *fileSource // files mode
	acme  *acmeSource // ACME mode

	mu          sync.Mutex
	lastErr     string
	lastErrAt   time.Time
	lastLogged  string            // last error logged, to log each new one once
	servedLeafs map[string]string // host -> serial of the certificate last logged
}

// New returns a Manager for opts. In files mode it loads the files now and
// fails if they cannot be used; in ACME mode it checks the hosts and
// creates the cache directory, and certificates are obtained on the first
// handshake for each host (or by Obtain). log must not be nil.
func New(opts Options, log *slog.Logger) (*Manager, error) {
	m := &Manager{log: log, servedLeafs: map[string]string{}}
	hasFiles := opts.CertFile != "" || opts.KeyFile != ""
	switch {
	case opts.ACME && hasFiles:
		return nil, errors.New("certs: certificate files and ACME are mutually exclusive")
	case opts.ACME:
		a, err := newACMESource(opts)
		if err != nil {
			return nil, err
		}
		m.mode, m.acme = ModeACME, a
	case hasFiles:
		if opts.CertFile == "" || opts.KeyFile == "" {
			return nil, errors.New("certs: set both the certificate and the key file")
		}
		f := &fileSource{certFile: opts.CertFile, keyFile: opts.KeyFile}
		if err := f.load(); err != nil {
			return nil, err
		}
		m.mode, m.files = ModeFiles, f
	default:
		return nil, errors.New("certs: no certificate source: set certificate files or ACME")
	}
	return m, nil
}

// Mode returns where the Manager's certificates come from.
func (m *Manager) Mode() Mode { return m.mode }

// TLSConfig returns a new TLS configuration serving the Manager's
// certificates, TLS 1.2 or later, offering ALPN http/1.1 and, in ACME mode,
// acme-tls/1 for the tls-alpn-01 challenge. The caller may change the
// returned value but must keep GetCertificate and NextProtos.
func (m *Manager) TLSConfig() *tls.Config {
	c := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: m.getCertificate,
		NextProtos:     []string{"http/1.1"},
	}
	if m.mode == ModeACME {
		c.NextProtos = append(c.NextProtos, alpnProto)
	}
	return c
}

func (m *Manager) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if m.mode == ModeFiles {
		return m.files.current(), nil
	}
	return m.acme.get(m, hello)
}

// Reload re-reads the certificate files; on failure the previous
// certificate stays in use and the error is returned and kept for Status.
// In ACME mode, where renewal is automatic, it does nothing.
func (m *Manager) Reload() error {
	if m.mode != ModeFiles {
		return nil
	}
	err := m.files.load()
	m.note("", err)
	if err != nil {
		return err
	}
	leaf := m.files.current().Leaf
	m.log.Info("TLS certificate loaded", slog.String("file", m.files.certFile),
		slog.Any("names", leaf.DNSNames), slog.Time("not_after", leaf.NotAfter))
	return nil
}

// HTTPHandler returns the handler of the optional plain-HTTP listener,
// which must be reachable on port 80 of every host. In ACME mode it answers
// http-01 challenges and enables that challenge type; call it before the
// first TLS handshake. Other requests go to fallback; nil redirects GET and
// HEAD to the same URL over https and answers other methods with 400.
func (m *Manager) HTTPHandler(fallback http.Handler) http.Handler {
	if fallback == nil {
		fallback = http.HandlerFunc(redirectHTTPS)
	}
	if m.mode == ModeACME {
		return m.acme.ac.HTTPHandler(fallback)
	}
	return fallback
}

// redirectHTTPS sends GET and HEAD to the https URL of the same host, on
// the default port, and refuses other methods.
func redirectHTTPS(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "use HTTPS", http.StatusBadRequest)
		return
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusMovedPermanently)
}

// Close makes the Manager stop writing to its ACME cache directory, waiting
// for writes under way: call it once the HTTPS server has stopped, before
// the directory may be removed or copied. Certificates obtained afterwards
// are served but not stored. In files mode it does nothing.
func (m *Manager) Close() {
	if m.mode == ModeACME {
		m.acme.cache.close()
	}
}

// Status reports the current certificates and the last error.
func (m *Manager) Status() Status {
	var st Status
	if m.mode == ModeFiles {
		leaf := m.files.current().Leaf
		st = Status{Mode: ModeFiles, Names: slices.Clone(leaf.DNSNames), NotAfter: leaf.NotAfter, Issuer: leaf.Issuer.String()}
	} else {
		st = m.acme.status()
	}
	m.mu.Lock()
	st.LastError, st.LastErrorAt = m.lastErr, m.lastErrAt
	m.mu.Unlock()
	return st
}

// note records the outcome of a load or issuance for host ("" in files
// mode), logging each distinct error once.
func (m *Manager) note(host string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err == nil {
		m.lastErr, m.lastErrAt, m.lastLogged = "", time.Time{}, ""
		return
	}
	m.lastErr, m.lastErrAt = err.Error(), time.Now()
	if m.lastErr == m.lastLogged {
		return
	}
	m.lastLogged = m.lastErr
	if host == "" {
		m.log.Warn("loading TLS certificate; keeping the previous one", slog.Any("error", err))
		return
	}
	m.log.Warn("obtaining TLS certificate", slog.String("host", host), slog.Any("error", err))
}

// served logs a certificate for host the first time it is served.
func (m *Manager) served(host string, c *tls.Certificate) {
	if c == nil || c.Leaf == nil {
		return
	}
	serialNo := c.Leaf.SerialNumber.String()
	m.mu.Lock()
	seen := m.servedLeafs[host] == serialNo
	m.servedLeafs[host] = serialNo
	m.mu.Unlock()
	if !seen {
		m.log.Info("TLS certificate ready", slog.String("host", host),
			slog.String("issuer", c.Leaf.Issuer.CommonName), slog.Time("not_after", c.Leaf.NotAfter))
	}
}
