package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// run is the whole program; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "wachan-load: %v\n", err)
		return 2
	}
	bin := ""
	if o.url == "" {
		if bin, err = exec.LookPath(o.wachan); err != nil {
			fmt.Fprintf(stderr, "wachan-load: finding the wachan binary (--wachan): %v\n", err)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := load(ctx, o, bin, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "wachan-load: %v\n", err)
		return 1
	}
	return 0
}

// load sets everything up, runs the load and prints the report.
func load(ctx context.Context, o *options, bin string, stdout, stderr io.Writer) (err error) {
	tr := newTracker()
	var daemonLog io.Writer
	if o.verbose {
		daemonLog = stderr
	}
	r, err := startRig(ctx, rigConfig{
		Wachan: bin, DataDir: o.dataDir, Listen: o.listen, URL: o.url, AdminToken: o.adminToken,
		GraphAddr: o.graphAddr, ARIAddr: o.ariAddr, Channels: o.channels, SendRate: o.sendRate,
		Log: daemonLog, Observer: graphObserver(tr),
	})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := r.close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	fmt.Fprintf(stdout, "wachan-load: daemon at %s, Graph emulator at %s, ARI emulator at %s; %d channels, %d customers\n",
		r.base, r.graphURL, r.ari.URL(), len(r.channels), o.customers)

	mem := newRSSSampler(r)
	time.Sleep(500 * time.Millisecond) // let start-up allocations settle
	mem.idle = mem.sample()

	var bg sync.WaitGroup
	bgCtx, stopBG := context.WithCancel(ctx)
	defer func() { stopBG(); bg.Wait() }()
	a := &agents{rig: r, tr: tr, reply: !o.noReply, every: 20 * time.Millisecond}
	bg.Go(func() { a.run(bgCtx) })
	bg.Go(func() { mem.run(bgCtx, 250*time.Millisecond) })

	var console *consoleLoad
	if o.console > 0 {
		if console, err = holdConsoleStreams(bgCtx, r, o.console); err != nil {
			return fmt.Errorf("opening console streams: %w", err)
		}
		fmt.Fprintf(stdout, "wachan-load: %d console event streams open, %d refused, %d failed\n",
			console.open.Load(), console.refused.Load(), console.failed.Load())
	}
	genCtx, stopGen := context.WithCancel(ctx)
	defer stopGen()
	if o.duration > 0 {
		genCtx, stopGen = context.WithTimeout(ctx, o.duration)
		defer stopGen()
	}
	// Redelivery goes on for the drain time after the last new message.
	redeliver, stopRedeliver := context.WithCancel(ctx)
	defer stopRedeliver()
	go func() {
		select {
		case <-genCtx.Done():
		case <-redeliver.Done():
			return
		}
		select {
		case <-time.After(o.drain):
			stopRedeliver()
		case <-redeliver.Done():
		}
	}()
	cpu := newCPUMeter(r)
	g := newGenerator(r, tr, genConfig{Rate: o.rate, Count: o.count, Customers: o.customers,
		Concurrency: o.concurrency, Media: o.media, Redeliver: !o.noRedeliver, Seed: uint64(time.Now().UnixNano())})
	start := time.Now()
	progCtx, stopProg := context.WithCancel(ctx)
	var progWG sync.WaitGroup
	progWG.Go(func() { progress(progCtx, stdout, tr, start) })
	g.run(genCtx, redeliver)
	elapsed := time.Since(start)
	cpuUsed, cpuOK := cpu.used()
	drained := waitDrained(ctx, tr, !o.noReply, o.drain)
	stopProg()
	progWG.Wait()
	rep := report{
		opts: o, elapsed: elapsed, counts: tr.snapshot(), drained: drained,
		rssIdle: mem.idle, rssPeak: mem.peak(), hasRSS: r.proc != nil,
	}
	rep.cpu, rep.hasCPU = cpuUsed, cpuOK
	if console != nil {
		rep.console = &consoleCounts{open: console.open.Load(), refused: console.refused.Load(),
			failed: console.failed.Load(), frames: console.frames.Load()}
	}
	rep.acks, rep.toPhone, rep.toGraph, rep.errs = tr.samples()
	rep.print(stdout)
	return nil
}

// waitDrained waits up to d for every acknowledged message to reach its
// agent and, with replies, every answer to reach the Graph emulator.
func waitDrained(ctx context.Context, tr *tracker, replies bool, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		c := tr.snapshot()
		if c.Phone >= c.Acked && (!replies || c.Graph >= c.Replied && c.Replied >= c.Phone) {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// progress prints one line a second until ctx ends.
func progress(ctx context.Context, w io.Writer, tr *tracker, start time.Time) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var last counts
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		c := tr.snapshot()
		fmt.Fprintf(w, "%6.0fs  sent %d  acked %d  %d/s  at phones %d  replied %d  at Graph %d  errors %d\n",
			time.Since(start).Seconds(), c.Sent, c.Acked, c.Acked-last.Acked, c.Phone, c.Replied, c.Graph, c.Errors)
		last = c
	}
}
