package outbox

import (
	"fmt"
	"testing"
)

// benchPacing queues b.N messages to distinct recipients on a number paced
// at rate and reports the achieved send rate as the emulator saw it, its
// deviation from the configured rate, and the emulator's 130429 refusals.
func benchPacing(b *testing.B, rate int) {
	e := newEnv(b, rate)
	n := max(b.N, 2*rate)
	for i := range n {
		if _, err := e.ob.Send(text(fmt.Sprintf("44770%07d", i), "hello")); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	e.start()
	e.waitQueueEmpty()
	b.StopTimer()
	sent := e.emu.Sent(pnid)
	if len(sent) != n {
		b.Fatalf("emulator got %d sends, want %d", len(sent), n)
	}
	span := sent[n-1].Time.Sub(sent[0].Time)
	achieved := float64(n-1) / span.Seconds()
	b.ReportMetric(achieved, "msgs/s")
	b.ReportMetric(100*(achieved-float64(rate))/float64(rate), "dev-%")
	b.ReportMetric(float64(e.emu.Rejected(pnid)[130429]), "130429s")
	b.ReportMetric(0, "ns/op")
}

func BenchmarkPacing80(b *testing.B)   { benchPacing(b, 80) }
func BenchmarkPacing1000(b *testing.B) { benchPacing(b, 1000) }
