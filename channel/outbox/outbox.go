package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/time/rate"

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

// Request is one message to queue.
type Request struct {
	ChannelID   string
	CustomerKey string // wa_id or business-scoped user id
	SessionID   uint64
	Agent       string
	Text        string // what the record shows; defaults to the payload's text
	Message     *cloudapi.Message
	// Media, CampaignID and KeyID are copied to the stored message.
	Media      *store.MediaRef
	CampaignID uint64
	KeyID      string
	// Bulk marks campaign traffic: it is sent only when no live message of
	// the same channel is waiting, so campaigns never delay conversations.
	Bulk bool
}

// Enqueue validates and stores r as a queued message and its job inside
// tx, returning the message. Call Wake after the transaction commits.
func Enqueue(tx *store.Tx, r *Request, now time.Time) (*store.Message, error) {
	if err := r.Message.Validate(); err != nil {
		return nil, fmt.Errorf("queueing message: %w", err)
	}
	typ := r.Message.Type
	if typ == "" {
		typ = kindOf(r.Message)
	}
	text := r.Text
	if text == "" && r.Message.Text != nil {
		text = r.Message.Text.Body
	}
	m := &store.Message{
		ChannelID: r.ChannelID, CustomerKey: r.CustomerKey, SessionID: r.SessionID,
		Direction: store.Outbound, Type: typ, Text: text, Agent: r.Agent,
		Status: "queued", Timestamp: now.UTC(),
		Media: r.Media, CampaignID: r.CampaignID, KeyID: r.KeyID,
	}
	m.AddTrail("queued", now, nil)
	if _, err := tx.AddMessage(m); err != nil {
		return nil, err
	}
	msg := *r.Message
	if msg.BizOpaqueCallbackData == "" {
		// Meta echoes it in status webhooks: it identifies the message
		// even when the answer to the send was lost.
		msg.BizOpaqueCallbackData = OpaqueID(m.ID)
	}
	// The job keeps the exact body to post.
	payload, err := msg.Encode()
	if err != nil {
		return nil, err
	}
	_, err = tx.Enqueue(&store.Job{ChannelID: r.ChannelID, MessageID: m.ID, To: r.CustomerKey, Payload: payload, CreatedAt: now.UTC(), Bulk: r.Bulk})
	return m, err
}

const opaquePrefix = "wachan:"

// OpaqueID is the biz_opaque_callback_data wachan gives message id.
func OpaqueID(id uint64) string { return opaquePrefix + strconv.FormatUint(id, 10) }

// ParseOpaqueID returns the message id in an OpaqueID value.
func ParseOpaqueID(s string) (uint64, bool) {
	rest, ok := strings.CutPrefix(s, opaquePrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseUint(rest, 10, 64)
	return id, err == nil && id > 0
}

// Withdraw takes the messages ids out of the queue inside tx, unless they
// are already being sent, marking each withdrawn message "cancelled". It
// returns the ids it withdrew.
func Withdraw(tx *store.Tx, ids map[uint64]bool, now time.Time) (map[uint64]bool, error) {
	jobs, err := tx.Jobs()
	if err != nil {
		return nil, err
	}
	out := map[uint64]bool{}
	for _, j := range jobs {
		if !ids[j.MessageID] || !j.InFlight.IsZero() {
			continue
		}
		m, err := tx.Message(j.MessageID)
		if err != nil {
			return nil, err
		}
		m.Status, m.StatusAt = "cancelled", now.UTC()
		m.AddTrail("cancelled", now, nil)
		if err := tx.PutMessage(m); err != nil {
			return nil, err
		}
		if err := tx.DeleteJob(j.Seq); err != nil {
			return nil, err
		}
		out[j.MessageID] = true
	}
	return out, nil
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

// kindOf returns the type field m is sent with.
func kindOf(m *cloudapi.Message) string {
	b, err := m.MarshalJSON()
	if err != nil {
		return ""
	}
	var v struct {
		Type string `json:"type"`
	}
	json.Unmarshal(b, &v)
	return v.Type
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
	pending := map[string]int{} // per channel: jobs waiting in its lane, with those taken now
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
		l := d.lane(ctx, j.ChannelID, wg)
		if _, ok := pending[j.ChannelID]; !ok {
			pending[j.ChannelID] = len(l.in)
		}
		if j.Bulk && pending[j.ChannelID] >= bulkRoom(l) {
			// Campaign traffic only tops up an idle lane, so live
			// messages never wait behind it.
			continue
		}
		pending[j.ChannelID]++
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

// finish records a send's outcome: sent, rescheduled or failed. It returns
// the rescheduled job, or nil when the job has left the queue.
func (o *Outbox) finish(j *store.Job, sent cloudapi.Sent, sendErr error) (*store.Job, error) {
	now := o.opts.Now()
	class := cloudapi.ClassOf(sendErr)
	retry := sendErr != nil && !errors.Is(sendErr, store.ErrNotFound) &&
		(class == cloudapi.Retry || class == cloudapi.PairBackoff || class == cloudapi.RefreshToken) &&
		now.Sub(j.CreatedAt) < o.opts.MaxAge
	var next *store.Job
	err := o.store.Batch(func(tx *store.Tx) error {
		next = nil
		job, err := tx.Job(j.Seq)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if retry {
			job.Attempts++
			wait := o.opts.Backoff(class, job.Attempts)
			if class == cloudapi.RefreshToken {
				wait = 30 * time.Second
			}
			if uncertain(sendErr) {
				// Keep InFlight: before sending again, wait for a status
				// webhook that would prove this attempt went out.
				wait = max(wait, o.opts.DoubtWait)
			} else {
				job.InFlight = time.Time{}
			}
			job.NotBefore = now.Add(wait)
			job.LastError = sendErr.Error()
			o.log.Warn("send failed, will retry", slog.String("channel", job.ChannelID),
				slog.Uint64("message", job.MessageID), slog.Int("attempt", job.Attempts),
				slog.Duration("in", wait), slog.Any("error", sendErr))
			next = job
			return tx.PutJob(job)
		}
		m, err := tx.Message(job.MessageID)
		if err != nil {
			return err
		}
		delta := store.Counts{Sent: 1}
		if sendErr == nil {
			if m.WAMID == "" || m.Status == "queued" {
				// Unless a status webhook got here first.
				m.Status, m.StatusAt = "accepted", now.UTC()
				m.AddTrail("accepted", now, nil)
			}
			m.WAMID = sent.WAMID
			if err := tx.LinkWAMID(job.ChannelID, sent.WAMID, m.ID); err != nil {
				return err
			}
			delta.SentOK = 1
		} else {
			m.Status, m.StatusAt = "failed", now.UTC()
			m.Error = errorOf(sendErr)
			m.AddTrail("failed", now, m.Error)
			delta.SentFailed = 1
			o.log.Warn("send failed", slog.String("channel", job.ChannelID), slog.Uint64("message", job.MessageID), slog.Any("error", sendErr))
		}
		if err := tx.PutMessage(m); err != nil {
			return err
		}
		if err := tx.AddCounts(job.ChannelID, now, delta); err != nil {
			return err
		}
		if err := tx.DeleteJob(job.Seq); err != nil {
			return err
		}
		if o.opts.Finished != nil {
			ch, err := tx.Channel(job.ChannelID)
			if err == nil {
				return o.opts.Finished(tx, ch, m)
			}
		}
		return nil
	})
	return next, err
}

func errorOf(err error) *store.MessageError {
	var api *cloudapi.APIError
	if errors.As(err, &api) {
		return &store.MessageError{Code: api.Code, Title: api.Explain(), Details: api.Details}
	}
	return &store.MessageError{Title: err.Error()}
}

// bulkRoom is how many jobs may wait in l before bulk jobs hold back:
// about 50 ms of sending.
func bulkRoom(l *lane) int { return max(1, int(l.limiter.Limit())/20) }
