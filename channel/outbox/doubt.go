package outbox

import (
	"errors"
	"log/slog"
	"syscall"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// proven returns the jobs of list whose message a status webhook has tied
// to a wamid, made due now.
func (d *dispatcher) proven(list []*store.Job) []*store.Job {
	if len(list) == 0 {
		return nil
	}
	var out []*store.Job
	d.o.store.View(func(tx *store.Tx) error {
		for _, j := range list {
			if m, err := tx.Message(j.MessageID); err == nil && m.WAMID != "" {
				due := *j
				due.NotBefore = time.Time{}
				d.jobs[j.Seq] = &due
				out = append(out, &due)
			}
		}
		return nil
	})
	return out
}

// markInFlight durably notes that j is being sent again, so a crash during
// this attempt waits for proof afresh.
func (o *Outbox) markInFlight(j *store.Job) error {
	now := o.opts.Now().UTC()
	return o.store.Batch(func(tx *store.Tx) error {
		job, err := tx.Job(j.Seq)
		if err != nil {
			return err
		}
		job.InFlight = now
		return tx.PutJob(job)
	})
}

// resolveDoubt decides what to do with a job whose last attempt has an
// unknown outcome. If a status webhook has since tied a wamid to its
// message, the send succeeded and the job is finished; if the wait for
// such proof is over, proceed is true and the message is sent again;
// otherwise the job is returned rescheduled for the end of the wait.
func (o *Outbox) resolveDoubt(j *store.Job) (job *store.Job, proceed bool, err error) {
	var wamid string
	err = o.store.View(func(tx *store.Tx) error {
		m, err := tx.Message(j.MessageID)
		if err != nil {
			return err
		}
		wamid = m.WAMID
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if wamid != "" {
		o.log.Info("a send of unknown outcome had gone out; not sending it again", slog.Uint64("message", j.MessageID))
		job, err = o.finish(j, cloudapi.Sent{WAMID: wamid}, nil)
		return job, false, err
	}
	until := j.InFlight.Add(o.opts.DoubtWait)
	if o.opts.Now().Before(until) {
		wait := *j
		wait.NotBefore = until
		return &wait, false, nil
	}
	o.log.Warn("no proof that a send of unknown outcome went out; sending it again", slog.Uint64("message", j.MessageID))
	if err := o.markInFlight(j); err != nil {
		return nil, false, err
	}
	return j, true, nil
}

// uncertain reports whether err leaves it unknown whether Meta accepted
// the message: the request may have been received, but no answer was.
func uncertain(err error) bool {
	if err == nil || errors.Is(err, syscall.ECONNREFUSED) {
		return false
	}
	if _, ok := errors.AsType[*cloudapi.APIError](err); ok {
		return false
	}
	if _, ok := errors.AsType[*cloudapi.StatusError](err); ok {
		return false
	}
	return cloudapi.ClassOf(err) == cloudapi.Retry
}
