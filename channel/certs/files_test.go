package certs_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/certs"
)

// writePair writes a self-signed certificate for name and its key and
// returns the certificate.
func writePair(t *testing.T, certFile, keyFile, name string, serial int64) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Duration(serial) * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

func TestFilesReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	first := writePair(t, certFile, keyFile, host, 10)
	m, err := certs.New(certs.Options{CertFile: certFile, KeyFile: keyFile}, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, m)
	pool := x509.NewCertPool()
	pool.AddCert(first)
	serving := func() *x509.Certificate {
		t.Helper()
		l, err := handshakeNoSNI(addr)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if _, err := handshake(addr, host, pool); err != nil {
		t.Fatalf("verified handshake: %v", err)
	}
	st := m.Status()
	if st.Mode != certs.ModeFiles || !st.NotAfter.Equal(first.NotAfter) || len(st.Names) != 1 || st.Names[0] != host {
		t.Errorf("status = %+v", st)
	}

	t.Run("broken file keeps the old certificate", func(t *testing.T) {
		if err := os.WriteFile(certFile, []byte("-----BEGIN CERTIFICATE-----\ngarbage\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := m.Reload(); err == nil || !strings.Contains(err.Error(), certFile) {
			t.Errorf("Reload = %v, want an error naming %s", err, certFile)
		}
		if got := serving(); got.SerialNumber.Int64() != 10 {
			t.Errorf("serving serial %v after a failed reload, want the old 10", got.SerialNumber)
		}
		if st := m.Status(); st.LastError == "" || st.LastErrorAt.IsZero() || !st.NotAfter.Equal(first.NotAfter) {
			t.Errorf("status = %+v, want the old certificate and the error", st)
		}
	})

	t.Run("mismatched key keeps the old certificate", func(t *testing.T) {
		other := filepath.Join(dir, "other")
		writePair(t, certFile, other+".key", host, 11)
		writePair(t, other+".crt", keyFile, host, 12)
		if err := m.Reload(); err == nil {
			t.Error("Reload accepted a key that does not match")
		}
		if got := serving(); got.SerialNumber.Int64() != 10 {
			t.Errorf("serving serial %v, want the old 10", got.SerialNumber)
		}
	})

	t.Run("renewed file is served", func(t *testing.T) {
		renewed := writePair(t, certFile, keyFile, host, 20)
		if err := m.Reload(); err != nil {
			t.Fatal(err)
		}
		if got := serving(); got.SerialNumber.Int64() != 20 {
			t.Errorf("serving serial %v, want the renewed 20", got.SerialNumber)
		}
		if st := m.Status(); st.LastError != "" || !st.NotAfter.Equal(renewed.NotAfter) {
			t.Errorf("status = %+v, want the renewed certificate and no error", st)
		}
	})

	t.Run("http handler only redirects", func(t *testing.T) {
		// Files mode has no challenges to answer.
		addr := serveHTTP(t, m.HTTPHandler(nil))
		hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := hc.Get("http://" + addr + "/.well-known/acme-challenge/token")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if want := "https://127.0.0.1/.well-known/acme-challenge/token"; res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != want {
			t.Errorf("got %d to %q, want 301 to %s", res.StatusCode, res.Header.Get("Location"), want)
		}
	})
}

func TestNew(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePair(t, certFile, keyFile, host, 1)
	tests := []struct {
		name string
		opts certs.Options
		want string // "" = accepted; else a substring of the error
	}{
		{"nothing", certs.Options{}, "no certificate source"},
		{"both", certs.Options{CertFile: certFile, KeyFile: keyFile, ACME: true, Hosts: []string{host}, CacheDir: dir}, "mutually exclusive"},
		{"cert without key", certs.Options{CertFile: certFile}, "both"},
		{"missing file", certs.Options{CertFile: certFile + ".none", KeyFile: keyFile}, "loading TLS certificate"},
		{"files", certs.Options{CertFile: certFile, KeyFile: keyFile}, ""},
		{"acme no hosts", certs.Options{ACME: true, CacheDir: dir}, "at least one host"},
		{"acme no cache", certs.Options{ACME: true, Hosts: []string{host}}, "cache directory"},
		{"acme ip", certs.Options{ACME: true, Hosts: []string{"203.0.113.7"}, CacheDir: dir}, "IP address"},
		{"acme localhost", certs.Options{ACME: true, Hosts: []string{"localhost"}, CacheDir: dir}, "local name"},
		{"acme underscore", certs.Options{ACME: true, Hosts: []string{"pbx_1.example.com"}, CacheDir: dir}, "underscore"},
		{"acme no dot", certs.Options{ACME: true, Hosts: []string{"pbx"}, CacheDir: dir}, "no dot"},
		{"acme bad directory", certs.Options{ACME: true, Hosts: []string{host}, CacheDir: dir, DirectoryURL: "acme.example"}, "directory URL"},
		{"acme", certs.Options{ACME: true, Hosts: []string{host, "PBX.Example.com."}, CacheDir: filepath.Join(dir, "c")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := certs.New(tt.opts, testLogger())
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			case tt.want == "" && tt.opts.ACME:
				if st := m.Status(); len(st.Names) != 1 || st.Names[0] != host {
					t.Errorf("names = %v, want the hosts normalized and deduplicated", st.Names)
				}
				if err := m.Reload(); err != nil {
					t.Errorf("Reload in ACME mode = %v", err)
				}
			}
		})
	}
}
