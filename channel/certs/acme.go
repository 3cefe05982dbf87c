package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"github.com/wachan/wachan/config/hostname"
)

// alpnProto is the ALPN protocol of the tls-alpn-01 challenge.
const alpnProto = acme.ALPNProto

// acmeSource obtains and renews certificates with autocert.
type acmeSource struct {
	ac    *autocert.Manager
	hosts []string // normalized, in configured order
	cache *closingCache
}

func newACMESource(opts Options) (*acmeSource, error) {
	var hosts []string
	for _, h := range opts.Hosts {
		if err := hostname.Check(h); err != nil {
			return nil, fmt.Errorf("certs: ACME host: %w", err)
		}
		if n := normalizeHost(h); !slices.Contains(hosts, n) {
			hosts = append(hosts, n)
		}
	}
	if len(hosts) == 0 {
		return nil, errors.New("certs: ACME needs at least one host name")
	}
	if opts.CacheDir == "" {
		return nil, errors.New("certs: ACME needs a cache directory")
	}
	dirURL := opts.DirectoryURL
	if dirURL == "" {
		dirURL = LetsEncryptURL
	}
	u, err := url.Parse(dirURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("certs: ACME directory URL %q is not an absolute http(s) URL", dirURL)
	}
	// One subdirectory per CA, so that switching from a staging to a
	// production directory does not keep serving the staging certificate.
	dir := filepath.Join(opts.CacheDir, strings.ReplaceAll(u.Host, ":", "_"))
	if err := makePrivateDir(opts.CacheDir); err != nil {
		return nil, err
	}
	if err := makePrivateDir(dir); err != nil {
		return nil, err
	}
	cache := &closingCache{Cache: autocert.DirCache(dir)}
	ac := &autocert.Manager{
		// Configuring a CA means accepting its subscriber agreement.
		Prompt:      autocert.AcceptTOS,
		Cache:       cache,
		HostPolicy:  autocert.HostWhitelist(hosts...),
		Email:       opts.Email,
		RenewBefore: opts.RenewBefore,
		Client:      &acme.Client{DirectoryURL: dirURL, HTTPClient: opts.HTTPClient, UserAgent: "wachan"},
	}
	return &acmeSource{ac: ac, hosts: hosts, cache: cache}, nil
}

// makePrivateDir creates dir, or tightens it, to mode 0700.
func makePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating ACME cache directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("restricting ACME cache directory: %w", err)
	}
	return nil
}

// get serves a certificate for the hello: a tls-alpn-01 challenge
// certificate when the CA is validating, else the host's certificate,
// obtained from the cache or the CA. A hello without a server name gets the
// first host's certificate; other hosts get an error, so a client naming an
// arbitrary host cannot make the Manager order certificates.
func (a *acmeSource) get(m *Manager, hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if len(hello.SupportedProtos) == 1 && hello.SupportedProtos[0] == alpnProto {
		return a.ac.GetCertificate(hello)
	}
	name := normalizeHost(hello.ServerName)
	if name == "" {
		h := *hello
		h.ServerName = a.hosts[0]
		hello, name = &h, a.hosts[0]
	}
	if !slices.Contains(a.hosts, name) {
		return nil, fmt.Errorf("certs: no certificate for host %q", hello.ServerName)
	}
	c, err := a.ac.GetCertificate(hello)
	m.note(name, err)
	if err != nil {
		return nil, fmt.Errorf("certs: obtaining certificate for %s: %w", name, err)
	}
	m.served(name, c)
	return c, nil
}

// Obtain makes sure every configured host has a certificate, loading it
// from the cache or ordering it from the CA, so that the first client does
// not wait for issuance. In ACME mode the HTTPS listener (and, for http-01,
// the HTTPHandler listener) must already be serving; in files mode Obtain
// does nothing. If ctx ends first Obtain returns ctx.Err() and issuance in
// progress goes on in the background (without storing anything once the
// Manager is closed).
func (m *Manager) Obtain(ctx context.Context) error {
	if m.mode != ModeACME {
		return nil
	}
	var errs []error
	for _, h := range m.acme.hosts {
		done := make(chan error, 1)
		go func() {
			_, err := m.acme.get(m, &tls.ClientHelloInfo{
				ServerName:       h,
				CipherSuites:     []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
				SignatureSchemes: []tls.SignatureScheme{tls.ECDSAWithP256AndSHA256},
				SupportedCurves:  []tls.CurveID{tls.CurveP256},
			})
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				errs = append(errs, err)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return errors.Join(errs...)
}

// status reads the hosts' certificates from the cache, where autocert
// stores each host's ECDSA key and chain under the host name.
func (a *acmeSource) status() Status {
	st := Status{Mode: ModeACME, Names: slices.Clone(a.hosts)}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := time.Now()
	for _, h := range a.hosts {
		leaf := cachedLeaf(ctx, a.cache, h)
		if leaf == nil || now.After(leaf.NotAfter) {
			st.Missing = append(st.Missing, h)
			continue
		}
		if st.NotAfter.IsZero() || leaf.NotAfter.Before(st.NotAfter) {
			st.NotAfter, st.Issuer = leaf.NotAfter, leaf.Issuer.String()
		}
	}
	return st
}

// cachedLeaf returns the first certificate stored under name, or nil.
func cachedLeaf(ctx context.Context, cache autocert.Cache, name string) *x509.Certificate {
	data, err := cache.Get(ctx, name)
	if err != nil {
		return nil
	}
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			return nil
		}
		if b.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil
			}
			return c
		}
	}
}

// normalizeHost lower-cases name and drops a trailing dot.
func normalizeHost(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, "."))
}
