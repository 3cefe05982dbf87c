package cloudapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"syscall"
)

// Describe says in plain words why a Graph API call failed, for people:
// Meta's explanation of its error, or what kept the request from reaching
// Meta. It never repeats the request's URL, which names ids and fields;
// the daemon's log has the full error.
func Describe(err error) string {
	var (
		api    *APIError
		status *StatusError
		dns    *net.DNSError
		ne     net.Error
		unk    x509.UnknownAuthorityError
		host   x509.HostnameError
		inv    x509.CertificateInvalidError
		verify *tls.CertificateVerificationError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &api):
		return fmt.Sprintf("Meta answered with error %d: %s", api.Code, api.Explain())
	case errors.As(err, &status):
		return fmt.Sprintf("the Graph API address answered HTTP %d without a Graph API error; check graph_url and any proxy in between.", status.HTTPStatus)
	case errors.Is(err, context.Canceled):
		return "the request was cancelled before Meta answered."
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "Meta's Graph API did not answer in time. Try again; if it keeps happening, check this machine's internet connection."
	case errors.As(err, &dns):
		return fmt.Sprintf("Meta's Graph API could not be reached: the name %s could not be looked up. Check this machine's DNS and graph_url.", dns.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "Meta's Graph API could not be reached: the connection was refused. Check graph_url and any proxy or firewall."
	case errors.As(err, &unk), errors.As(err, &host), errors.As(err, &inv), errors.As(err, &verify):
		return "the Graph API's TLS certificate was not accepted. Check the machine's clock, its CA certificates and any proxy that intercepts HTTPS."
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return "Meta's Graph API could not be reached. Check this machine's internet connection, proxy and firewall."
	}
	return "the request to Meta's Graph API failed; the daemon's log has the details."
}
