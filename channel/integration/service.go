package integration

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/store"
)

// Options configure the service; zero values take the defaults.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Client posts event webhooks; nil uses a client with a 10 s timeout.
	Client *http.Client
	// RetryBase is the delay after the first failed delivery; it doubles
	// with each further failure up to RetryMax. Defaults 1 s and 15 min.
	RetryBase, RetryMax time.Duration
	// MaxAttempts and MaxAge bound a delivery's retries; the event is
	// dropped after either. Defaults 20 and 24 h.
	MaxAttempts int
	MaxAge      time.Duration
	// IdempotencyTTL is how long swept Idempotency-Keys are kept; default
	// api.IdempotencyTTL (the API ignores older ones).
	IdempotencyTTL time.Duration
	// SweepEvery is how often expired idempotency keys are deleted;
	// default 10 min.
	SweepEvery time.Duration
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 15 * time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 20
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 24 * time.Hour
	}
	if o.IdempotencyTTL <= 0 {
		o.IdempotencyTTL = api.IdempotencyTTL
	}
	if o.SweepEvery <= 0 {
		o.SweepEvery = 10 * time.Minute
	}
}

// Service holds the API keys' routes, hooks and webhook runner.
type Service struct {
	store *store.Store
	log   *slog.Logger
	opts  Options
	wake  chan struct{}
}

// New returns the service; st and log must not be nil.
func New(st *store.Store, log *slog.Logger, opts Options) *Service {
	opts.defaults()
	return &Service{store: st, log: log, opts: opts, wake: make(chan struct{}, 1)}
}

// Wake makes the runner look for deliveries now; it never blocks.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
