package graphemu

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Number is one emulated business phone number and its credentials.
type Number struct {
	PhoneNumberID      string
	WABAID             string
	DisplayPhoneNumber string // as Meta shows it, such as "+1 555-078-3881"
	VerifiedName       string
	Token              string // the access token that may use this number
	// AppID is the Meta app (AddApp) whose callback URL and secret serve
	// this number, with overrides and subscriptions as Meta applies them.
	// Without one, AppSecret and WebhookURL are used directly.
	AppID      string
	AppSecret  string // signs this number's webhooks (without AppID)
	WebhookURL string // where webhooks go (without AppID); empty fires none

	// Rate is the throughput in messages per second (0 = unlimited); over
	// it sends fail with 130429.
	Rate int
	// Burst is the token bucket's size; 0 means max(1, Rate/10).
	Burst int
	// PairRate is the messages per second allowed to one recipient
	// (0 = unlimited); over it sends fail with 131056.
	PairRate float64
	// PairBurst is the per-recipient bucket size; 0 means 1.
	PairBurst int
	// QualityRating is reported by the phone number endpoint; "" is GREEN.
	QualityRating string
	// Unregistered makes every send fail with 133010 and the number's
	// status PENDING until POST /{phone-number-id}/register.
	Unregistered bool
	// PIN is the number's two-step verification PIN; register must give
	// it when set (and sets it when not).
	PIN string
}

// number is a registered Number with its state.
type number struct {
	Number
	limiter *rate.Limiter
	pair    map[string]*rate.Limiter
	sent    []SentMessage
	reads   []ReadReceipt
	inbound map[string]bool
	// later is, by WAMID, what a sent message's statuses after its
	// automatic ones need.
	later    map[string]*laterStatus
	rejected map[int]int
	// overrideURL is the number's webhook_configuration override.
	overrideURL string
}

// AddNumber registers n, replacing a number with the same PhoneNumberID
// and its history. PhoneNumberID, WABAID and Token are required.
func (s *Server) AddNumber(n Number) error {
	switch {
	case n.PhoneNumberID == "":
		return errors.New("adding number: phone number id required")
	case n.WABAID == "":
		return errors.New("adding number: WABA id required")
	case n.Token == "":
		return errors.New("adding number: token required")
	}
	num := &number{Number: n, pair: make(map[string]*rate.Limiter), inbound: make(map[string]bool), rejected: make(map[int]int),
		later: make(map[string]*laterStatus)}
	if n.Rate > 0 {
		burst := n.Burst
		if burst <= 0 {
			burst = max(1, n.Rate/10)
		}
		num.limiter = rate.NewLimiter(rate.Limit(n.Rate), burst)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.numbers[n.PhoneNumberID] = num
	return nil
}

// ExpireToken makes token fail with Meta's expired-session error (190,
// subcode 463) from now on.
func (s *Server) ExpireToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expired[token] = true
}

// allowPair reports whether one more message to recipient fits the pair
// rate; s.mu must be held.
func (n *number) allowPair(recipient string, now time.Time) bool {
	if n.PairRate <= 0 {
		return true
	}
	l := n.pair[recipient]
	if l == nil {
		burst := n.PairBurst
		if burst <= 0 {
			burst = 1
		}
		l = rate.NewLimiter(rate.Limit(n.PairRate), burst)
		n.pair[recipient] = l
	}
	return l.AllowN(now, 1)
}

// bearer extracts the access token of r.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return ""
	}
	return strings.TrimSpace(h[len(prefix):])
}

// checkToken validates the token of r against every number; s.mu must be
// held. It returns the token.
func (s *Server) checkToken(r *http.Request) (string, *graphError) {
	tok := bearer(r)
	if tok == "" {
		e := errNoToken()
		return "", &e
	}
	if s.expired[tok] {
		e := errExpiredToken()
		return "", &e
	}
	for _, n := range s.numbers {
		if n.Token == tok {
			return tok, nil
		}
	}
	e := errBadToken()
	return "", &e
}

// numberFor returns the number pnid if tok may use it; s.mu must be held.
func (s *Server) numberFor(pnid, tok, method string) (*number, *graphError) {
	n := s.numbers[pnid]
	if n == nil || n.Token != tok {
		e := errUnknownObject(method, pnid)
		return nil, &e
	}
	return n, nil
}

// wabaToken checks the request's token and that it may act on account
// waba (verb names the action in the error: get, post or delete) and
// returns the token; s.mu must be held.
func (s *Server) wabaToken(r *http.Request, waba, verb string) (string, *graphError) {
	tok, gerr := s.checkToken(r)
	if gerr != nil {
		return "", gerr
	}
	if !s.tokenSeesWABA(waba, tok) {
		e := errUnknownObject(verb, waba)
		return "", &e
	}
	return tok, nil
}

// tokenSeesWABA reports whether tok belongs to a number of waba; s.mu must
// be held.
func (s *Server) tokenSeesWABA(waba, tok string) bool {
	for _, n := range s.numbers {
		if n.WABAID == waba && n.Token == tok {
			return true
		}
	}
	return false
}

// reject answers with e and counts it against n (when known); s.mu must
// not be held.
func (s *Server) reject(w http.ResponseWriter, pnid string, e graphError) {
	s.mu.Lock()
	if n := s.numbers[pnid]; n != nil {
		n.rejected[e.code]++
	}
	s.mu.Unlock()
	writeError(w, e)
}

func (n *number) String() string { return fmt.Sprintf("number %s", n.PhoneNumberID) }
