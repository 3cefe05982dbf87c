package campaign

import (
	"log/slog"
	"sync"
	"time"

	"github.com/wachan/wachan/store"
)

// DefaultDailyLimit is the messaging limit of a new WhatsApp Business
// account (tier 0): unique customers reached by business-initiated
// messages in a rolling 24 h.
const DefaultDailyLimit = 1000

// Options tune a Service.
type Options struct {
	// Rate is the send rate of a channel without its own, in messages per
	// second; 0 means 80.
	Rate int
	// Window is how many seconds of sends, at the channel's rate, a
	// campaign may have in the outbox at once; 0 means 1 s.
	Window time.Duration
	// Build makes each recipient's message; nil means TemplateBuild.
	Build BuildFunc
	// Wake makes the outbox look at its queue; it must not block.
	Wake func()
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Interval is how often the runner looks at running campaigns when
	// nothing wakes it; 0 means 250 ms.
	Interval time.Duration
}

// Service runs campaigns. Its methods are safe for concurrent use; run
// Run once.
type Service struct {
	store *store.Store
	log   *slog.Logger
	opts  Options
	wake  chan struct{}
	rates *rates
}

// New returns a campaign service. st and log must not be nil.
func New(st *store.Store, log *slog.Logger, opts Options) *Service {
	if opts.Rate <= 0 {
		opts.Rate = 80
	}
	if opts.Window <= 0 {
		opts.Window = time.Second
	}
	if opts.Build == nil {
		opts.Build = TemplateBuild
	}
	if opts.Wake == nil {
		opts.Wake = func() {}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Interval <= 0 {
		opts.Interval = 250 * time.Millisecond
	}
	return &Service{store: st, log: log, opts: opts, wake: make(chan struct{}, 1), rates: newRates()}
}

// Wake makes the runner look at running campaigns now; it never blocks.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// rates counts each campaign's accepted sends per second over the last
// minute.
type rates struct {
	mu   sync.Mutex
	secs map[uint64]*[60]slot
}

type slot struct {
	sec int64
	n   int
}

func newRates() *rates { return &rates{secs: map[uint64]*[60]slot{}} }

func (r *rates) add(id uint64, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.secs[id]
	if s == nil {
		s = &[60]slot{}
		r.secs[id] = s
	}
	sec := at.Unix()
	i := sec % 60
	if s[i].sec != sec {
		s[i] = slot{sec: sec}
	}
	s[i].n++
}

// perSecond returns the sends per second over the last minute, or since
// started when that is more recent.
func (r *rates) perSecond(id uint64, now, started time.Time) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.secs[id]
	if s == nil {
		return 0
	}
	sec := now.Unix()
	n := 0
	for _, x := range s {
		if x.sec > sec-60 && x.sec <= sec {
			n += x.n
		}
	}
	span := 60.0
	if !started.IsZero() {
		if d := now.Sub(started).Seconds(); d < span {
			span = max(d, 1)
		}
	}
	return float64(n) / span
}
