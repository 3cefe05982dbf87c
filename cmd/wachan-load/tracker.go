package main

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// record follows one customer message through the system.
type record struct {
	ch      int
	wamid   string
	sent    time.Time // first webhook attempt
	acked   time.Time // zero until a 200
	failed  bool      // given up without a 200
	body    []byte    // the webhook, kept when given up
	phone   time.Time // first arrival at the agent's phone
	phoneN  int       // arrivals at the agent's phone
	replied time.Time // the agent's answer left the phone
	graph   time.Time // first time the answer reached the Graph emulator
	graphN  int       // times the answer reached the Graph emulator
}

// tracker holds every record and the latency samples. It is safe for
// concurrent use.
type tracker struct {
	mu      sync.Mutex
	recs    []*record
	acks    []time.Duration
	toPhone []time.Duration
	toGraph []time.Duration
	errs    map[string]int
	counts  counts
}

// counts are running totals for the progress line.
type counts struct {
	Sent, Acked, Failed, Phone, PhoneDup, Replied, Graph, GraphDup, Errors int
}

func newTracker() *tracker { return &tracker{errs: map[string]int{}} }

// add registers a new message and returns its index.
func (t *tracker) add(ch int, wamid string, at time.Time) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.recs = append(t.recs, &record{ch: ch, wamid: wamid, sent: at})
	t.counts.Sent++
	return len(t.recs) - 1
}

// get returns record i or nil.
func (t *tracker) get(i int) *record {
	if i < 0 || i >= len(t.recs) {
		return nil
	}
	return t.recs[i]
}

// acked records the 200 of message i after an attempt that took d.
func (t *tracker) acked(i int, at time.Time, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r := t.get(i); r != nil && r.acked.IsZero() {
		r.acked = at
		t.acks = append(t.acks, d)
		t.counts.Acked++
	}
}

// failed records that message i, whose webhook is body, was given up.
func (t *tracker) failed(i int, body []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r := t.get(i); r != nil && !r.failed {
		r.failed = true
		r.body = body
		t.counts.Failed++
	}
}

// redelivered records that message i, given up earlier, got its 200.
func (t *tracker) redelivered(i int, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r := t.get(i); r != nil && r.failed {
		r.failed = false
		r.body = nil
		t.counts.Failed--
		if r.acked.IsZero() {
			r.acked = at
			t.counts.Acked++
		}
	}
}

// errorOf counts one error of kind.
func (t *tracker) errorOf(kind string) {
	t.mu.Lock()
	t.errs[kind]++
	t.counts.Errors++
	t.mu.Unlock()
}

// atPhone records that message i reached the agent's phone at; it reports
// whether this was the first arrival.
func (t *tracker) atPhone(i int, at time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.get(i)
	if r == nil {
		return false
	}
	r.phoneN++
	if r.phoneN > 1 {
		t.counts.PhoneDup++
		return false
	}
	r.phone = at
	t.toPhone = append(t.toPhone, at.Sub(r.sent))
	t.counts.Phone++
	return true
}

// replied records that the agent answered message i at.
func (t *tracker) replied(i int, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r := t.get(i); r != nil && r.replied.IsZero() {
		r.replied = at
		t.counts.Replied++
	}
}

// atGraph records that the answer to message i reached the Graph emulator.
func (t *tracker) atGraph(i int, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.get(i)
	if r == nil {
		return
	}
	r.graphN++
	if r.graphN > 1 {
		t.counts.GraphDup++
		return
	}
	r.graph = at
	if !r.replied.IsZero() {
		t.toGraph = append(t.toGraph, at.Sub(r.replied))
	}
	t.counts.Graph++
}

// snapshot returns the running totals.
func (t *tracker) snapshot() counts {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.counts
}

// samples returns sorted copies of the latency samples and the errors.
func (t *tracker) samples() (acks, toPhone, toGraph []time.Duration, errs map[string]int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	acks, toPhone, toGraph = slices.Clone(t.acks), slices.Clone(t.toPhone), slices.Clone(t.toGraph)
	slices.Sort(acks)
	slices.Sort(toPhone)
	slices.Sort(toGraph)
	return acks, toPhone, toGraph, maps.Clone(t.errs)
}

// records returns copies of every record.
func (t *tracker) records() []record {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]record, len(t.recs))
	for i, r := range t.recs {
		out[i] = *r
	}
	return out
}

// percentile returns the q-quantile (0..1) of sorted, or 0 when empty.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1)*q + 0.5)
	return sorted[min(i, len(sorted)-1)]
}
