package ingest

import (
	"sync"
	"time"
)

// Refusal reasons, worded for the admin.
const (
	ReasonBadSignature = "signature does not match this app secret — did you paste the app secret of another app?"
	ReasonNoSignature  = "no X-Hub-Signature-256 header: the sender is not Meta, or a proxy in front of wachan drops the header"
)

// Health counts, per Meta app (AppKey), the webhook deliveries refused in
// the last 24 hours and when deliveries were last accepted. It is safe for
// concurrent use and kept in memory: a restart starts the counts afresh.
type Health struct {
	mu   sync.Mutex
	now  func() time.Time
	apps map[string]*appHealth
}

// appHealth is one app's record: refusals per hour in a 24-slot ring.
type appHealth struct {
	hours      [24]hourCount
	lastReason string
	lastRefuse time.Time
	lastAccept time.Time
}

type hourCount struct {
	hour int64 // unix hour the count belongs to
	n    int
}

// AppHealth is what Health knows of one app.
type AppHealth struct {
	Refused24h     int       `json:"refused_24h"`
	LastRefusal    string    `json:"last_refusal,omitempty"`
	LastRefusedAt  time.Time `json:"last_refused_at,omitzero"`
	LastAcceptedAt time.Time `json:"last_accepted_at,omitzero"`
}

// NewHealth returns an empty record; now may be nil for time.Now.
func NewHealth(now func() time.Time) *Health {
	if now == nil {
		now = time.Now
	}
	return &Health{now: now, apps: map[string]*appHealth{}}
}

func (h *Health) app(key string) *appHealth {
	a := h.apps[key]
	if a == nil {
		a = &appHealth{}
		h.apps[key] = a
	}
	return a
}

// Refused records a delivery to app key refused for reason.
func (h *Health) Refused(key, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	a := h.app(key)
	hour := now.Unix() / 3600
	slot := &a.hours[hour%24]
	if slot.hour != hour {
		*slot = hourCount{hour: hour}
	}
	slot.n++
	a.lastReason, a.lastRefuse = reason, now.UTC()
}

// Accepted records an accepted delivery to app key.
func (h *Health) Accepted(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.app(key).lastAccept = h.now().UTC()
}

// App returns app key's record.
func (h *Health) App(key string) AppHealth {
	h.mu.Lock()
	defer h.mu.Unlock()
	a := h.apps[key]
	if a == nil {
		return AppHealth{}
	}
	now := h.now().Unix() / 3600
	var out AppHealth
	for _, s := range a.hours {
		if s.hour > now-24 {
			out.Refused24h += s.n
		}
	}
	if out.Refused24h > 0 {
		out.LastRefusal, out.LastRefusedAt = a.lastReason, a.lastRefuse
	}
	out.LastAcceptedAt = a.lastAccept
	return out
}
