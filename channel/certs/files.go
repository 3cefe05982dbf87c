package certs

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"sync"
)

// fileSource serves a certificate pair read from PEM files.
type fileSource struct {
	certFile, keyFile string

	mu   sync.RWMutex
	cert *tls.Certificate // never nil after the first successful load
}

// load reads and parses the files and, only if that succeeds, makes them
// the current certificate.
func (f *fileSource) load() error {
	c, err := tls.LoadX509KeyPair(f.certFile, f.keyFile)
	if err != nil {
		return fmt.Errorf("loading TLS certificate %s: %w", f.certFile, err)
	}
	if c.Leaf == nil {
		if c.Leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return fmt.Errorf("parsing TLS certificate %s: %w", f.certFile, err)
		}
	}
	f.mu.Lock()
	f.cert = &c
	f.mu.Unlock()
	return nil
}

// current returns the certificate in use.
func (f *fileSource) current() *tls.Certificate {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.cert
}
