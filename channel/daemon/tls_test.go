package daemon

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/certs/acmeemu"
)

// The daemon obtains its own certificate from an ACME CA at start and
// serves the API over HTTPS with it.
func TestACMECertificateAtStart(t *testing.T) {
	t.Parallel()
	const host = "pbx.example.com"
	addr := freeAddr(t)
	emu, err := acmeemu.New(acmeemu.Options{Resolve: func(name string, port int) string {
		if name == host && port == 443 {
			return addr // tls-alpn-01 validation reaches the daemon
		}
		return ""
	}})
	if err != nil {
		t.Fatal(err)
	}
	ca := httptest.NewServer(emu)
	defer ca.Close()

	cfg := testConfig(t, "http://127.0.0.1:1")
	cfg.Listen = addr
	cfg.PublicURL = "https://" + host
	cfg.ACME = true
	cfg.ACMEDirectory = ca.URL + acmeemu.DirectoryPath
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	d, err := New(cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	// Issued at start, without waiting for a first client.
	deadline := time.Now().Add(time.Minute)
	for emu.Issued() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if emu.Issued() == 0 {
		t.Fatal("no certificate issued at start")
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: emu.CAPool(), ServerName: host},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var dl net.Dialer
			return dl.DialContext(ctx, network, addr)
		},
	}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get("https://" + host + "/healthz")
	if err != nil {
		t.Fatalf("HTTPS with the issued certificate: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz = %d", resp.StatusCode)
	}
	if hsts := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(hsts, "max-age=") {
		t.Fatalf("Strict-Transport-Security = %q over HTTPS", hsts)
	}
	if n := emu.Orders(); n != 1 {
		t.Fatalf("orders = %d, want 1", n)
	}
}
