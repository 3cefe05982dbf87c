package outbox

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

func (d *dispatcher) lane(ctx context.Context, channel string, wg *sync.WaitGroup) *lane {
	l, ok := d.lanes[channel]
	if !ok {
		l = &lane{o: d.o, channel: channel, in: make(chan sendJob, 1<<16),
			limiter: rate.NewLimiter(rate.Limit(d.o.opts.Rate), burstFor(d.o.opts.Rate))}
		d.lanes[channel] = l
		wg.Add(1)
		go func() { defer wg.Done(); l.run(ctx) }()
	}
	return l
}

// burstFor is the token bucket size for r messages per second: 20 ms worth,
// enough to absorb timer and scheduling jitter at high rates, far below the
// second Meta measures throughput over.
func burstFor(r int) int { return max(1, r/50) }

// sendJob is a job handed to a lane; doubt is set when an earlier attempt
// may have gone out.
type sendJob struct {
	job   *store.Job
	doubt bool
}

// lane paces one number's sends.
type lane struct {
	o       *Outbox
	channel string
	in      chan sendJob
	limiter *rate.Limiter
}

func (l *lane) run(ctx context.Context) {
	sem := make(chan struct{}, l.o.opts.InFlight)
	var wg sync.WaitGroup
	defer wg.Wait()
	for sj := range l.in {
		j := sj.job
		ch, err := l.channelOf()
		if err == nil {
			r := l.o.opts.Rate
			if ch.SendRate > 0 {
				r = ch.SendRate
			}
			if l.limiter.Limit() != rate.Limit(r) {
				l.limiter.SetLimit(rate.Limit(r))
				l.limiter.SetBurst(burstFor(r))
			}
			if werr := l.limiter.Wait(ctx); werr != nil {
				continue // shutting down; the job stays queued
			}
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			l.o.attempt(ctx, ch, err, j, sj.doubt)
		}()
	}
}

func (l *lane) channelOf() (*store.Channel, error) {
	var ch *store.Channel
	err := l.o.store.View(func(tx *store.Tx) (err error) { ch, err = tx.Channel(l.channel); return })
	return ch, err
}

// attempt sends j once and records the outcome.
func (o *Outbox) attempt(ctx context.Context, ch *store.Channel, chErr error, j *store.Job, doubt bool) {
	result := done{seq: j.Seq, job: j} // unchanged unless finish says otherwise
	defer func() {
		select {
		case o.done <- result:
		case <-ctx.Done():
		}
	}()
	var (
		sent cloudapi.Sent
		err  = chErr
	)
	if err == nil && doubt {
		// An earlier attempt may have gone out.
		job, proceed, derr := o.resolveDoubt(j)
		if derr != nil {
			o.log.Error("checking a send of unknown outcome", slog.Uint64("message", j.MessageID), slog.Any("error", derr))
			retry := *j
			retry.NotBefore = o.opts.Now().Add(time.Second)
			result.job = &retry
			return
		}
		if !proceed {
			result.job = job
			return
		}
	}
	if err == nil {
		creds := cloudapi.Creds{PhoneNumberID: ch.PhoneNumberID, WABAID: ch.WABAID, Token: ch.AccessToken}
		sent, err = o.client.SendEncoded(ctx, creds, j.Payload)
	}
	var apiErr *cloudapi.APIError
	if o.opts.GraphError != nil && errors.As(err, &apiErr) {
		o.opts.GraphError(apiErr.Code)
	}
	if ctx.Err() != nil && err != nil {
		return // shutting down: the job stays queued and is sent after restart
	}
	next, cerr := o.finish(j, sent, err)
	if cerr != nil {
		o.log.Error("recording send outcome", slog.Uint64("message", j.MessageID), slog.Any("error", cerr))
		retry := *j
		retry.NotBefore = o.opts.Now().Add(time.Second)
		result.job = &retry
		return
	}
	result.job = next
}
