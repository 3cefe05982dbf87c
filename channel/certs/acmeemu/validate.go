package acmeemu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/asn1"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
)

// alpnProto is the ALPN protocol of tls-alpn-01 (RFC 8737 §6.2).
const alpnProto = "acme-tls/1"

// idPeACMEIdentifier is the OID of the acmeIdentifier extension.
var idPeACMEIdentifier = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 31}

// validate checks the client's response to a challenge of type typ for
// name; nil means it is valid.
func (s *Server) validate(ctx context.Context, typ, name, keyAuth string) *problem {
	ctx, cancel := context.WithTimeout(ctx, s.opts.ValidationTimeout)
	defer cancel()
	port := 443
	if typ == HTTP01 {
		port = 80
	}
	addr := ""
	if s.opts.Resolve != nil {
		addr = s.opts.Resolve(name, port)
	}
	if addr == "" {
		return &problem{Type: errConnection, Detail: fmt.Sprintf("%s:%d is unreachable", name, port), Status: http.StatusBadRequest}
	}
	if typ == HTTP01 {
		return validateHTTP01(ctx, addr, name, keyAuth)
	}
	return validateTLSALPN01(ctx, addr, name, keyAuth)
}

// validateTLSALPN01 connects to addr with SNI name and ALPN acme-tls/1 and
// checks the self-signed certificate: only name as SAN and a critical
// acmeIdentifier extension holding SHA-256 of the key authorization.
func validateTLSALPN01(ctx context.Context, addr, name, keyAuth string) *problem {
	fail := func(typ, format string, args ...any) *problem {
		return &problem{Type: typ, Detail: "tls-alpn-01 for " + name + ": " + fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
	}
	d := &tls.Dialer{Config: &tls.Config{
		ServerName:         name,
		NextProtos:         []string{alpnProto},
		InsecureSkipVerify: true, // the challenge certificate is self-signed
		MinVersion:         tls.VersionTLS12,
	}}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fail(errTLS, "%v", err)
	}
	defer nc.Close()
	st := nc.(*tls.Conn).ConnectionState()
	if st.NegotiatedProtocol != alpnProto {
		return fail(errTLS, "server negotiated ALPN %q, want %q", st.NegotiatedProtocol, alpnProto)
	}
	if len(st.PeerCertificates) == 0 {
		return fail(errTLS, "no certificate")
	}
	leaf := st.PeerCertificates[0]
	if !slices.Equal(leaf.DNSNames, []string{name}) {
		return fail(errIncorrectResponse, "certificate names %v, want only %s", leaf.DNSNames, name)
	}
	want := sha256.Sum256([]byte(keyAuth))
	for _, ext := range leaf.Extensions {
		if !ext.Id.Equal(idPeACMEIdentifier) {
			continue
		}
		if !ext.Critical {
			return fail(errIncorrectResponse, "acmeIdentifier extension is not critical")
		}
		var got []byte
		if rest, err := asn1.Unmarshal(ext.Value, &got); err != nil || len(rest) != 0 {
			return fail(errIncorrectResponse, "acmeIdentifier extension is not an OCTET STRING")
		}
		if !bytes.Equal(got, want[:]) {
			return fail(errIncorrectResponse, "acmeIdentifier does not match the key authorization")
		}
		return nil
	}
	return fail(errIncorrectResponse, "certificate lacks the acmeIdentifier extension")
}

// validateHTTP01 fetches http://name/.well-known/acme-challenge/<token>,
// dialing addr, and compares the body with the key authorization.
func validateHTTP01(ctx context.Context, addr, name, keyAuth string) *problem {
	fail := func(typ, format string, args ...any) *problem {
		return &problem{Type: typ, Detail: "http-01 for " + name + ": " + fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
	}
	token, _, _ := strings.Cut(keyAuth, ".")
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		DisableKeepAlives: true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+name+"/.well-known/acme-challenge/"+token, nil)
	if err != nil {
		return fail(errServerInternal, "%v", err)
	}
	res, err := client.Do(req)
	if err != nil {
		return fail(errConnection, "%v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 4096))
	if err != nil {
		return fail(errConnection, "reading response: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		return fail(errUnauthorized, "status %d", res.StatusCode)
	}
	if strings.TrimSpace(string(body)) != keyAuth {
		return fail(errIncorrectResponse, "body %q does not match the key authorization", body)
	}
	return nil
}
