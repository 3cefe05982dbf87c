package outbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wachan/wachan/store"
)

// dispatcher is owned by Run's goroutine. It mirrors the queue in memory:
// new jobs are read from the store once, and attempts report back what
// became of theirs.
type dispatcher struct {
	o        *Outbox
	inflight map[uint64]bool
	lanes    map[string]*lane
	jobs     map[uint64]*store.Job
	order    []uint64 // ascending; may hold finished seqs until compacted
	lastSeq  uint64
}

func (d *dispatcher) finished(r done) {
	delete(d.inflight, r.seq)
	if r.job == nil {
		delete(d.jobs, r.seq)
	} else {
		d.jobs[r.seq] = r.job
	}
}

// load reads jobs queued since the last look.
func (d *dispatcher) load() error {
	var fresh []*store.Job
	if err := d.o.store.View(func(tx *store.Tx) (err error) { fresh, err = tx.JobsAfter(d.lastSeq); return }); err != nil {
		return err
	}
	for _, j := range fresh {
		d.jobs[j.Seq] = j
		d.order = append(d.order, j.Seq)
		d.lastSeq = j.Seq
	}
	if len(d.order) > 2*len(d.jobs)+1024 {
		kept := d.order[:0]
		for _, seq := range d.order {
			if d.jobs[seq] != nil {
				kept = append(kept, seq)
			}
		}
		d.order = kept
	}
	return nil
}

// dispatch hands every due job whose recipient has nothing earlier pending
// to its number's lane, and returns when the next waiting job falls due.
// The jobs it hands over are first marked in flight, all in one
// transaction: if the daemon dies before their outcome is recorded, the
// next run knows they may have gone out.
func (d *dispatcher) dispatch(ctx context.Context, wg *sync.WaitGroup) (time.Time, error) {
	if err := d.load(); err != nil {
		return time.Time{}, err
	}
	now := d.o.opts.Now()
	var (
		next     time.Time
		ready    []*store.Job
		doubtful []*store.Job
	)
	blocked := map[string]bool{}
	pending := backlog{}
	for _, seq := range d.order {
		j := d.jobs[seq]
		if j == nil {
			continue
		}
		key := j.ChannelID + "\x00" + j.To
		if blocked[key] {
			continue
		}
		blocked[key] = true
		if d.inflight[j.Seq] {
			continue
		}
		if j.NotBefore.After(now) {
			if !j.InFlight.IsZero() {
				doubtful = append(doubtful, j)
			}
			if next.IsZero() || j.NotBefore.Before(next) {
				next = j.NotBefore
			}
			continue
		}
		if !pending.admit(j, d.lane(ctx, j.ChannelID, wg)) {
			continue
		}
		ready = append(ready, j)
	}
	// A send waiting for proof that it went out goes now if a status
	// webhook has brought the proof.
	ready = append(ready, d.proven(doubtful)...)
	if len(ready) == 0 {
		return next, nil
	}
	doubt := make([]bool, len(ready))
	for i, j := range ready {
		doubt[i] = !j.InFlight.IsZero()
	}
	gone, err := d.markInFlight(ready, now)
	if err != nil {
		return time.Time{}, err
	}
	for i, j := range ready {
		if gone[j.Seq] {
			delete(d.jobs, j.Seq) // withdrawn
			continue
		}
		d.inflight[j.Seq] = true
		d.lane(ctx, j.ChannelID, wg).in <- sendJob{job: j, doubt: doubt[i]}
	}
	return next, nil
}

// markInFlight durably marks the fresh jobs of list as being sent at now,
// and returns the seqs of those no longer queued (withdrawn). Jobs already
// in flight (in doubt after a crash or a broken connection) keep their
// mark.
func (d *dispatcher) markInFlight(list []*store.Job, now time.Time) (map[uint64]bool, error) {
	var fresh []*store.Job
	for _, j := range list {
		if j.InFlight.IsZero() {
			fresh = append(fresh, j)
		}
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	gone := map[uint64]bool{}
	err := d.o.store.Update(func(tx *store.Tx) error {
		clear(gone)
		for _, j := range fresh {
			stored, err := tx.Job(j.Seq)
			if errors.Is(err, store.ErrNotFound) {
				gone[j.Seq] = true
				continue
			}
			if err != nil {
				return err
			}
			stored.InFlight = now.UTC()
			if err := tx.PutJob(stored); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("marking sends in flight: %w", err)
	}
	for _, j := range fresh {
		j.InFlight = now.UTC()
	}
	return gone, nil
}
