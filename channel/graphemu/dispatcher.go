package graphemu

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// webhookJob is one webhook due at a time.
type webhookJob struct {
	due    time.Time
	seq    uint64
	pnid   string
	url    string
	secret string
	body   []byte
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

// dispatcher delivers queued webhooks one at a time in due order, from a
// single goroutine, so the statuses of a message arrive in order.
type dispatcher struct {
	mu   sync.Mutex
	jobs jobHeap
	seq  uint64
	max  int
	wake chan struct{}
}

func newDispatcher(max int) *dispatcher {
	return &dispatcher{max: max, wake: make(chan struct{}, 1)}
}

// enqueue adds j and reports false when the queue is full.
func (d *dispatcher) enqueue(j webhookJob) bool {
	d.mu.Lock()
	if len(d.jobs) >= d.max {
		d.mu.Unlock()
		return false
	}
	d.seq++
	j.seq = d.seq
	heap.Push(&d.jobs, j)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return true
}

// run delivers jobs until ctx ends; jobs still queued then are dropped.
func (d *dispatcher) run(ctx context.Context, deliver func(context.Context, webhookJob)) {
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
			deliver(ctx, job)
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
	}
}
