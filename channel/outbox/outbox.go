package outbox

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// Options tune an Outbox.
type Options struct {
	// Rate is the default messages per second per number (Meta's default
	// is 80); a channel's own SendRate overrides it.
	Rate int
	// InFlight bounds concurrent requests per number; 0 means 32.
	InFlight int
	// MaxAge is how long a retryable send keeps trying; 0 means 24 h.
	MaxAge time.Duration
	// Finished, if set, runs inside the transaction that finishes a
	// message (sent or failed).
	Finished func(tx *store.Tx, ch *store.Channel, m *store.Message) error
	// Rescheduled, if set, is called after a failed send is stored for
	// another attempt (its job's NotBefore says when).
	Rescheduled func()
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// GraphError, if set, counts each Cloud API error by Meta's code.
	GraphError func(code int)
	// Backoff is the wait before retry attempt n; nil means
	// cloudapi.Backoff.
	Backoff func(class cloudapi.Class, attempt int) time.Duration
	// DoubtWait is how long a send whose outcome is unknown (the daemon
	// stopped, or the connection broke, while Meta was answering) waits
	// for a status webhook proving it went out before it is sent again;
	// 0 means 2 minutes.
	DoubtWait time.Duration
}

// Outbox sends queued messages. Run it once; the other methods are safe
// for concurrent use.
type Outbox struct {
	store  *store.Store
	client *cloudapi.Client
	log    *slog.Logger
	opts   Options
	wake   chan struct{}
	done   chan done
}

// done reports a finished attempt to the dispatcher: job is the job as now
// stored, or nil once it has left the queue.
type done struct {
	seq uint64
	job *store.Job
}

// New returns an outbox. st, client and log must not be nil.
func New(st *store.Store, client *cloudapi.Client, log *slog.Logger, opts Options) *Outbox {
	if opts.Rate <= 0 {
		opts.Rate = 80
	}
	if opts.InFlight <= 0 {
		opts.InFlight = 32
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Backoff == nil {
		opts.Backoff = cloudapi.Backoff
	}
	if opts.DoubtWait <= 0 {
		opts.DoubtWait = 2 * time.Minute
	}
	return &Outbox{store: st, client: client, log: log, opts: opts,
		wake: make(chan struct{}, 1), done: make(chan done, 1024)}
}

// Send queues r in its own transaction and wakes the sender.
func (o *Outbox) Send(r *Request) (*store.Message, error) {
	var m *store.Message
	err := o.store.Update(func(tx *store.Tx) (err error) {
		m, err = Enqueue(tx, r, o.opts.Now())
		return err
	})
	if err != nil {
		return nil, err
	}
	o.Wake()
	return m, nil
}

// Wake makes the sender look at the queue now; it never blocks.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Run sends queued messages until ctx ends, then waits for requests in
// flight to finish.
func (o *Outbox) Run(ctx context.Context) error {
	d := &dispatcher{o: o, inflight: map[uint64]bool{}, lanes: map[string]*lane{}, jobs: map[uint64]*store.Job{}}
	var wg sync.WaitGroup
	defer func() {
		for _, l := range d.lanes {
			close(l.in)
		}
		wg.Wait()
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		next, err := d.dispatch(ctx, &wg)
		if err != nil {
			o.log.Error("reading outbound queue", slog.Any("error", err))
			next = o.opts.Now().Add(time.Second)
		}
		wait := time.Minute
		if !next.IsZero() {
			wait = max(next.Sub(o.opts.Now()), time.Millisecond)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-o.wake:
		case r := <-o.done:
			d.finished(r)
			for drained := false; !drained; {
				select {
				case r := <-o.done:
					d.finished(r)
				default:
					drained = true
				}
			}
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}
