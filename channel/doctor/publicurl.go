package doctor

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// checkPublicURL checks that Meta can deliver webhooks to public_url: https,
// a DNS hostname without underscores, reachable with a certificate a
// client accepts.
func (d *Doctor) checkPublicURL(ctx context.Context) Result {
	const name = "public_url"
	raw := d.cfg.PublicURL
	u, err := url.Parse(raw)
	if err != nil {
		return fail(name, err.Error(), "set public_url to https://<your host name>")
	}
	host := u.Hostname()
	fixURL := "set public_url to https://<a DNS name of this server> with a certificate from a public CA: let wachan get one (acme = true, listen = \":443\"), or give it one (tls_cert, tls_key), or use a reverse proxy"
	switch {
	case u.Scheme != "https":
		return fail(name, raw+" is not https: Meta only delivers webhooks over HTTPS", fixURL)
	case net.ParseIP(host) != nil:
		return fail(name, raw+" uses an IP address: Meta needs a host name with a valid certificate", fixURL)
	case strings.Contains(host, "_"):
		return fail(name, raw+": the host name contains '_', which is not valid in DNS host names and certificates", "use a host name of letters, digits, '-' and '.' only")
	case !strings.Contains(host, "."):
		return fail(name, raw+": "+host+" is not a fully qualified domain name", fixURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw+"/healthz", nil)
	if err != nil {
		return fail(name, err.Error(), fixURL)
	}
	resp, err := d.tls.Do(req)
	if err != nil {
		var unknown x509.UnknownAuthorityError
		var invalid x509.CertificateInvalidError
		var hostErr x509.HostnameError
		switch {
		case errors.As(err, &unknown):
			return fail(name, raw+" has a certificate no client trusts (self-signed or an unknown CA): Meta refuses it",
				"use a certificate from a public CA: set acme = true to let wachan get one from Let's Encrypt, or certbot certonly -d "+host+" and set tls_cert and tls_key (or install it on your reverse proxy), then reload wachan")
		case errors.As(err, &hostErr):
			return fail(name, raw+": the certificate is not valid for "+host, "get a certificate that names "+host)
		case errors.As(err, &invalid):
			return fail(name, raw+": certificate invalid: "+invalid.Error(), "renew the certificate (certbot renew) and reload wachan (systemctl reload wachan)")
		}
		return fail(name, "cannot reach "+raw+": "+err.Error(),
			"make "+host+" resolve to this server and open port "+portOf(u)+" to the internet (Meta's servers must reach it)")
	}
	defer resp.Body.Close()
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		left := time.Until(resp.TLS.PeerCertificates[0].NotAfter)
		if left < 14*24*time.Hour {
			return warn(name, fmt.Sprintf("%s: certificate expires in %d days", raw, int(left.Hours()/24)),
				"renew it (certbot renew) and reload wachan (systemctl reload wachan)")
		}
	}
	if resp.StatusCode != http.StatusOK {
		return warn(name, fmt.Sprintf("%s/healthz answered %s: it may not reach this wachan", raw, resp.Status),
			"point the reverse proxy for "+host+" at wachan's listen address")
	}
	return ok(name, raw+" reachable over HTTPS with a trusted certificate")
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	return "443"
}
