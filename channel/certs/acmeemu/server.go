// Package acmeemu is a small ACME (RFC 8555) certificate authority for tests.
//
// It serves the directory, nonces, accounts, orders, authorizations,
// challenges, finalization and certificate download, verifies every JWS
// request with the account key (ES256, ES384, RS256), actually validates
// tls-alpn-01 (RFC 8737) and http-01 challenges by connecting to the client,
// and issues certificates from an in-memory CA. Because tests cannot bind
// ports 443 and 80, Options.Resolve maps the name being validated to a
// loopback address.
//
// Serve it over TLS with httptest.NewTLSServer(srv) and point the ACME client
// at URL+DirectoryPath using the test server's client.
package acmeemu

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// DirectoryPath is the path of the ACME directory resource.
const DirectoryPath = "/directory"

// Challenge types the emulator can offer.
const (
	TLSALPN01 = "tls-alpn-01"
	HTTP01    = "http-01"
)

// Options configure a Server.
type Options struct {
	// Resolve returns the address (host:port) to dial to validate name on
	// port, which is 443 for tls-alpn-01 and 80 for http-01, or "" when
	// the name is unreachable. Nil makes every validation fail.
	Resolve func(name string, port int) string
	// Challenges lists the challenge types offered in each authorization,
	// in order; empty offers tls-alpn-01 and http-01.
	Challenges []string
	// CertLifetime is the validity of issued certificates; zero means 90
	// days.
	CertLifetime time.Duration
	// TermsOfService is advertised in the directory's meta object; empty
	// advertises none and then new accounts need not agree to anything.
	TermsOfService string
	// ValidationTimeout bounds one challenge validation; zero means 5s.
	ValidationTimeout time.Duration
}

// Server is an ACME CA. Its methods are safe for concurrent use.
type Server struct {
	opts Options
	ca   *authority
	mux  *http.ServeMux

	mu          sync.Mutex
	nextID      int
	nonces      map[string]bool
	accounts    map[string]*account // by id
	byThumb     map[string]*account // by JWK thumbprint
	orders      map[string]*order
	authzs      map[string]*authz
	challenges  map[string]*challenge
	certs       map[string][]byte // PEM chains by id
	certOwner   map[string]string // account id by certificate id
	validations map[string]int    // successful validations by type
	failures    map[string]int    // failed validations by type
}

// New returns a Server with a fresh CA.
func New(opts Options) (*Server, error) {
	if len(opts.Challenges) == 0 {
		opts.Challenges = []string{TLSALPN01, HTTP01}
	}
	for _, c := range opts.Challenges {
		if c != TLSALPN01 && c != HTTP01 {
			return nil, fmt.Errorf("acmeemu: unsupported challenge type %q", c)
		}
	}
	if opts.CertLifetime == 0 {
		opts.CertLifetime = 90 * 24 * time.Hour
	}
	if opts.ValidationTimeout == 0 {
		opts.ValidationTimeout = 5 * time.Second
	}
	ca, err := newAuthority()
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts: opts, ca: ca,
		nonces: map[string]bool{}, accounts: map[string]*account{}, byThumb: map[string]*account{},
		orders: map[string]*order{}, authzs: map[string]*authz{}, challenges: map[string]*challenge{},
		certs: map[string][]byte{}, certOwner: map[string]string{}, validations: map[string]int{}, failures: map[string]int{},
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET "+DirectoryPath, s.directory)
	m.HandleFunc("HEAD /new-nonce", s.newNonce)
	m.HandleFunc("GET /new-nonce", s.newNonce)
	m.HandleFunc("POST /new-account", s.newAccount)
	m.HandleFunc("POST /account/{id}", s.getAccount)
	m.HandleFunc("POST /new-order", s.newOrder)
	m.HandleFunc("POST /order/{id}", s.getOrder)
	m.HandleFunc("POST /authz/{id}", s.postAuthz)
	m.HandleFunc("POST /challenge/{id}", s.postChallenge)
	m.HandleFunc("POST /finalize/{id}", s.finalize)
	m.HandleFunc("POST /cert/{id}", s.getCert)
	m.HandleFunc("POST /revoke-cert", s.unsupported)
	m.HandleFunc("POST /key-change", s.unsupported)
	s.mux = m
}

// ServeHTTP serves the ACME API. Every response carries a fresh
// Replay-Nonce.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Replay-Nonce", s.nonce())
	w.Header().Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

// CACert returns the certificate of the CA that signs issued certificates.
func (s *Server) CACert() *x509.Certificate { return s.ca.cert }

// CAPool returns a pool holding only the CA certificate, for verifying
// issued certificates.
func (s *Server) CAPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.ca.cert)
	return p
}

// Orders returns how many orders were created.
func (s *Server) Orders() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.orders)
}

// Accounts returns how many accounts were created.
func (s *Server) Accounts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.accounts)
}

// Issued returns how many certificates were issued.
func (s *Server) Issued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.certs)
}

// Validations returns how many challenges of type typ were validated
// successfully.
func (s *Server) Validations(typ string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.validations[typ]
}

// Failures returns how many challenge validations of type typ failed.
func (s *Server) Failures(typ string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failures[typ]
}

// id returns a new resource identifier. s.mu must be held.
func (s *Server) id() string {
	s.nextID++
	return fmt.Sprintf("%d", s.nextID)
}
