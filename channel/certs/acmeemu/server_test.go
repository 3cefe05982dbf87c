package acmeemu_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/acme"

	"github.com/wachan/wachan/channel/certs/acmeemu"
)

const name = "pbx.example.com"

// start serves a new emulator over TLS; resolve maps validations.
func start(t *testing.T, resolve func(string, int) string, challenges ...string) (*acmeemu.Server, *httptest.Server) {
	t.Helper()
	emu, err := acmeemu.New(acmeemu.Options{Resolve: resolve, Challenges: challenges, ValidationTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv
}

func client(t *testing.T, srv *httptest.Server, key crypto.Signer) *acme.Client {
	t.Helper()
	c := &acme.Client{Key: key, DirectoryURL: srv.URL + acmeemu.DirectoryPath, HTTPClient: srv.Client()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Register(ctx, &acme.Account{Contact: []string{"mailto:ops@example.com"}}, acme.AcceptTOS); err != nil {
		t.Fatal(err)
	}
	return c
}

func ecKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// serveALPN serves cert to acme-tls/1 handshakes.
func serveALPN(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{acme.ALPNProto}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// pendingChallenge orders a certificate for name and returns the order and
// the challenge of type typ.
func pendingChallenge(t *testing.T, ctx context.Context, c *acme.Client, typ string) (*acme.Order, *acme.Challenge) {
	t.Helper()
	o, err := c.AuthorizeOrder(ctx, acme.DomainIDs(name))
	if err != nil {
		t.Fatal(err)
	}
	z, err := c.GetAuthorization(ctx, o.AuthzURLs[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range z.Challenges {
		if ch.Type == typ {
			return o, ch
		}
	}
	t.Fatalf("no %s challenge in %+v", typ, z.Challenges)
	return nil, nil
}

// TestFlowRSA runs the whole RFC 8555 flow with acme.Client and an RSA
// (RS256) account key, independently of autocert.
func TestFlowRSA(t *testing.T) {
	addrs := &ports{m: map[int]string{}}
	emu, srv := start(t, func(n string, port int) string {
		if n != name {
			return ""
		}
		return addrs.resolve(n, port)
	})
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, srv, rk)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o, ch := pendingChallenge(t, ctx, c, acmeemu.TLSALPN01)

	// Finalizing before the challenge is validated is refused.
	certKey := ecKey(t)
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: []string{name}}, certKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.CreateOrderCert(ctx, o.FinalizeURL, csr, true); !isProblem(err, "orderNotReady") {
		t.Errorf("early finalize = %v, want orderNotReady", err)
	}

	cert, err := c.TLSALPN01ChallengeCert(ch.Token, name)
	if err != nil {
		t.Fatal(err)
	}
	addrs.set(443, serveALPN(t, cert))
	if _, err := c.Accept(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitAuthorization(ctx, o.AuthzURLs[0]); err != nil {
		t.Fatal(err)
	}
	if o, err = c.WaitOrder(ctx, o.URI); err != nil || o.Status != acme.StatusReady {
		t.Fatalf("order %+v, %v; want ready", o, err)
	}

	t.Run("csr for other names refused", func(t *testing.T) {
		bad, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: []string{name, "x.example.com"}}, certKey)
		if _, _, err := c.CreateOrderCert(ctx, o.FinalizeURL, bad, true); !isProblem(err, "badCSR") {
			t.Errorf("finalize = %v, want badCSR", err)
		}
	})

	der, _, err := c.CreateOrderCert(ctx, o.FinalizeURL, csr, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(der) != 2 {
		t.Fatalf("chain of %d certificates, want leaf and CA", len(der))
	}
	leaf, err := x509.ParseCertificate(der[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: emu.CAPool()}); err != nil {
		t.Errorf("issued certificate does not verify: %v", err)
	}
	if !bytes.Equal(der[1], emu.CACert().Raw) {
		t.Error("chain does not end with the CA certificate")
	}
	if emu.Orders() != 1 || emu.Issued() != 1 || emu.Accounts() != 1 || emu.Validations(acmeemu.TLSALPN01) != 1 {
		t.Errorf("orders %d issued %d accounts %d validations %d; want 1 each",
			emu.Orders(), emu.Issued(), emu.Accounts(), emu.Validations(acmeemu.TLSALPN01))
	}

	t.Run("same key registers the same account", func(t *testing.T) {
		c2 := &acme.Client{Key: rk, DirectoryURL: c.DirectoryURL, HTTPClient: srv.Client()}
		if _, err := c2.Register(ctx, &acme.Account{}, acme.AcceptTOS); !errors.Is(err, acme.ErrAccountAlreadyExists) {
			t.Errorf("Register = %v, want ErrAccountAlreadyExists", err)
		}
		if emu.Accounts() != 1 {
			t.Errorf("accounts = %d", emu.Accounts())
		}
	})
}

func isProblem(err error, typ string) bool {
	var ae *acme.Error
	return errors.As(err, &ae) && strings.HasSuffix(ae.ProblemType, ":"+typ)
}

// ports maps a validation port to an address, safely for the emulator's
// goroutines.
type ports struct {
	mu sync.Mutex
	m  map[int]string
}

func (p *ports) set(port int, addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[port] = addr
}

func (p *ports) resolve(_ string, port int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.m[port]
}

func TestValidationFailures(t *testing.T) {
	addrs := &ports{m: map[int]string{}}
	emu, srv := start(t, addrs.resolve)
	c := client(t, srv, ecKey(t))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	t.Run("tls-alpn-01 with another token", func(t *testing.T) {
		o, ch := pendingChallenge(t, ctx, c, acmeemu.TLSALPN01)
		cert, err := c.TLSALPN01ChallengeCert("not-"+ch.Token, name)
		if err != nil {
			t.Fatal(err)
		}
		addrs.set(443, serveALPN(t, cert))
		if _, err := c.Accept(ctx, ch); err != nil {
			t.Fatal(err)
		}
		if _, err := c.WaitAuthorization(ctx, o.AuthzURLs[0]); err == nil {
			t.Error("authorization valid with a wrong key authorization")
		}
		if _, err := c.WaitOrder(ctx, o.URI); err == nil {
			t.Error("order usable after a failed challenge")
		}
	})

	t.Run("tls-alpn-01 certificate for another name", func(t *testing.T) {
		o, ch := pendingChallenge(t, ctx, c, acmeemu.TLSALPN01)
		cert, err := c.TLSALPN01ChallengeCert(ch.Token, "other.example.com")
		if err != nil {
			t.Fatal(err)
		}
		addrs.set(443, serveALPN(t, cert))
		c.Accept(ctx, ch)
		if _, err := c.WaitAuthorization(ctx, o.AuthzURLs[0]); err == nil {
			t.Error("authorization valid with a certificate for another name")
		}
	})

	t.Run("http-01 wrong body", func(t *testing.T) {
		o, ch := pendingChallenge(t, ctx, c, acmeemu.HTTP01)
		h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Host != name || r.URL.Path != c.HTTP01ChallengePath(ch.Token) {
				http.NotFound(w, r)
				return
			}
			fmt.Fprint(w, ch.Token+".wrong")
		}))
		defer h.Close()
		addrs.set(80, h.Listener.Addr().String())
		c.Accept(ctx, ch)
		if _, err := c.WaitAuthorization(ctx, o.AuthzURLs[0]); err == nil {
			t.Error("authorization valid with a wrong body")
		}
	})

	t.Run("http-01 right body", func(t *testing.T) {
		o, ch := pendingChallenge(t, ctx, c, acmeemu.HTTP01)
		body, err := c.HTTP01ChallengeResponse(ch.Token)
		if err != nil {
			t.Fatal(err)
		}
		h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Host != name || r.URL.Path != c.HTTP01ChallengePath(ch.Token) {
				http.NotFound(w, r)
				return
			}
			fmt.Fprint(w, body)
		}))
		defer h.Close()
		addrs.set(80, h.Listener.Addr().String())
		c.Accept(ctx, ch)
		if _, err := c.WaitAuthorization(ctx, o.AuthzURLs[0]); err != nil {
			t.Error(err)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		addrs.set(80, "")
		o, ch := pendingChallenge(t, ctx, c, acmeemu.HTTP01)
		c.Accept(ctx, ch)
		if _, err := c.WaitAuthorization(ctx, o.AuthzURLs[0]); err == nil {
			t.Error("authorization valid without a server")
		}
	})

	if emu.Failures(acmeemu.TLSALPN01) != 2 || emu.Failures(acmeemu.HTTP01) != 2 || emu.Validations(acmeemu.HTTP01) != 1 {
		t.Errorf("failures %d/%d, http-01 validations %d; want 2/2 and 1",
			emu.Failures(acmeemu.TLSALPN01), emu.Failures(acmeemu.HTTP01), emu.Validations(acmeemu.HTTP01))
	}

	t.Run("rejected identifiers", func(t *testing.T) {
		for _, id := range []acme.AuthzID{
			{Type: "dns", Value: "localhost"}, {Type: "dns", Value: "pbx"}, {Type: "dns", Value: "a_b.example.com"},
			{Type: "dns", Value: "192.0.2.1"}, {Type: "ip", Value: "192.0.2.1"},
		} {
			if _, err := c.AuthorizeOrder(ctx, []acme.AuthzID{id}); err == nil {
				t.Errorf("%+v: order accepted", id)
			}
		}
	})
}

// rawClient sends hand-made JWS requests.
type rawClient struct {
	t   *testing.T
	srv *httptest.Server
	key *ecdsa.PrivateKey
	kid string
}

func (r *rawClient) jwk() string {
	pub := r.key.PublicKey
	b := func(n []byte) string { return base64.RawURLEncoding.EncodeToString(n) }
	raw, err := pub.Bytes() // 0x04, then x and y
	if err != nil {
		r.t.Fatal(err)
	}
	return fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}`, b(raw[1:33]), b(raw[33:]))
}

func (r *rawClient) nonce() string {
	res, err := r.srv.Client().Head(r.srv.URL + "/new-nonce")
	if err != nil {
		r.t.Fatal(err)
	}
	res.Body.Close()
	return res.Header.Get("Replay-Nonce")
}

// post signs payload for url with header fields hdr (alg, nonce, url and
// jwk or kid filled in unless present) and returns status and problem type.
func (r *rawClient) post(path string, hdr map[string]any, payload string, signer *ecdsa.PrivateKey) (int, string) {
	url := r.srv.URL + path
	h := map[string]any{"alg": "ES256", "nonce": r.nonce(), "url": url}
	if r.kid != "" {
		h["kid"] = r.kid
	} else {
		h["jwk"] = json.RawMessage(r.jwk())
	}
	for k, v := range hdr {
		if v == nil {
			delete(h, k)
		} else {
			h[k] = v
		}
	}
	hb, _ := json.Marshal(h)
	enc := base64.RawURLEncoding
	prot, pl := enc.EncodeToString(hb), enc.EncodeToString([]byte(payload))
	if payload == "" {
		pl = ""
	}
	if signer == nil {
		signer = r.key
	}
	d := sha256.Sum256([]byte(prot + "." + pl))
	rr, ss, err := ecdsa.Sign(rand.Reader, signer, d[:])
	if err != nil {
		r.t.Fatal(err)
	}
	sig := make([]byte, 64)
	rr.FillBytes(sig[:32])
	ss.FillBytes(sig[32:])
	body, _ := json.Marshal(map[string]string{"protected": prot, "payload": pl, "signature": enc.EncodeToString(sig)})
	res, err := r.srv.Client().Post(url, "application/jose+json", bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	if loc := res.Header.Get("Location"); strings.Contains(loc, "/account/") && r.kid == "" {
		r.kid = loc
	}
	var p struct{ Type string }
	json.NewDecoder(res.Body).Decode(&p)
	return res.StatusCode, p.Type
}

func TestJWSVerification(t *testing.T) {
	_, srv := start(t, nil)
	rc := &rawClient{t: t, srv: srv, key: ecKey(t)}
	const (
		malformed = "urn:ietf:params:acme:error:malformed"
		badNonce  = "urn:ietf:params:acme:error:badNonce"
	)
	// Before the account exists.
	if code, typ := rc.post("/new-account", nil, `{"onlyReturnExisting":true}`, nil); code != 400 || !strings.HasSuffix(typ, "accountDoesNotExist") {
		t.Errorf("onlyReturnExisting: %d %s", code, typ)
	}
	if code, _ := rc.post("/new-account", nil, `{"contact":["mailto:ops@example.com"]}`, nil); code != http.StatusCreated || rc.kid == "" {
		t.Fatalf("new account: %d, kid %q", code, rc.kid)
	}
	order := `{"identifiers":[{"type":"dns","value":"` + name + `"}]}`
	reused := rc.nonce()
	tests := []struct {
		name     string
		hdr      map[string]any
		signer   *ecdsa.PrivateKey
		wantCode int
		wantType string
	}{
		{"valid", nil, nil, http.StatusCreated, ""},
		{"reused nonce", map[string]any{"nonce": reused}, nil, 0, ""}, // first use passes
		{"reused nonce again", map[string]any{"nonce": reused}, nil, 400, badNonce},
		{"made-up nonce", map[string]any{"nonce": "bm9ub25jZQ"}, nil, 400, badNonce},
		{"no nonce", map[string]any{"nonce": nil}, nil, 400, badNonce},
		{"wrong url", map[string]any{"url": srv.URL + "/new-account"}, nil, 401, "urn:ietf:params:acme:error:unauthorized"},
		{"other key's signature", nil, ecKey(t), 400, malformed},
		{"wrong alg", map[string]any{"alg": "RS256"}, nil, 400, "urn:ietf:params:acme:error:badSignatureAlgorithm"},
		{"none alg", map[string]any{"alg": "none"}, nil, 400, "urn:ietf:params:acme:error:badSignatureAlgorithm"},
		{"unknown kid", map[string]any{"kid": srv.URL + "/account/999"}, nil, 400, "urn:ietf:params:acme:error:accountDoesNotExist"},
		{"jwk and kid", map[string]any{"jwk": json.RawMessage(rc.jwk())}, nil, 400, malformed},
		{"jwk instead of kid", map[string]any{"kid": nil, "jwk": json.RawMessage(rc.jwk())}, nil, 400, malformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, typ := rc.post("/new-order", tt.hdr, order, tt.signer)
			if tt.wantCode == 0 {
				return
			}
			if code != tt.wantCode || typ != tt.wantType {
				t.Errorf("got %d %q, want %d %q", code, typ, tt.wantCode, tt.wantType)
			}
		})
	}
	t.Run("content type", func(t *testing.T) {
		res, err := srv.Client().Post(srv.URL+"/new-order", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 400 || res.Header.Get("Replay-Nonce") == "" {
			t.Errorf("status %d, nonce %q; want 400 with a fresh nonce", res.StatusCode, res.Header.Get("Replay-Nonce"))
		}
	})
}
