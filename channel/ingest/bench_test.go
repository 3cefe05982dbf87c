package ingest

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"golang.org/x/time/rate"

	"github.com/wachan/wachan/channel/wa"
)

// loadClient posts signed webhooks over loopback keep-alive connections;
// fasthttp keeps the load generator's share of the two cores small.
func loadClient(conns int) *fasthttp.Client {
	return &fasthttp.Client{MaxConnsPerHost: conns, MaxConnWaitTimeout: 10 * time.Second}
}

func postOne(b *testing.B, client *fasthttp.Client, url string, body []byte) time.Duration {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(url)
	req.Header.SetMethod("POST")
	req.Header.SetContentType("application/json")
	req.Header.Set(wa.SignatureHeader, wa.Sign(secret, body))
	req.SetBody(body)
	start := time.Now()
	if err := client.Do(req, resp); err != nil {
		b.Error(err)
		return 0
	}
	if resp.StatusCode() != 200 {
		b.Errorf("status %d", resp.StatusCode())
	}
	return time.Since(start)
}

func reportLatency(b *testing.B, lat []time.Duration, elapsed time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// saturate sends b.N signed single-message webhooks from 64 concurrent
// clients as fast as the server answers.
func saturate(b *testing.B, url string) {
	client := loadClient(64)
	var seq atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	b.SetParallelism(32)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var lat []time.Duration
		for pb.Next() {
			n := seq.Add(1)
			body := textBody("PN1", fmt.Sprintf("wamid.bench%d", n), fmt.Sprintf("4477009%05d", n%100), "hello from a customer", 1763830000+n)
			lat = append(lat, postOne(b, client, url, body))
		}
		mu.Lock()
		all = append(all, lat...)
		mu.Unlock()
	})
	reportLatency(b, all, time.Since(start))
}

// BenchmarkWebhookIngest measures acknowledged webhooks per second: each
// signature-checked and fsynced into the journal before its 200, with the
// processor applying the journal at the same time.
func BenchmarkWebhookIngest(b *testing.B) {
	e := newBenchEnv(b)
	saturate(b, e.base+"/webhook/c1")
	b.StopTimer()
	e.finish(b)
}

// BenchmarkBareFiber is the same load against a handler that only answers
// 200: the ceiling the HTTP stack sets on this machine.
func BenchmarkBareFiber(b *testing.B) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Post("/webhook/:channel", func(c *fiber.Ctx) error { return c.SendStatus(200) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go app.Listener(ln)
	defer app.Shutdown()
	saturate(b, "http://"+ln.Addr().String()+"/webhook/c1")
}

// BenchmarkWebhookAck1000 offers webhooks at a steady 1,000 per second and
// reports acknowledgement latency measured from each message's scheduled
// time (so queueing delay counts).
func BenchmarkWebhookAck1000(b *testing.B) {
	e := newBenchEnv(b)
	client := loadClient(128)
	lim := rate.NewLimiter(1000, 1)
	var (
		mu  sync.Mutex
		lat []time.Duration
		wg  sync.WaitGroup
	)
	url := e.base + "/webhook/c1"
	start := time.Now()
	n := 0
	for b.Loop() {
		n++
		lim.Wait(context.Background())
		sched := time.Now()
		body := textBody("PN1", fmt.Sprintf("wamid.paced%d", n), fmt.Sprintf("4477009%05d", n%100), "hello", 1763830000+int64(n))
		wg.Go(func() {
			postOne(b, client, url, body)
			d := time.Since(sched)
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		})
	}
	wg.Wait()
	reportLatency(b, lat, time.Since(start))
	e.finish(b)
}

type benchEnv struct {
	*env
	cancel context.CancelFunc
	done   chan struct{}
}

func newBenchEnv(b *testing.B) *benchEnv {
	e := newEnv(b, b.TempDir())
	e.addChannel("c1", "PN1")
	be := &benchEnv{env: e}
	ctx, cancel := context.WithCancel(context.Background())
	be.cancel, be.done = cancel, make(chan struct{})
	go func() { e.proc.Run(ctx); close(be.done) }()
	return be
}

// finish stops the processor and checks nothing acknowledged was lost.
func (be *benchEnv) finish(b *testing.B) {
	for {
		n, err := be.proc.Drain()
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	be.cancel()
	<-be.done
}
