package routing

import (
	"context"
	"errors"
	"log/slog"
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

// pass sends what it can; it reports whether a PBX error calls for a retry.
func (d *deliverer) pass(ctx context.Context) bool {
	for {
		var list []*store.Delivery
		if err := d.store.View(func(tx *store.Tx) (err error) { list, err = tx.Deliveries(512); return }); err != nil {
			d.log.Error("reading deliveries", slog.Any("error", err))
			return true
		}
		progress := false
		for _, dl := range list {
			if d.owned.offline[dl.Ext] {
				continue
			}
			sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			err := d.pbx.SendMessage(sctx, dl.Ext, dl.From, dl.Body, dl.Vars)
			cancel()
			switch {
			case err == nil:
			case errors.Is(err, pbx.ErrEndpointOffline):
				d.log.Info("agent offline; holding messages", slog.String("ext", dl.Ext))
				d.owned.offline[dl.Ext] = true
				continue
			case errors.Is(err, pbx.ErrEndpointNotFound):
				d.log.Warn("dropping message for an extension the PBX does not know", slog.String("ext", dl.Ext), slog.Uint64("session", dl.SessionID))
			default:
				if ctx.Err() == nil {
					d.log.Warn("sending to phone failed; will retry", slog.String("ext", dl.Ext), slog.Any("error", err))
				}
				return true
			}
			seq := dl.Seq
			if err := d.store.Update(func(tx *store.Tx) error { return tx.DeleteDelivery(seq) }); err != nil {
				d.log.Error("removing delivery", slog.Any("error", err))
				return true
			}
			progress = true
		}
		if !progress || len(list) < 512 {
			return false
		}
	}
}
