package integration

import (
	"log/slog"
	"time"

	"github.com/wachan/wachan/store"
)

// sweepBatch bounds one sweep transaction.
const sweepBatch = 1000

// sweep deletes idempotency keys older than IdempotencyTTL and expired
// reply destinations, a batch per transaction.
func (s *Service) sweep(now time.Time) {
	for {
		var n int
		err := s.store.Update(func(tx *store.Tx) (err error) {
			n, err = tx.SweepIdempotency(now.Add(-s.opts.IdempotencyTTL), now, sweepBatch)
			return err
		})
		if err != nil {
			s.log.Error("sweeping idempotency keys", slog.Any("error", err))
			return
		}
		if n < sweepBatch {
			return
		}
	}
}
