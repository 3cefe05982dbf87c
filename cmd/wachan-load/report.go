package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// report is the final summary of a run.
type report struct {
	opts                   *options
	elapsed                time.Duration
	counts                 counts
	drained                bool
	acks, toPhone, toGraph []time.Duration
	errs                   map[string]int
	rssIdle, rssPeak       int64
	hasRSS                 bool
	// cpu is the daemon's CPU time during the load (hasCPU: measured).
	cpu     time.Duration
	hasCPU  bool
	console *consoleCounts
}

// consoleCounts are the console event streams held during the load.
type consoleCounts struct {
	open, refused, failed, frames int64
}

// print writes the report.
func (r *report) print(w io.Writer) {
	c := r.counts
	secs := r.elapsed.Seconds()
	fmt.Fprintf(w, "\nwachan-load: %d messages offered in %.1fs (rate %s, %d channels, %d customers)\n",
		c.Sent, secs, rateName(r.opts.rate), r.opts.channels, r.opts.customers)
	fmt.Fprintf(w, "  throughput     %.0f messages/s acknowledged (%d acked, %d given up)\n", float64(c.Acked)/secs, c.Acked, c.Failed)
	fmt.Fprintf(w, "  webhook ack    p50 %s  p99 %s  p99.9 %s\n", ms(percentile(r.acks, .5)), ms(percentile(r.acks, .99)), ms(percentile(r.acks, .999)))
	fmt.Fprintf(w, "  to agent phone p50 %s  p99 %s  (%d reached, %d repeated arrivals)\n",
		ms(percentile(r.toPhone, .5)), ms(percentile(r.toPhone, .99)), c.Phone, c.PhoneDup)
	if !r.opts.noReply {
		fmt.Fprintf(w, "  reply to Graph p50 %s  p99 %s  (%d replies, %d sent, %d sent twice)\n",
			ms(percentile(r.toGraph, .5)), ms(percentile(r.toGraph, .99)), c.Replied, c.Graph, c.GraphDup)
	}
	fmt.Fprintf(w, "  errors         %s\n", errorLine(r.errs))
	if r.hasRSS {
		fmt.Fprintf(w, "  daemon RSS     idle %s, peak %s\n", mib(r.rssIdle), mib(r.rssPeak))
	}
	if r.hasCPU {
		fmt.Fprintf(w, "  daemon CPU     %.1fs in %.1fs (%.0f%% of one core)\n", r.cpu.Seconds(), secs, 100*r.cpu.Seconds()/secs)
	}
	if cc := r.console; cc != nil {
		fmt.Fprintf(w, "  console        %d event streams held (%d refused, %d failed), %d live updates received\n",
			cc.open, cc.refused, cc.failed, cc.frames)
	}
	if !r.drained {
		fmt.Fprintf(w, "  NOTE: not everything arrived within --drain %v\n", r.opts.drain)
	}
}

func rateName(r float64) string {
	if r == 0 {
		return "unpaced"
	}
	return fmt.Sprintf("%g/s", r)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// errorLine lists errors by kind, most frequent first.
func errorLine(errs map[string]int) string {
	if len(errs) == 0 {
		return "none"
	}
	kinds := make([]string, 0, len(errs))
	for k := range errs {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(a, b string) int {
		if errs[a] != errs[b] {
			return errs[b] - errs[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %d", k, errs[k])
	}
	return strings.Join(parts, ", ")
}
