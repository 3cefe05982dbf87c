package daemon

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/time/rate"

	"github.com/wachan/wachan/channel/wa"
)

// BenchmarkInboundEndToEnd1000 offers customer messages from 100
// customers at 1,000 per second as signed webhooks and measures, for each,
// the time from the webhook being sent to the agent's phone receiving the
// SIP MESSAGE through ARI (the emulator records the sendMessage time).
func BenchmarkInboundEndToEnd1000(b *testing.B) {
	p := startPBX(b, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001")
	var webhook string
	var ch map[string]any
	p.do("GET", "/api/v1/channels/"+p.ch, nil, &ch)
	webhook = ch["webhook_url"].(string)

	n := max(b.N, 1000)
	bodies := make([][]byte, n)
	for i := range n {
		_, bodies[i] = p.graph.InboundText(pnid, fmt.Sprintf("4477009%05d", i%100), fmt.Sprintf("Customer %d", i%100), fmt.Sprintf("e2e-%d", i))
	}
	client := &fasthttp.Client{MaxConnsPerHost: 128, MaxConnWaitTimeout: 10 * time.Second}
	lim := rate.NewLimiter(1000, 1)
	sentAt := make([]time.Time, n)
	var wg sync.WaitGroup
	b.ResetTimer()
	for i := range n {
		lim.Wait(context.Background())
		sentAt[i] = time.Now()
		wg.Go(func() {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(webhook)
			req.Header.SetMethod("POST")
			req.Header.SetContentType("application/json")
			req.Header.Set(wa.SignatureHeader, wa.Sign(appSecret, bodies[i]))
			req.SetBody(bodies[i])
			if err := client.Do(req, resp); err != nil || resp.StatusCode() != 200 {
				b.Errorf("webhook %d: %v %d", i, err, resp.StatusCode())
			}
		})
	}
	wg.Wait()
	re := regexp.MustCompile(`e2e-(\d+)`)
	lat := make([]time.Duration, 0, n)
	seen := make([]bool, n)
	deadline := time.Now().Add(60 * time.Second)
	for len(lat) < n && time.Now().Before(deadline) {
		lat = lat[:0]
		clear(seen)
		for _, r := range p.ari.Inbox("1001") {
			m := re.FindStringSubmatch(r.Body)
			if m == nil {
				continue
			}
			i, _ := strconv.Atoi(m[1])
			if i < n && !seen[i] {
				seen[i] = true
				lat = append(lat, r.Time.Sub(sentAt[i]))
			}
		}
		if len(lat) < n {
			time.Sleep(20 * time.Millisecond)
		}
	}
	b.StopTimer()
	if len(lat) != n {
		b.Fatalf("agent received %d of %d messages", len(lat), n)
	}
	slices.Sort(lat)
	pct := func(q float64) float64 { return float64(lat[int(float64(n-1)*q)].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
