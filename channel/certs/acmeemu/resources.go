package acmeemu

import (
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// ACME error types (RFC 8555 §6.7).
const (
	errMalformed             = "urn:ietf:params:acme:error:malformed"
	errBadNonce              = "urn:ietf:params:acme:error:badNonce"
	errUnauthorized          = "urn:ietf:params:acme:error:unauthorized"
	errAccountDoesNotExist   = "urn:ietf:params:acme:error:accountDoesNotExist"
	errBadSignatureAlgorithm = "urn:ietf:params:acme:error:badSignatureAlgorithm"
	errRejectedIdentifier    = "urn:ietf:params:acme:error:rejectedIdentifier"
	errUnsupportedIdentifier = "urn:ietf:params:acme:error:unsupportedIdentifier"
	errOrderNotReady         = "urn:ietf:params:acme:error:orderNotReady"
	errBadCSR                = "urn:ietf:params:acme:error:badCSR"
	errUserActionRequired    = "urn:ietf:params:acme:error:userActionRequired"
	errIncorrectResponse     = "urn:ietf:params:acme:error:incorrectResponse"
	errConnection            = "urn:ietf:params:acme:error:connection"
	errTLS                   = "urn:ietf:params:acme:error:tls"
	errServerInternal        = "urn:ietf:params:acme:error:serverInternal"
)

// problem is an RFC 7807 problem document.
type problem struct {
	Type   string `json:"type"`
	Detail string `json:"detail"`
	Status int    `json:"status"`
}

func malformed(detail string) *problem {
	return &problem{Type: errMalformed, Detail: detail, Status: http.StatusBadRequest}
}

// Resource status values.
const (
	statusPending     = "pending"
	statusReady       = "ready"
	statusProcessing  = "processing"
	statusValid       = "valid"
	statusInvalid     = "invalid"
	statusDeactivated = "deactivated"
)

type account struct {
	id      string
	key     any
	thumb   string
	contact []string
}

type identifier struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type order struct {
	id      string
	acct    string
	status  string
	expires time.Time
	ids     []identifier
	authzs  []string
	certID  string
	err     *problem
}

type authz struct {
	id      string
	acct    string
	order   string
	status  string
	expires time.Time
	ident   identifier
	chals   []string
}

type challenge struct {
	id        string
	authz     string
	typ       string
	token     string
	status    string
	validated time.Time
	err       *problem
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeProblem(w http.ResponseWriter, p *problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

func (s *Server) directory(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r)
	meta := map[string]any{}
	if s.opts.TermsOfService != "" {
		meta["termsOfService"] = s.opts.TermsOfService
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"newNonce":   base + "/new-nonce",
		"newAccount": base + "/new-account",
		"newOrder":   base + "/new-order",
		"revokeCert": base + "/revoke-cert",
		"keyChange":  base + "/key-change",
		"meta":       meta,
	})
}

func (s *Server) newNonce(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) unsupported(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, malformed("not supported by this test CA"))
}

func accountJSON(a *account, r *http.Request) map[string]any {
	return map[string]any{"status": statusValid, "contact": a.contact, "orders": baseURL(r) + "/account/" + a.id + "/orders"}
}

func (s *Server) newAccount(w http.ResponseWriter, r *http.Request) {
	req, p := s.verify(r, true)
	if p != nil {
		writeProblem(w, p)
		return
	}
	var in struct {
		Contact            []string `json:"contact"`
		TermsAgreed        bool     `json:"termsOfServiceAgreed"`
		OnlyReturnExisting bool     `json:"onlyReturnExisting"`
	}
	if err := json.Unmarshal(req.payload, &in); err != nil {
		writeProblem(w, malformed("new account payload: "+err.Error()))
		return
	}
	for _, c := range in.Contact {
		if !strings.HasPrefix(c, "mailto:") || !strings.Contains(c, "@") {
			writeProblem(w, &problem{Type: "urn:ietf:params:acme:error:invalidContact", Detail: "bad contact " + c, Status: http.StatusBadRequest})
			return
		}
	}
	s.mu.Lock()
	a := s.byThumb[req.thumb]
	status := http.StatusOK
	switch {
	case a != nil:
	case in.OnlyReturnExisting:
		s.mu.Unlock()
		writeProblem(w, &problem{Type: errAccountDoesNotExist, Detail: "no account for this key", Status: http.StatusBadRequest})
		return
	case s.opts.TermsOfService != "" && !in.TermsAgreed:
		s.mu.Unlock()
		writeProblem(w, &problem{Type: errUserActionRequired, Detail: "terms of service must be agreed to", Status: http.StatusForbidden})
		return
	default:
		a = &account{id: s.id(), key: req.key, thumb: req.thumb, contact: in.Contact}
		s.accounts[a.id] = a
		s.byThumb[a.thumb] = a
		status = http.StatusCreated
	}
	s.mu.Unlock()
	w.Header().Set("Location", baseURL(r)+"/account/"+a.id)
	writeJSON(w, status, accountJSON(a, r))
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	req, p := s.verify(r, false)
	if p != nil {
		writeProblem(w, p)
		return
	}
	if req.acct.id != r.PathValue("id") {
		writeProblem(w, &problem{Type: errUnauthorized, Detail: "not your account", Status: http.StatusForbidden})
		return
	}
	writeJSON(w, http.StatusOK, accountJSON(req.acct, r))
}

// checkIdentifier refuses what a public CA refuses to issue for.
func checkIdentifier(id identifier) *problem {
	if id.Type != "dns" {
		return &problem{Type: errUnsupportedIdentifier, Detail: "only dns identifiers are supported", Status: http.StatusBadRequest}
	}
	v := id.Value
	reject := func(why string) *problem {
		return &problem{Type: errRejectedIdentifier, Detail: v + ": " + why, Status: http.StatusBadRequest}
	}
	switch {
	case net.ParseIP(v) != nil:
		return reject("IP addresses are not allowed")
	case v != strings.ToLower(v):
		return reject("must be lower case")
	case !strings.Contains(v, "."):
		return reject("must have at least two labels")
	case v == "localhost" || strings.HasSuffix(v, ".localhost"):
		return reject("localhost is not allowed")
	case strings.ContainsAny(v, "_*"):
		return reject("contains a forbidden character")
	}
	return nil
}

func (s *Server) orderJSON(o *order, r *http.Request) map[string]any {
	base := baseURL(r)
	m := map[string]any{
		"status":      o.status,
		"expires":     o.expires.Format(time.RFC3339),
		"identifiers": o.ids,
		"finalize":    base + "/finalize/" + o.id,
	}
	var zs []string
	for _, id := range o.authzs {
		zs = append(zs, base+"/authz/"+id)
	}
	m["authorizations"] = zs
	if o.certID != "" {
		m["certificate"] = base + "/cert/" + o.certID
	}
	if o.err != nil {
		m["error"] = o.err
	}
	return m
}

func (s *Server) newOrder(w http.ResponseWriter, r *http.Request) {
	req, p := s.verify(r, false)
	if p != nil {
		writeProblem(w, p)
		return
	}
	var in struct {
		Identifiers []identifier `json:"identifiers"`
	}
	if err := json.Unmarshal(req.payload, &in); err != nil || len(in.Identifiers) == 0 {
		writeProblem(w, malformed("new order needs identifiers"))
		return
	}
	for _, id := range in.Identifiers {
		if p := checkIdentifier(id); p != nil {
			writeProblem(w, p)
			return
		}
	}
	s.mu.Lock()
	exp := time.Now().Add(24 * time.Hour)
	o := &order{id: s.id(), acct: req.acct.id, status: statusPending, expires: exp, ids: in.Identifiers}
	for _, id := range in.Identifiers {
		z := &authz{id: s.id(), acct: req.acct.id, order: o.id, status: statusPending, expires: exp, ident: id}
		for _, typ := range s.opts.Challenges {
			c := &challenge{id: s.id(), authz: z.id, typ: typ, token: randomToken(), status: statusPending}
			s.challenges[c.id] = c
			z.chals = append(z.chals, c.id)
		}
		s.authzs[z.id] = z
		o.authzs = append(o.authzs, z.id)
	}
	s.orders[o.id] = o
	body := s.orderJSON(o, r)
	s.mu.Unlock()
	w.Header().Set("Location", baseURL(r)+"/order/"+o.id)
	writeJSON(w, http.StatusCreated, body)
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request) {
	req, p := s.verify(r, false)
	if p != nil {
		writeProblem(w, p)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[r.PathValue("id")]
	if o == nil || o.acct != req.acct.id {
		writeProblem(w, &problem{Type: errMalformed, Detail: "no such order", Status: http.StatusNotFound})
		return
	}
	writeJSON(w, http.StatusOK, s.orderJSON(o, r))
}

func (s *Server) challengeJSON(c *challenge, r *http.Request) map[string]any {
	m := map[string]any{
		"type":   c.typ,
		"url":    baseURL(r) + "/challenge/" + c.id,
		"token":  c.token,
		"status": c.status,
	}
	if !c.validated.IsZero() {
		m["validated"] = c.validated.Format(time.RFC3339)
	}
	if c.err != nil {
		m["error"] = c.err
	}
	return m
}

func (s *Server) authzJSON(z *authz, r *http.Request) map[string]any {
	var cs []map[string]any
	for _, id := range z.chals {
		cs = append(cs, s.challengeJSON(s.challenges[id], r))
	}
	return map[string]any{
		"identifier": z.ident,
		"status":     z.status,
		"expires":    z.expires.Format(time.RFC3339),
		"challenges": cs,
	}
}

func (s *Server) postAuthz(w http.ResponseWriter, r *http.Request) {
	req, p := s.verify(r, false)
	if p != nil {
		writeProblem(w, p)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.authzs[r.PathValue("id")]
	if z == nil || z.acct != req.acct.id {
		writeProblem(w, &problem{Type: errMalformed, Detail: "no such authorization", Status: http.StatusNotFound})
		return
	}
	if req.payload != nil {
		var in struct {
			Status string `json:"status"`
		}
		if err := json.Unmarshal(req.payload, &in); err != nil || in.Status != statusDeactivated {
			writeProblem(w, malformed(`an authorization update must be {"status":"deactivated"}`))
			return
		}
		if z.status == statusPending || z.status == statusValid {
			z.status = statusDeactivated
		}
	}
	writeJSON(w, http.StatusOK, s.authzJSON(z, r))
}

func (s *Server) postChallenge(w http.ResponseWriter, r *http.Request) {
	req, p := s.verify(r, false)
	if p != nil {
		writeProblem(w, p)
		return
	}
	s.mu.Lock()
	c := s.challenges[r.PathValue("id")]
	var z *authz
	if c != nil {
		z = s.authzs[c.authz]
	}
	if z == nil || z.acct != req.acct.id {
		s.mu.Unlock()
		writeProblem(w, &problem{Type: errMalformed, Detail: "no such challenge", Status: http.StatusNotFound})
		return
	}
	start := req.payload != nil && c.status == statusPending && z.status == statusPending
	if start {
		c.status = statusProcessing
	}
	name, typ, token := z.ident.Value, c.typ, c.token
	s.mu.Unlock()

	if start {
		// Validate before answering, so the client's first poll of the
		// authorization sees the outcome.
		vp := s.validate(r.Context(), typ, name, keyAuthorization(token, req.thumb))
		s.finish(c.id, vp)
	}
	s.mu.Lock()
	body := s.challengeJSON(c, r)
	s.mu.Unlock()
	w.Header().Add("Link", `<`+baseURL(r)+"/authz/"+z.id+`>;rel="up"`)
	writeJSON(w, http.StatusOK, body)
}

// finish records the outcome of validating challenge id and updates its
// authorization and order.
func (s *Server) finish(id string, p *problem) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.challenges[id]
	z := s.authzs[c.authz]
	o := s.orders[z.order]
	if p != nil {
		s.failures[c.typ]++
		c.status, c.err = statusInvalid, p
		z.status = statusInvalid
		o.status, o.err = statusInvalid, &problem{Type: p.Type, Detail: "authorization for " + z.ident.Value + " failed: " + p.Detail, Status: http.StatusForbidden}
		return
	}
	s.validations[c.typ]++
	c.status, c.validated = statusValid, time.Now()
	z.status = statusValid
	if o.status != statusPending {
		return
	}
	for _, zid := range o.authzs {
		if s.authzs[zid].status != statusValid {
			return
		}
	}
	o.status = statusReady
}

func (s *Server) finalize(w http.ResponseWriter, r *http.Request) {
	req, p := s.verify(r, false)
	if p != nil {
		writeProblem(w, p)
		return
	}
	var in struct {
		CSR string `json:"csr"`
	}
	if err := json.Unmarshal(req.payload, &in); err != nil {
		writeProblem(w, malformed("finalize payload: "+err.Error()))
		return
	}
	der, err := b64.DecodeString(in.CSR)
	if err != nil {
		writeProblem(w, &problem{Type: errBadCSR, Detail: "csr is not base64url", Status: http.StatusBadRequest})
		return
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err == nil {
		err = csr.CheckSignature()
	}
	if err != nil {
		writeProblem(w, &problem{Type: errBadCSR, Detail: "csr: " + err.Error(), Status: http.StatusBadRequest})
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[r.PathValue("id")]
	if o == nil || o.acct != req.acct.id {
		writeProblem(w, &problem{Type: errMalformed, Detail: "no such order", Status: http.StatusNotFound})
		return
	}
	if o.status != statusReady {
		writeProblem(w, &problem{Type: errOrderNotReady, Detail: "order is " + o.status, Status: http.StatusForbidden})
		return
	}
	var want, got []string
	for _, id := range o.ids {
		want = append(want, id.Value)
	}
	got = append(got, csr.DNSNames...)
	if csr.Subject.CommonName != "" && !slices.Contains(got, csr.Subject.CommonName) {
		got = append(got, csr.Subject.CommonName)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, slices.Compact(got)) {
		writeProblem(w, &problem{Type: errBadCSR, Detail: "csr names " + strings.Join(got, ",") + " differ from the order's " + strings.Join(want, ","), Status: http.StatusBadRequest})
		return
	}
	chain, err := s.ca.issue(csr.PublicKey, want, s.opts.CertLifetime)
	if err != nil {
		writeProblem(w, &problem{Type: errServerInternal, Detail: err.Error(), Status: http.StatusInternalServerError})
		return
	}
	o.certID = s.id()
	s.certs[o.certID] = chain
	s.certOwner[o.certID] = o.acct
	o.status = statusValid
	w.Header().Set("Location", baseURL(r)+"/order/"+o.id)
	writeJSON(w, http.StatusOK, s.orderJSON(o, r))
}

func (s *Server) getCert(w http.ResponseWriter, r *http.Request) {
	req, p := s.verify(r, false)
	if p != nil {
		writeProblem(w, p)
		return
	}
	s.mu.Lock()
	id := r.PathValue("id")
	chain, ok := s.certs[id]
	ok = ok && s.certOwner[id] == req.acct.id
	s.mu.Unlock()
	if !ok {
		writeProblem(w, &problem{Type: errMalformed, Detail: "no such certificate", Status: http.StatusNotFound})
		return
	}
	w.Header().Set("Content-Type", "application/pem-certificate-chain")
	w.Write(chain)
}
