package metrics

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wachan/wachan/store"
)

// storeCollector reads message counters and queue lengths from the store
// at scrape time.
type storeCollector struct {
	st        *store.Store
	received  *prometheus.Desc
	sent      *prometheus.Desc
	delivered *prometheus.Desc
	read      *prometheus.Desc
	channels  *prometheus.Desc
	journal   *prometheus.Desc
	outbox    *prometheus.Desc
	size      *prometheus.Desc
}

func newStoreCollector(st *store.Store) *storeCollector {
	ch := []string{"channel"}
	return &storeCollector{
		st:        st,
		received:  prometheus.NewDesc("wachan_messages_received_total", "Customer messages received, by channel.", ch, nil),
		sent:      prometheus.NewDesc("wachan_messages_sent_total", "Send attempts to the Cloud API by channel and result (ok or failed).", []string{"channel", "result"}, nil),
		delivered: prometheus.NewDesc("wachan_messages_delivered_total", "Outbound messages Meta reported delivered, by channel.", ch, nil),
		read:      prometheus.NewDesc("wachan_messages_read_total", "Outbound messages Meta reported read, by channel.", ch, nil),
		channels:  prometheus.NewDesc("wachan_channels", "Configured WhatsApp channels.", nil, nil),
		journal:   prometheus.NewDesc("wachan_journal_pending", "Acknowledged webhook bodies not yet applied.", nil, nil),
		outbox:    prometheus.NewDesc("wachan_outbox_pending", "Accepted outbound sends not yet finished.", nil, nil),
		size:      prometheus.NewDesc("wachan_store_size_bytes", "Size of the database in bytes.", nil, nil),
	}
}

// Describe sends every descriptor.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.received, c.sent, c.delivered, c.read, c.channels, c.journal, c.outbox, c.size} {
		ch <- d
	}
}

// Collect reads the store in one read transaction.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	type row struct {
		id     string
		counts store.Counts
	}
	var (
		rows            []row
		journal, outbox int
	)
	err := c.st.View(func(tx *store.Tx) error {
		chans, err := tx.Channels()
		if err != nil {
			return err
		}
		for _, cn := range chans {
			counts, err := tx.SumCounts(cn.ID, time.Time{}, time.Time{}, time.UTC)
			if err != nil {
				return err
			}
			rows = append(rows, row{id: cn.ID, counts: counts})
		}
		jobs, err := tx.Jobs()
		if err != nil {
			return err
		}
		journal, outbox = tx.JournalLen(), len(jobs)
		return nil
	})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.channels, fmt.Errorf("reading store: %w", err))
		return
	}
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for _, r := range rows {
		counter(c.received, r.counts.Received, r.id)
		counter(c.sent, r.counts.SentOK, r.id, "ok")
		counter(c.sent, r.counts.SentFailed, r.id, "failed")
		counter(c.delivered, r.counts.Delivered, r.id)
		counter(c.read, r.counts.Read, r.id)
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	gauge(c.channels, float64(len(rows)))
	gauge(c.journal, float64(journal))
	gauge(c.outbox, float64(outbox))
	gauge(c.size, float64(c.st.Size()))
}
