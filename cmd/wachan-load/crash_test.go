package main

import (
	"context"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
)

// TestCrashUnderLoad kills the daemon with SIGKILL at random moments under
// sustained two-way traffic, restarting it on the same data each time, and
// then checks that nothing acknowledged was lost or doubled.
func TestCrashUnderLoad(t *testing.T) {
	kills := 20
	if testing.Short() {
		kills = 5
	}
	ctx := t.Context()
	dataDir := t.TempDir()
	tr := newTracker()
	var daemonLog *os.File
	if testing.Verbose() {
		daemonLog = os.Stderr
	}
	cfg := rigConfig{Wachan: wachanBin, DataDir: dataDir, GraphAddr: "127.0.0.1:0", ARIAddr: "127.0.0.1:0",
		Channels: 2, SendRate: 500, Observer: graphObserver(tr)}
	if daemonLog != nil {
		cfg.Log = daemonLog
	}
	r, err := startRig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	r.graph.SetWebhookRetry(graphemu.Retry{First: 20 * time.Millisecond, Max: 200 * time.Millisecond, Window: 5 * time.Minute})

	bgCtx, stopBG := context.WithCancel(ctx)
	defer stopBG()
	a := &agents{rig: r, tr: tr, reply: true, every: 10 * time.Millisecond}
	go a.run(bgCtx)

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	g := newGenerator(r, tr, genConfig{Rate: 80, Customers: 24, Concurrency: 16, Redeliver: true, Seed: seed})
	genCtx, stopGen := context.WithCancel(ctx)
	genDone := make(chan struct{})
	go func() { defer close(genDone); g.run(genCtx, ctx) }()

	rng := rand.New(rand.NewPCG(seed, 2))
	for k := range kills {
		time.Sleep(time.Duration(50+rng.IntN(350)) * time.Millisecond)
		if err := r.proc.kill(); err != nil {
			t.Fatalf("kill %d: %v", k, err)
		}
		if err := r.restart(ctx); err != nil {
			t.Fatalf("restart %d: %v", k, err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	stopGen()
	select {
	case <-genDone:
	case <-time.After(2 * time.Minute):
		t.Fatal("webhooks still unacknowledged 2 minutes after the last kill")
	}
	drain(ctx, t, r, tr, 2*time.Minute, false)
	if err := r.proc.stop(time.Minute); err != nil {
		t.Fatalf("clean stop: %v", err)
	}
	// Sends cut by a kill wait minutes for proof that they went out before
	// going again: make those minutes pass, and let the daemon finish them.
	aged := ageDoubts(t, dataDir, 10*time.Minute)
	if err := r.restart(ctx); err != nil {
		t.Fatalf("restart after ageing %d jobs: %v", aged, err)
	}
	drain(ctx, t, r, tr, 2*time.Minute, true)
	if err := r.proc.stop(time.Minute); err != nil {
		t.Fatalf("clean stop: %v", err)
	}
	stopBG()

	c := tr.snapshot()
	t.Logf("%d kills: %d messages, %d webhook errors, %d at phones (%d repeated), %d answers, %d sent to Graph",
		kills, c.Sent, c.Errors, c.Phone, c.PhoneDup, c.Replied, c.Graph)
	if c.Failed != 0 || c.Acked != c.Sent {
		t.Fatalf("%d of %d webhooks never acknowledged", c.Sent-c.Acked, c.Sent)
	}
	if c.Errors == 0 {
		t.Fatal("no webhook ever failed: the kills did not hit the load")
	}
	var wamids []string
	for _, rec := range tr.records() {
		wamids = append(wamids, rec.wamid)
	}
	rep := checkStore(t, dataDir)
	rep.checkInboundOnce(t, wamids)
	sent, held := rep.checkOutboundOnce(t, r.graph, r.channels)
	rep.checkCounters(t)
	t.Logf("%d answers stored, %d sent to Graph, %d in doubt after the kills", len(rep.outbound), sent, aged)
	if held != 0 || len(rep.jobs) != 0 {
		t.Errorf("%d answers (%d jobs) still queued after the in-doubt wait", held, len(rep.jobs))
	}
	if sent == 0 || len(rep.outbound) == 0 {
		t.Fatalf("no answer went out (%d stored, %d sent)", len(rep.outbound), sent)
	}
}
