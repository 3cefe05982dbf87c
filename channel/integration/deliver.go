package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/wachan/wachan/store"
)

// batch is how many queued deliveries one pass reads.
const batch = 256

// Run delivers queued event webhooks and sweeps expired idempotency keys
// until ctx ends. It never holds a store transaction during a request.
func (s *Service) Run(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	nextSweep := s.opts.Now()
	for {
		if now := s.opts.Now(); !now.Before(nextSweep) {
			s.sweep(now)
			nextSweep = now.Add(s.opts.SweepEvery)
		}
		next, err := s.deliverDue(ctx)
		if err != nil {
			s.log.Error("delivering event webhooks", slog.Any("error", err))
			next = s.opts.Now().Add(time.Second)
		}
		if next.IsZero() || next.After(nextSweep) {
			next = nextSweep
		}
		timer.Reset(max(next.Sub(s.opts.Now()), time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		case <-timer.C:
		}
	}
}

// deliverDue attempts up to batch due deliveries, each key's in order on
// its own goroutine, and returns when the next pass is due (zero when
// nothing is queued). A key whose oldest delivery waits for a retry has
// all its later ones wait too, so that its events arrive in order; other
// keys are not held up.
func (s *Service) deliverDue(ctx context.Context) (time.Time, error) {
	now := s.opts.Now()
	var (
		next    time.Time
		byKey   = map[string][]*store.HookDelivery{}
		order   []string
		blocked = map[string]bool{}
		keys    = map[string]*store.APIKey{}
		due     int
	)
	err := s.store.View(func(tx *store.Tx) error {
		err := tx.EachHookDelivery(func(d *store.HookDelivery) bool {
			if blocked[d.KeyID] {
				return true
			}
			if d.NotBefore.After(now) {
				blocked[d.KeyID] = true
				if next.IsZero() || d.NotBefore.Before(next) {
					next = d.NotBefore
				}
				return true
			}
			if byKey[d.KeyID] == nil {
				order = append(order, d.KeyID)
			}
			byKey[d.KeyID] = append(byKey[d.KeyID], d)
			due++
			return due < batch
		})
		if err != nil {
			return err
		}
		for _, id := range order {
			k, err := tx.APIKey(id)
			if err != nil && !isNotFound(err) {
				return err
			}
			keys[id] = k
		}
		return nil
	})
	if err != nil || due == 0 {
		return next, err
	}
	var wg sync.WaitGroup
	for _, id := range order {
		k := keys[id]
		wg.Go(func() {
			for _, d := range byKey[id] {
				if ctx.Err() != nil || !s.attempt(ctx, k, d) {
					return
				}
			}
		})
	}
	wg.Wait()
	// Something was attempted: look again at once for what remains.
	return s.opts.Now(), nil
}

// attempt POSTs d once and records the outcome; it reports whether the
// key's next delivery may follow (false after a failure, to keep order).
func (s *Service) attempt(ctx context.Context, k *store.APIKey, d *store.HookDelivery) bool {
	if k == nil || k.Revoked() || k.WebhookURL == "" {
		return s.finish(d, "the API key was revoked or has no webhook URL")
	}
	err := s.post(ctx, k, d)
	if err == nil {
		return s.finish(d, "")
	}
	if ctx.Err() != nil {
		return false
	}
	now := s.opts.Now()
	d.Attempts++
	d.LastError = err.Error()
	if d.Attempts >= s.opts.MaxAttempts || now.Sub(d.CreatedAt) >= s.opts.MaxAge {
		s.finish(d, fmt.Sprintf("giving up after %d attempts: %v", d.Attempts, err))
		return true
	}
	d.NotBefore = now.Add(s.backoff(d.Attempts))
	s.log.Warn("event webhook failed; will retry", slog.String("key", k.ID), slog.String("event", d.EventID),
		slog.Int("attempts", d.Attempts), slog.Time("retry_at", d.NotBefore), slog.Any("error", err))
	uerr := s.store.Update(func(tx *store.Tx) error { return tx.PutHookDelivery(d) })
	if uerr != nil && !isNotFound(uerr) {
		s.log.Error("recording event webhook attempt", slog.Any("error", uerr))
	}
	return false
}

// backoff is the delay after the n-th failed attempt.
func (s *Service) backoff(n int) time.Duration {
	d := s.opts.RetryBase
	for i := 1; i < n && d < s.opts.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.opts.RetryMax)
}

// finish deletes d; dropped, when set, says why it was not delivered.
func (s *Service) finish(d *store.HookDelivery, dropped string) bool {
	if dropped != "" {
		s.log.Warn("event webhook dropped", slog.String("key", d.KeyID), slog.String("event", d.EventID), slog.String("reason", dropped))
	}
	if err := s.store.Update(func(tx *store.Tx) error { return tx.DeleteHookDelivery(d.Seq) }); err != nil {
		s.log.Error("deleting event webhook", slog.Any("error", err))
		return false
	}
	return true
}

// post sends d's body to k's webhook URL, signed; any 2xx is success.
func (s *Service) post(ctx context.Context, k *store.APIKey, d *store.HookDelivery) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, k.WebhookURL, bytes.NewReader(d.Body))
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "wachan-webhooks/1")
	req.Header.Set(HeaderEvent, d.Event)
	req.Header.Set(HeaderEventID, d.EventID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(s.opts.Now().Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(k.WebhookSecret, d.Body))
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		return fmt.Errorf("posting event: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("posting event: receiver answered %s", resp.Status)
	}
	return nil
}
