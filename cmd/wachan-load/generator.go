package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/time/rate"

	"github.com/wachan/wachan/channel/graphemu"
)

// genConfig shapes the customer traffic.
type genConfig struct {
	Rate        float64 // webhooks per second; 0 is unpaced
	Count       int     // stop after this many messages; 0 is no limit
	Customers   int
	Concurrency int
	Media       float64 // fraction sent as images
	Redeliver   bool    // post failed webhooks again until they get a 200
	Seed        uint64
}

// generator posts signed customer webhooks to the daemon.
type generator struct {
	rig     *rig
	tr      *tracker
	cfg     genConfig
	hc      *http.Client
	mediaID string
	wg      sync.WaitGroup
}

func newGenerator(r *rig, tr *tracker, cfg genConfig) *generator {
	tp := &http.Transport{
		MaxIdleConns:        cfg.Concurrency * 2,
		MaxIdleConnsPerHost: cfg.Concurrency * 2,
		MaxConnsPerHost:     cfg.Concurrency * 2,
		IdleConnTimeout:     30 * time.Second,
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
	}
	g := &generator{rig: r, tr: tr, cfg: cfg, hc: &http.Client{Transport: tp, Timeout: 10 * time.Second}}
	if cfg.Media > 0 {
		g.mediaID = r.graph.AddMedia(fakeJPEG(), "image/jpeg")
	}
	return g
}

// customerText is the marker carried by message i.
func customerText(i int) string { return fmt.Sprintf("load-%d hello from a customer", i) }

// run offers messages until ctx ends or Count is reached, then waits for
// the webhooks in flight (and their redeliveries) to finish; stop ends
// redelivery early.
func (g *generator) run(ctx, stop context.Context) {
	jobs := make(chan webhook, g.cfg.Concurrency)
	for range g.cfg.Concurrency {
		g.wg.Go(func() {
			for w := range jobs {
				g.post(stop, w)
			}
		})
	}
	var lim *rate.Limiter
	if g.cfg.Rate > 0 {
		lim = rate.NewLimiter(rate.Limit(g.cfg.Rate), max(1, int(g.cfg.Rate/100)))
	}
	rng := rand.New(rand.NewPCG(g.cfg.Seed, 1))
	nch := len(g.rig.channels)
	for n := 0; g.cfg.Count == 0 || n < g.cfg.Count; n++ {
		if lim != nil {
			if lim.Wait(ctx) != nil {
				break
			}
		} else if ctx.Err() != nil {
			break
		}
		cust := n % g.cfg.Customers
		ch := cust % nch
		c := g.rig.channels[ch]
		waID := fmt.Sprintf("4477009%05d", cust)
		name := fmt.Sprintf("Customer %d", cust)
		// The index is known before the body is built: records are only
		// appended here.
		i := g.tr.snapshot().Sent
		var wamid string
		var body []byte
		if g.mediaID != "" && rng.Float64() < g.cfg.Media {
			wamid, body = g.rig.graph.InboundMedia(c.PNID, waID, name, "image", g.mediaID, customerText(i))
		} else {
			wamid, body = g.rig.graph.InboundText(c.PNID, waID, name, customerText(i))
		}
		g.tr.add(ch, wamid, time.Now())
		// Workers run until jobs is closed, so a message counted as sent
		// is always posted.
		jobs <- webhook{i: i, ch: c, body: body}
	}
	close(jobs)
	g.wg.Wait()
}

// webhook is one message to post.
type webhook struct {
	i    int
	ch   loadChannel
	body []byte
}

// post delivers w, again with backoff while it fails and Redeliver is
// set, until stop ends.
func (g *generator) post(stop context.Context, w webhook) {
	i, c, body := w.i, w.ch, w.body
	wait := 50 * time.Millisecond
	for {
		start := time.Now()
		status, err := g.postOnce(stop, c, body)
		if err == nil && status == http.StatusOK {
			g.tr.acked(i, time.Now(), time.Since(start))
			return
		}
		g.tr.errorOf(errorKind(status, err))
		if !g.cfg.Redeliver || stop.Err() != nil {
			g.tr.failed(i, body)
			return
		}
		select {
		case <-stop.Done():
			g.tr.failed(i, body)
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, time.Second)
	}
}

func (g *generator) postOnce(ctx context.Context, c loadChannel, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(graphemu.SignatureHeader, graphemu.Sign(c.Secret, body))
	resp, err := g.hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// errorKind names an attempt's failure for the report.
func errorKind(status int, err error) string {
	switch {
	case err == nil:
		return fmt.Sprintf("http_%d", status)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "conn_refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "conn_reset"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), strings.Contains(err.Error(), "EOF"):
		return "conn_closed"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "transport"
}

// fakeJPEG returns a few bytes that start like a JPEG file.
func fakeJPEG() []byte {
	b := make([]byte, 2048)
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0})
	b[len(b)-2], b[len(b)-1] = 0xFF, 0xD9
	return b
}
