package campaign

import (
	"fmt"
	"testing"
	"time"

	"github.com/wachan/wachan/store"
)

// BenchmarkCampaignThroughput runs a campaign against an emulated number
// enforcing the channel's configured rate and reports the send rate the
// emulator saw, its deviation from the configured rate, and the sends the
// emulator refused for going over it (130429).
func BenchmarkCampaignThroughput(b *testing.B) {
	for _, rate := range []int{80, 1000} {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) {
			e := newEnv(b, rate)
			n := max(b.N, 2*rate)
			c := e.create(numbers(n), 0)
			b.ResetTimer()
			e.start()
			e.wait(c.ID, "completed", func(c *store.Campaign) bool { return c.State == store.CampaignCompleted })
			b.StopTimer()
			sent := e.emu.Sent(pnid)
			if len(sent) != n {
				b.Fatalf("emulator got %d sends, want %d", len(sent), n)
			}
			achieved := float64(n-1) / sent[n-1].Time.Sub(sent[0].Time).Seconds()
			b.ReportMetric(achieved, "msgs/s")
			b.ReportMetric(100*(achieved-float64(rate))/float64(rate), "dev-%")
			b.ReportMetric(float64(e.emu.Rejected(pnid)[130429]), "130429s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkCreate reports how long storing a 10,000-recipient campaign
// takes, numbers checked and messages built.
func BenchmarkCreate(b *testing.B) {
	e := newEnv(b, 1000)
	rs := numbers(10000)
	for b.Loop() {
		began := time.Now()
		e.create(rs, 0)
		b.ReportMetric(float64(time.Since(began).Milliseconds()), "ms/10k")
	}
}
