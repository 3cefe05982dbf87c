package routing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/wachan/wachan/channel/media"
	"github.com/wachan/wachan/pbx"
	"github.com/wachan/wachan/store"
)

// PBX is what routing needs from the phone system; pbx/asterisk's Adapter
// satisfies it.
type PBX interface {
	// SendMessage sends body to the phone of ext with the given SIP From;
	// it returns pbx.ErrEndpointOffline when no phone is registered and
	// pbx.ErrEndpointNotFound for an unknown extension.
	SendMessage(ctx context.Context, ext, from, body string, vars map[string]string) error
	// Endpoints lists the extensions and their presence.
	Endpoints(ctx context.Context) ([]pbx.EndpointState, error)
}

// Options tune a Router.
type Options struct {
	// Host is the SIP host of customer addresses; default "127.0.0.1".
	Host string
	// AgentMessageMax is the largest message sent to a phone, in bytes;
	// longer ones are split into numbered parts. Default 1000.
	AgentMessageMax int
	// SessionIdle closes a session after this long without a message;
	// default 24 h.
	SessionIdle time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// WakeAt returns a channel that receives once Now reaches at; nil
	// means a timer on the real clock.
	WakeAt func(at time.Time) <-chan time.Time
	// WakeOutbox is called after customer messages were queued; may be nil.
	WakeOutbox func()
	// RetryDelay is the wait before retrying deliveries after a PBX error;
	// default 1 s.
	RetryDelay time.Duration
	// MediaLink returns the download link shown to agents for a media
	// message, or "" when there is none; may be nil.
	MediaLink func(m *store.Message) string
	// SessionChanged is called inside the transaction that opens, takes,
	// releases, transfers or closes a session, with one of the Event
	// constants; may be nil.
	SessionChanged func(tx *store.Tx, s *store.Session, event string) error
	// Changed is called after each committed routing change; it must not
	// block. May be nil.
	Changed func()
	// SendURL fetches and checks a file an agent linked with /send and
	// returns the message to queue; nil disables /send.
	SendURL func(ctx context.Context, channelID, rawURL, caption string) (*media.Outgoing, error)
}

// Window is how long after a customer's last message free text may be sent.
const Window = 24 * time.Hour

// Errors returned by the admin operations.
var (
	ErrNotOpen  = errors.New("session is not open")
	ErrNoTarget = errors.New("no such extension or queue")
	ErrStopped  = errors.New("router is not running")
	// ErrOffline refuses a transfer to an extension whose phone is not
	// registered unless the caller asks to hold its messages.
	ErrOffline = errors.New("extension is offline")
)

// Router routes sessions between customers and agents. Run it once; the
// other methods are safe for concurrent use. With no PBX (a nil PBX) the
// web console is the agents' only view: presence comes from OnConsole and
// nothing is queued for phones.
type Router struct {
	store *store.Store
	pbx   PBX
	log   *slog.Logger
	opts  Options

	msgs     chan pbx.TextMessage
	presence chan pbx.EndpointState
	kick     chan struct{}
	ops      chan func()
	stopped  chan struct{} // closed when Run returns
	del      *deliverer

	// routeWanted is set by the Inbound hook when a session waits for an
	// agent, and read by Committed.
	routeWanted atomic.Bool
	// dueBy is the earliest deadline (Unix nanoseconds, 0: none) reported
	// by due since Run last looked; rearm tells Run to look.
	dueBy atomic.Int64
	rearm chan struct{}

	// Owned by Run's goroutine.
	// capture collects what notify tells capture.ext during AgentSay.
	capture *captured
	// online is phone or console presence; see presence.go.
	online  map[string]bool
	phone   map[string]bool
	console map[string]bool
	known   map[string]bool
	rrNext  map[string]int
}

// New returns a router. st and log must not be nil; p is nil when no PBX
// is configured.
func New(st *store.Store, p PBX, log *slog.Logger, opts Options) *Router {
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.AgentMessageMax <= 0 {
		opts.AgentMessageMax = 1000
	}
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.WakeAt == nil {
		now := opts.Now
		opts.WakeAt = func(at time.Time) <-chan time.Time { return time.After(max(at.Sub(now()), 0)) }
	}
	if opts.WakeOutbox == nil {
		opts.WakeOutbox = func() {}
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = time.Second
	}
	if opts.Changed == nil {
		opts.Changed = func() {}
	}
	r := &Router{
		store: st, pbx: p, log: log.With(slog.String("component", "routing")), opts: opts,
		msgs:     make(chan pbx.TextMessage, 1024),
		presence: make(chan pbx.EndpointState, 1024),
		kick:     make(chan struct{}, 1),
		rearm:    make(chan struct{}, 1),
		ops:      make(chan func()),
		stopped:  make(chan struct{}),
		online:   map[string]bool{},
		phone:    map[string]bool{},
		console:  map[string]bool{},
		known:    map[string]bool{},
		rrNext:   map[string]int{},
	}
	r.del = newDeliverer(st, p, r.log, opts.RetryDelay)
	return r
}

func (r *Router) now() time.Time { return r.opts.Now().UTC() }

// OnMessage takes a message an agent typed; wire it to the PBX adapter.
// Once Run has returned it drops the message rather than block.
func (r *Router) OnMessage(m pbx.TextMessage) {
	select {
	case r.msgs <- m:
	case <-r.stopped:
	}
}

// OnEndpoint takes an extension's presence; wire it to the PBX adapter.
func (r *Router) OnEndpoint(st pbx.EndpointState) {
	select {
	case r.presence <- st:
	case <-r.stopped:
	}
}

// OnConnected takes the PBX connection state; wire it to the PBX adapter.
func (r *Router) OnConnected(up bool) {
	if up {
		r.del.reset()
	}
}

// Poke makes the router look at waiting sessions and timers now, for
// example after its clock moved; it never blocks.
func (r *Router) Poke() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
	r.del.poke()
}

// Committed is the ingest hook called after a batch of webhooks commits:
// the router looks at its sessions again if the batch left one waiting for
// an agent.
func (r *Router) Committed() {
	if r.routeWanted.Swap(false) {
		r.Poke()
	}
}

// Run routes until ctx ends.
func (r *Router) Run(ctx context.Context) error {
	defer close(r.stopped)
	done := make(chan struct{})
	if r.pbx == nil {
		close(done) // no phones to deliver to
	} else {
		go func() { defer close(done); r.del.run(ctx) }()
	}
	defer func() { <-done }()
	var (
		wake    <-chan time.Time
		planned time.Time
	)
	arm := func(at time.Time) { planned, wake = at, r.opts.WakeAt(at) }
	// Sweeping reads every open session, so it runs only when something
	// may have changed what waits or when a deadline falls due, not after
	// every reply; due reports new deadlines in between.
	sweep := true
	for {
		if sweep {
			sweep = false
			next := r.sweep()
			if next.IsZero() {
				next = r.now().Add(time.Hour)
			}
			arm(next)
		}
		select {
		case <-ctx.Done():
			return nil
		case m := <-r.msgs:
			sweep = r.agentBurst(m)
		case st := <-r.presence:
			r.endpoint(st)
			sweep = true
		case op := <-r.ops:
			op()
			sweep = true
		case <-r.kick:
			sweep = true
		case <-r.rearm:
			if at := r.dueBy.Swap(0); at != 0 && time.Unix(0, at).Before(planned) {
				arm(time.Unix(0, at))
			}
		case <-wake:
			sweep = true
		}
	}
}

// due tells Run that a deadline falls at at (a session's idle close); it
// never blocks.
func (r *Router) due(at time.Time) {
	n := at.UnixNano()
	for {
		cur := r.dueBy.Load()
		if (cur != 0 && cur <= n) || r.dueBy.CompareAndSwap(cur, n) {
			break
		}
	}
	select {
	case r.rearm <- struct{}{}:
	default:
	}
}

// idleDue reports s's idle deadline to Run once tx commits.
func (r *Router) idleDue(tx *store.Tx, s *store.Session) {
	at := s.LastMessageAt.Add(r.opts.SessionIdle)
	tx.OnCommit(func() { r.due(at) })
}

// agentBurst handles m and whatever else agents have sent meanwhile:
// replies together in one transaction, commands one by one in order. It
// reports whether a command may have changed what waits for an agent.
func (r *Router) agentBurst(m pbx.TextMessage) bool {
	var (
		replies []pbx.TextMessage
		command bool
	)
	flush := func() {
		if len(replies) > 0 {
			r.agentReplies(replies)
			replies = nil
		}
	}
	for n := 0; ; n++ {
		if isCommand(m) {
			flush()
			r.agentMessage(m)
			command = true
		} else {
			replies = append(replies, m)
		}
		if n == 255 {
			break
		}
		select {
		case m = <-r.msgs:
			continue
		default:
		}
		break
	}
	flush()
	return command
}

// do runs fn on the router goroutine and returns its error.
func (r *Router) do(ctx context.Context, fn func() error) error {
	errc := make(chan error, 1)
	select {
	case r.ops <- func() { errc <- fn() }:
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrStopped, ctx.Err())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrStopped, ctx.Err())
	}
}

// update runs fn in a transaction; failures are logged.
func (r *Router) update(what string, fn func(tx *store.Tx) error) bool {
	err := r.store.Update(func(tx *store.Tx) error {
		tx.OnCommit(r.del.poke)
		tx.OnCommit(r.opts.Changed)
		return fn(tx)
	})
	if err != nil {
		r.log.Error(what, slog.Any("error", err))
		return false
	}
	return true
}

// loadOpen loads open session id for an admin action.
func (r *Router) loadOpen(tx *store.Tx, id uint64) (*conv, error) {
	s, err := tx.Session(id)
	if err != nil {
		return nil, err
	}
	if !s.Open() {
		return nil, ErrNotOpen
	}
	return r.load(tx, s)
}

// Close closes session id on an admin's request, telling its agents.
func (r *Router) Close(ctx context.Context, id uint64) error {
	return r.do(ctx, func() error {
		return r.store.Update(func(tx *store.Tx) error {
			tx.OnCommit(r.del.poke)
			tx.OnCommit(r.opts.Changed)
			c, err := r.loadOpen(tx, id)
			if err != nil {
				return err
			}
			return r.closeSession(tx, c, "closed by an administrator")
		})
	})
}

// Transfer moves session id to an extension or queue on an admin's request;
// an extension that is offline takes it only with hold set (its messages
// wait until its phone registers).
func (r *Router) Transfer(ctx context.Context, id uint64, to store.Destination, hold bool) error {
	return r.do(ctx, func() error {
		if to.Type == "extension" && !r.extensionExists(to.ID) {
			return fmt.Errorf("%w: extension %s", ErrNoTarget, to.ID)
		}
		if to.Type == "extension" && !hold && !r.online[to.ID] {
			return fmt.Errorf("%w: %s", ErrOffline, to.ID)
		}
		return r.store.Update(func(tx *store.Tx) error {
			tx.OnCommit(r.del.poke)
			tx.OnCommit(r.opts.Changed)
			c, err := r.loadOpen(tx, id)
			if err != nil {
				return err
			}
			switch to.Type {
			case "extension":
				return r.transferExt(tx, c, "an administrator", to.ID)
			case "queue":
				if _, err := tx.Queue(to.ID); errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("%w: queue %s", ErrNoTarget, to.ID)
				}
				return r.transferQueue(tx, c, "an administrator", to.ID)
			}
			return fmt.Errorf("%w: type %q", ErrNoTarget, to.Type)
		})
	})
}

// sessionVars are the SIP headers added to messages about s.
func sessionVars(s *store.Session) map[string]string {
	if s == nil {
		return nil
	}
	return map[string]string{"X-WA-Session": strconv.FormatUint(s.ID, 10), "X-WA-Channel": s.ChannelID}
}
