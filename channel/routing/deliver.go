package routing

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/wachan/wachan/pbx"
	"github.com/wachan/wachan/store"
)

// deliverer sends queued deliveries to phones in order. Only run's
// goroutine sends; the other methods signal it.
type deliverer struct {
	store *store.Store
	pbx   PBX
	log   *slog.Logger
	retry time.Duration

	wake  chan struct{}
	up    chan string // an extension came online; "" means all may have
	owned struct {
		offline map[string]bool
	}
}

func newDeliverer(st *store.Store, p PBX, log *slog.Logger, retry time.Duration) *deliverer {
	d := &deliverer{store: st, pbx: p, log: log, retry: retry, wake: make(chan struct{}, 1), up: make(chan string, 1024)}
	d.owned.offline = map[string]bool{}
	return d
}

// poke makes run look at the queue; it never blocks.
func (d *deliverer) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// online releases the messages held for ext.
func (d *deliverer) online(ext string) {
	select {
	case d.up <- ext:
	default:
		d.reset()
	}
}

// reset retries every extension (after a reconnect).
func (d *deliverer) reset() {
	select {
	case d.up <- "":
	default:
	}
	d.poke()
}

func (d *deliverer) run(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		retry := d.pass(ctx)
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		if retry {
			timer.Reset(d.retry)
		} else {
			timer.Reset(time.Minute)
		}
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case ext := <-d.up:
			d.markUp(ext)
		case <-timer.C:
		}
		// Take every pending presence change before the next pass.
		for more := true; more; {
			select {
			case ext := <-d.up:
				d.markUp(ext)
			default:
				more = false
			}
		}
	}
}

func (d *deliverer) markUp(ext string) {
	if ext == "" {
		clear(d.owned.offline)
		return
	}
	delete(d.owned.offline, ext)
}

// laneLimit bounds how many extensions are sent to at once.
const laneLimit = 16

// laneResult is what one extension's lane achieved in a pass.
type laneResult struct {
	ext     string
	sent    []uint64 // delivered or dropped: remove from the queue
	offline bool
	retry   bool
}

// pass sends what it can, each extension's messages in order and
// extensions side by side; it reports whether a PBX error calls for a
// retry. Delivered messages leave the queue together at the end of each
// round, so a crash in between may repeat a few to a phone but never
// loses one.
func (d *deliverer) pass(ctx context.Context) bool {
	for {
		var list []*store.Delivery
		if err := d.store.View(func(tx *store.Tx) (err error) { list, err = tx.Deliveries(512); return }); err != nil {
			d.log.Error("reading deliveries", slog.Any("error", err))
			return true
		}
		var (
			order []string
			byExt = map[string][]*store.Delivery{}
		)
		for _, dl := range list {
			if d.owned.offline[dl.Ext] {
				continue
			}
			if _, ok := byExt[dl.Ext]; !ok {
				order = append(order, dl.Ext)
			}
			byExt[dl.Ext] = append(byExt[dl.Ext], dl)
		}
		results := make([]laneResult, len(order))
		sem := make(chan struct{}, laneLimit)
		var wg sync.WaitGroup
		for i, ext := range order {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				results[i] = d.lane(ctx, ext, byExt[ext])
			})
		}
		wg.Wait()
		var (
			done  []uint64
			retry bool
		)
		for _, r := range results {
			done = append(done, r.sent...)
			if r.offline {
				d.log.Info("agent offline; holding messages", slog.String("ext", r.ext))
				d.owned.offline[r.ext] = true
			}
			retry = retry || r.retry
		}
		if len(done) > 0 {
			if err := d.store.Update(func(tx *store.Tx) error {
				for _, seq := range done {
					if err := tx.DeleteDelivery(seq); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				d.log.Error("removing deliveries", slog.Any("error", err))
				return true
			}
		}
		if retry {
			return true
		}
		if len(done) == 0 || len(list) < 512 {
			return false
		}
	}
}

// lane sends one extension's deliveries in order until one fails.
func (d *deliverer) lane(ctx context.Context, ext string, list []*store.Delivery) laneResult {
	r := laneResult{ext: ext}
	for _, dl := range list {
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := d.pbx.SendMessage(sctx, dl.Ext, dl.From, dl.Body, dl.Vars)
		cancel()
		switch {
		case err == nil:
		case errors.Is(err, pbx.ErrEndpointOffline):
			r.offline = true
			return r
		case errors.Is(err, pbx.ErrEndpointNotFound):
			d.log.Warn("dropping message for an extension the PBX does not know", slog.String("ext", dl.Ext), slog.Uint64("session", dl.SessionID))
		default:
			if ctx.Err() == nil {
				d.log.Warn("sending to phone failed; will retry", slog.String("ext", dl.Ext), slog.Any("error", err))
			}
			r.retry = true
			return r
		}
		r.sent = append(r.sent, dl.Seq)
	}
	return r
}
