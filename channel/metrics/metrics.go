package metrics

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wachan/wachan/store"
)

// Metrics is wachan's registry with its live instruments. Its methods are
// safe for concurrent use.
type Metrics struct {
	reg          *prometheus.Registry
	ack          prometheus.Histogram
	graphErrors  *prometheus.CounterVec
	hookErrors   *prometheus.CounterVec
	hookUpdates  *prometheus.CounterVec
	refused      *prometheus.CounterVec
	ariConnected prometheus.Gauge
}

// New returns metrics whose store figures are read from st at each scrape.
// st must not be nil and must stay open while the registry is scraped.
func New(st *store.Store) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		ack: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "wachan_webhook_ack_seconds",
			Help:    "Time from receiving a webhook to acknowledging it (journaled), in seconds.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		graphErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wachan_graph_errors_total",
			Help: "Graph API errors by Meta error code.",
		}, []string{"code"}),
		hookErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wachan_webhook_errors_total",
			Help: "Errors Meta reported in webhooks about the account, app or system (value-level errors), by Meta error code.",
		}, []string{"code"}),
		hookUpdates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wachan_webhook_updates_total",
			Help: "Webhook updates other than messages and statuses (templates, quality, account, preferences, Business app sync…), by webhook field.",
		}, []string{"field"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wachan_webhook_refused_total",
			Help: "Webhook deliveries refused for a missing or wrong signature, by Meta app id (or channel:<id> for a channel without one).",
		}, []string{"app"}),
		ariConnected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wachan_ari_connected",
			Help: "1 while the ARI event WebSocket to Asterisk is connected.",
		}),
	}
	m.reg.MustRegister(
		m.ack, m.graphErrors, m.hookErrors, m.hookUpdates, m.refused, m.ariConnected,
		newStoreCollector(st),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Registry returns the registry to scrape.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveAck records how long acknowledging one webhook took.
func (m *Metrics) ObserveAck(d time.Duration) { m.ack.Observe(d.Seconds()) }

// GraphError counts one Graph API error with Meta's code.
func (m *Metrics) GraphError(code int) { m.graphErrors.WithLabelValues(strconv.Itoa(code)).Inc() }

// WebhookError counts one value-level error Meta reported in a webhook.
func (m *Metrics) WebhookError(code int) { m.hookErrors.WithLabelValues(strconv.Itoa(code)).Inc() }

// WebhookUpdate counts one webhook update of field other than a message
// or a status.
func (m *Metrics) WebhookUpdate(field string) { m.hookUpdates.WithLabelValues(field).Inc() }

// WebhookRefused counts one webhook delivery refused for app.
func (m *Metrics) WebhookRefused(app string) { m.refused.WithLabelValues(app).Inc() }

// SetARIConnected reports whether the ARI connection is up.
func (m *Metrics) SetARIConnected(up bool) {
	if up {
		m.ariConnected.Set(1)
		return
	}
	m.ariConnected.Set(0)
}

// Handler serves g in Prometheus' exposition format, for GET /metrics.
func Handler(g prometheus.Gatherer) fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
}
