package certs_test

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/wachan/wachan/channel/certs"
)

// Example shows how a server uses a Manager in ACME mode: the optional
// http-01 listener's handler is taken before TLS is served, the HTTPS
// listener is wrapped with TLSConfig, and Obtain fetches the certificate
// ahead of the first client.
func Example() {
	log := slog.Default()
	m, err := certs.New(certs.Options{
		ACME:     true,
		Hosts:    []string{"pbx.example.com"},
		Email:    "ops@example.com",
		CacheDir: filepath.Join("/var/lib/wachan", "acme"),
	}, log)
	if err != nil {
		log.Error("certificates", slog.Any("error", err))
		return
	}

	plain := &http.Server{Addr: ":80", Handler: m.HTTPHandler(nil), ReadHeaderTimeout: 10 * time.Second}
	go plain.ListenAndServe()

	ln, err := net.Listen("tcp", ":443")
	if err != nil {
		log.Error("listening", slog.Any("error", err))
		return
	}
	app := http.NewServeMux()
	go http.Serve(tls.NewListener(ln, m.TLSConfig()), app)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := m.Obtain(ctx); err != nil {
		log.Warn("no certificate yet", slog.Any("error", err))
	}
	log.Info("certificate", slog.Time("not_after", m.Status().NotAfter))
}
