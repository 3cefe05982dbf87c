package graphemu

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// webhookJob is one webhook due at a time.
type webhookJob struct {
	due     time.Time
	seq     uint64
	pnid    string
	url     string
	secret  string
	body    []byte
	attempt int       // failed deliveries so far
	first   time.Time // when the first delivery was due
}

// jobHeap orders jobs by due time, then by enqueue order.
type jobHeap []webhookJob

func (h jobHeap) Len() int { return len(h) }
func (h jobHeap) Less(i, j int) bool {
	if h[i].due.Equal(h[j].due) {
		return h[i].seq < h[j].seq
	}
	return h[i].due.Before(h[j].due)
}
func (h jobHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *jobHeap) Push(x any)   { *h = append(*h, x.(webhookJob)) }
func (h *jobHeap) Pop() any {
	old := *h
	j := old[len(old)-1]
	*h = old[:len(old)-1]
	return j
}

// Retry is how queued webhooks are redelivered after a failed attempt (a
// transport error or an answer other than 2xx), as Meta does: the wait
// doubles from First up to Max, and a webhook is dropped once Window has
// passed since its first attempt. A zero Window disables redelivery.
type Retry struct {
	First  time.Duration
	Max    time.Duration
	Window time.Duration
}

// DefaultRetry returns the redelivery schedule of a new Server: 250 ms
// doubling to 30 s, for 7 days (Meta's window).
func DefaultRetry() Retry {
	return Retry{First: 250 * time.Millisecond, Max: 30 * time.Second, Window: 7 * 24 * time.Hour}
}

// wait returns the pause after the attempt-th failure (counted from 1).
func (r Retry) wait(attempt int) time.Duration {
	d := max(r.First, time.Millisecond)
	for i := 1; i < attempt && d < r.Max; i++ {
		d *= 2
	}
	if r.Max > 0 {
		d = min(d, r.Max)
	}
	return d
}

// dispatcher delivers queued webhooks one at a time in due order, from a
// single goroutine, so the statuses of a message arrive in order while the
// receiver answers; failed deliveries are queued again per its Retry.
type dispatcher struct {
	mu      sync.Mutex
	jobs    jobHeap
	seq     uint64
	max     int
	retry   Retry
	dropped int
	wake    chan struct{}
}

func newDispatcher(max int) *dispatcher {
	return &dispatcher{max: max, retry: DefaultRetry(), wake: make(chan struct{}, 1)}
}

// enqueue adds j and reports false when the queue is full.
func (d *dispatcher) enqueue(j webhookJob) bool {
	d.mu.Lock()
	if len(d.jobs) >= d.max {
		d.dropped++
		d.mu.Unlock()
		return false
	}
	if j.first.IsZero() {
		j.first = j.due
	}
	d.seq++
	j.seq = d.seq
	heap.Push(&d.jobs, j)
	d.mu.Unlock()
	d.poke()
	return true
}

func (d *dispatcher) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// failed queues j again after a failed delivery at now, unless its retry
// window is over; it reports whether j was queued.
func (d *dispatcher) failed(j webhookJob, now time.Time) bool {
	d.mu.Lock()
	r := d.retry
	d.mu.Unlock()
	j.attempt++
	if r.Window <= 0 || now.Sub(j.first) >= r.Window {
		d.mu.Lock()
		d.dropped++
		d.mu.Unlock()
		return false
	}
	j.due = now.Add(r.wait(j.attempt))
	return d.enqueue(j)
}

// retryNow makes every queued job due at once.
func (d *dispatcher) retryNow(now time.Time) {
	d.mu.Lock()
	for i := range d.jobs {
		if d.jobs[i].due.After(now) {
			d.jobs[i].due = now
		}
	}
	heap.Init(&d.jobs)
	d.mu.Unlock()
	d.poke()
}

// pending returns how many webhooks wait for delivery.
func (d *dispatcher) pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.jobs)
}

// run delivers jobs until ctx ends; jobs still queued then are dropped.
// deliver reports whether the receiver took the webhook.
func (d *dispatcher) run(ctx context.Context, deliver func(context.Context, webhookJob) bool) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		d.mu.Lock()
		var wait time.Duration = -1
		var job webhookJob
		ready := false
		if len(d.jobs) > 0 {
			if w := time.Until(d.jobs[0].due); w > 0 {
				wait = w
			} else {
				job = heap.Pop(&d.jobs).(webhookJob)
				ready = true
			}
		}
		d.mu.Unlock()
		if ready {
			if ctx.Err() != nil {
				return
			}
			if !deliver(ctx, job) && ctx.Err() == nil {
				d.failed(job, time.Now())
			}
			continue
		}
		var tc <-chan time.Time
		if wait > 0 {
			timer.Reset(wait)
			tc = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-tc:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}
