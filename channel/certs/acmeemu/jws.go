package acmeemu

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"strings"
)

var b64 = base64.RawURLEncoding

// nonce issues a fresh anti-replay nonce.
func (s *Server) nonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	n := b64.EncodeToString(b)
	s.mu.Lock()
	s.nonces[n] = true
	s.mu.Unlock()
	return n
}

// jwsBody is the flattened JSON serialization of a JWS (RFC 7515).
type jwsBody struct {
	Protected string `json:"protected"`
	Payload   string `json:"payload"`
	Signature string `json:"signature"`
}

// jwsHeader is the protected header of an ACME request (RFC 8555 §6.2).
type jwsHeader struct {
	Alg   string          `json:"alg"`
	Nonce string          `json:"nonce"`
	URL   string          `json:"url"`
	JWK   json.RawMessage `json:"jwk"`
	KID   string          `json:"kid"`
}

// request is a verified ACME request.
type request struct {
	payload []byte // nil for POST-as-GET
	key     crypto.PublicKey
	thumb   string   // JWK thumbprint of key
	acct    *account // nil for requests signed with a jwk
}

// requestURL is the absolute URL the client addressed.
func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.Path
}

// baseURL is the absolute URL of the server's root, without a slash.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// verify checks the JWS of r: content type, nonce, url, key form and
// signature. With wantJWK the request must carry a jwk (new accounts),
// otherwise the kid of an existing, valid account.
func (s *Server) verify(r *http.Request, wantJWK bool) (*request, *problem) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/jose+json" {
		return nil, malformed("Content-Type must be application/jose+json")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		return nil, malformed("reading body: " + err.Error())
	}
	var j jwsBody
	if err := json.Unmarshal(body, &j); err != nil {
		return nil, malformed("body is not a flattened JWS: " + err.Error())
	}
	hb, err := b64.DecodeString(j.Protected)
	if err != nil {
		return nil, malformed("protected header is not base64url")
	}
	var h jwsHeader
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, malformed("protected header is not JSON")
	}
	s.mu.Lock()
	fresh := s.nonces[h.Nonce]
	delete(s.nonces, h.Nonce)
	s.mu.Unlock()
	if !fresh {
		return nil, &problem{Type: errBadNonce, Detail: "unknown or reused nonce", Status: http.StatusBadRequest}
	}
	if h.URL != requestURL(r) {
		return nil, &problem{Type: errUnauthorized, Detail: fmt.Sprintf("url %q does not match the request URL %q", h.URL, requestURL(r)), Status: http.StatusUnauthorized}
	}
	if (len(h.JWK) > 0) == (h.KID != "") {
		return nil, malformed("exactly one of jwk and kid must be present")
	}
	req := &request{}
	switch {
	case wantJWK && len(h.JWK) == 0:
		return nil, malformed("this request must be signed with a jwk")
	case !wantJWK && h.KID == "":
		return nil, malformed("this request must be signed with a kid")
	case wantJWK:
		req.key, req.thumb, err = parseJWK(h.JWK)
		if err != nil {
			return nil, malformed("jwk: " + err.Error())
		}
	default:
		id, ok := strings.CutPrefix(h.KID, baseURL(r)+"/account/")
		s.mu.Lock()
		acct := s.accounts[id]
		s.mu.Unlock()
		if !ok || acct == nil {
			return nil, &problem{Type: errAccountDoesNotExist, Detail: "unknown kid " + h.KID, Status: http.StatusBadRequest}
		}
		req.key, req.thumb, req.acct = acct.key, acct.thumb, acct
	}
	sig, err := b64.DecodeString(j.Signature)
	if err != nil {
		return nil, malformed("signature is not base64url")
	}
	if p := checkSignature(h.Alg, req.key, []byte(j.Protected+"."+j.Payload), sig); p != nil {
		return nil, p
	}
	if j.Payload != "" {
		if req.payload, err = b64.DecodeString(j.Payload); err != nil {
			return nil, malformed("payload is not base64url")
		}
	}
	return req, nil
}

// checkSignature verifies sig over signed with key under alg.
func checkSignature(alg string, key crypto.PublicKey, signed, sig []byte) *problem {
	bad := &problem{Type: errMalformed, Detail: "JWS signature does not verify", Status: http.StatusBadRequest}
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		var digest []byte
		switch {
		case alg == "ES256" && k.Curve == elliptic.P256():
			d := sha256.Sum256(signed)
			digest = d[:]
		case alg == "ES384" && k.Curve == elliptic.P384():
			d := sha512.Sum384(signed)
			digest = d[:]
		default:
			return &problem{Type: errBadSignatureAlgorithm, Detail: fmt.Sprintf("alg %q does not fit the EC key", alg), Status: http.StatusBadRequest}
		}
		n := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*n {
			return bad
		}
		r, s := new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])
		if !ecdsa.Verify(k, digest, r, s) {
			return bad
		}
	case *rsa.PublicKey:
		if alg != "RS256" {
			return &problem{Type: errBadSignatureAlgorithm, Detail: fmt.Sprintf("alg %q does not fit the RSA key", alg), Status: http.StatusBadRequest}
		}
		d := sha256.Sum256(signed)
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, d[:], sig) != nil {
			return bad
		}
	default:
		return bad
	}
	return nil
}

// parseJWK decodes an EC (P-256, P-384) or RSA public JWK and returns it
// with its RFC 7638 thumbprint.
func parseJWK(raw json.RawMessage) (crypto.PublicKey, string, error) {
	var k struct{ Kty, Crv, X, Y, N, E string }
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, "", err
	}
	var canonical string
	var pub crypto.PublicKey
	switch k.Kty {
	case "EC":
		var curve elliptic.Curve
		switch k.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		default:
			return nil, "", fmt.Errorf("unsupported curve %q", k.Crv)
		}
		x, err1 := b64.DecodeString(k.X)
		y, err2 := b64.DecodeString(k.Y)
		size := (curve.Params().BitSize + 7) / 8
		if err1 != nil || err2 != nil || len(x) != size || len(y) != size {
			return nil, "", fmt.Errorf("bad coordinates")
		}
		// RFC 7518 section 6.2.1: full-length coordinates; the parser
		// checks that the point is on the curve.
		ek, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, "", fmt.Errorf("point is not on the curve")
		}
		pub = ek
		canonical = fmt.Sprintf(`{"crv":"%s","kty":"EC","x":"%s","y":"%s"}`, k.Crv, k.X, k.Y)
	case "RSA":
		n, err1 := b64.DecodeString(k.N)
		e, err2 := b64.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) > 4 || len(n) < 256 {
			return nil, "", fmt.Errorf("bad RSA parameters")
		}
		pub = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		canonical = fmt.Sprintf(`{"e":"%s","kty":"RSA","n":"%s"}`, k.E, k.N)
	default:
		return nil, "", fmt.Errorf("unsupported kty %q", k.Kty)
	}
	sum := sha256.Sum256([]byte(canonical))
	return pub, b64.EncodeToString(sum[:]), nil
}

// keyAuthorization is token.thumbprint (RFC 8555 §8.1).
func keyAuthorization(token, thumb string) string { return token + "." + thumb }
