package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/store"
)

// TestDiskFull runs the daemon with a file size limit (RLIMIT_FSIZE, as
// when the disk is full) so the store cannot grow: webhooks must then be
// refused with a non-200 so Meta redelivers them, the store must stay
// consistent, and after a restart without the limit the redelivered
// webhooks must be processed, each exactly once.
func TestDiskFull(t *testing.T) {
	ctx := t.Context()
	dataDir := t.TempDir()
	tr := newTracker()
	cfg := rigConfig{Wachan: wachanBin, DataDir: dataDir, GraphAddr: "127.0.0.1:0", ARIAddr: "127.0.0.1:0", Channels: 1, SendRate: 100}
	if testing.Verbose() {
		cfg.Log = os.Stderr
	}
	r, err := startRig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	if err := r.proc.stop(time.Minute); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dataDir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	// The file may not grow past its size now.
	r.proc.setFileSizeLimit(fi.Size())
	if err := r.restart(ctx); err != nil {
		t.Fatalf("starting under a %d-byte file size limit: %v", fi.Size(), err)
	}

	bgCtx, stopBG := context.WithCancel(ctx)
	defer stopBG()
	a := &agents{rig: r, tr: tr, every: 10 * time.Millisecond}
	go a.run(bgCtx)
	g := newGenerator(r, tr, genConfig{Rate: 300, Customers: 10, Concurrency: 4})
	genCtx, stopGen := context.WithCancel(ctx)
	genDone := make(chan struct{})
	go func() { defer close(genDone); g.run(genCtx, ctx) }()
	deadline := time.Now().Add(time.Minute)
	for tr.snapshot().Failed < 20 {
		if time.Now().After(deadline) {
			stopGen()
			<-genDone
			t.Fatalf("no webhook refused with the store unable to grow past %d bytes: %+v", fi.Size(), tr.snapshot())
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopGen()
	<-genDone
	_, _, _, errs := tr.samples()
	for kind := range errs {
		if !strings.HasPrefix(kind, "http_5") {
			t.Errorf("webhook failed with %s (%d times), want a 5xx answer", kind, errs[kind])
		}
	}
	c := tr.snapshot()
	t.Logf("under the limit: %d webhooks, %d acknowledged, %d refused %v", c.Sent, c.Acked, c.Failed, errs)
	if c.Acked == 0 {
		t.Fatal("nothing acknowledged before the store filled up")
	}
	if !r.proc.running() {
		t.Fatal("the daemon died when the store could not grow")
	}
	if err := r.proc.stop(time.Minute); err != nil {
		t.Logf("stopping under the limit: %v", err)
	}
	// Consistent, though acknowledged webhooks may wait in the journal.
	checkStoreJournal(t, dataDir, false)

	// Room again: Meta redelivers what was refused.
	r.proc.setFileSizeLimit(0)
	if err := r.restart(ctx); err != nil {
		t.Fatal(err)
	}
	for i, rec := range tr.records() {
		if !rec.failed {
			continue
		}
		ch := r.channels[rec.ch]
		status, err := g.postOnce(ctx, ch, rec.body)
		if err != nil || status != http.StatusOK {
			t.Fatalf("redelivering message %d: %d %v", i, status, err)
		}
		tr.redelivered(i, time.Now())
	}
	drain(ctx, t, r, tr, 2*time.Minute, true)
	if err := r.proc.stop(time.Minute); err != nil {
		t.Fatalf("clean stop: %v", err)
	}
	stopBG()
	var wamids []string
	for _, rec := range tr.records() {
		wamids = append(wamids, rec.wamid)
	}
	rep := checkStore(t, dataDir)
	rep.checkInboundOnce(t, wamids)
	rep.checkCounters(t)
}
