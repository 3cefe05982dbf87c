package daemon

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wachan/wachan/store"
)

// BenchmarkMillionMessages fills a store with a million inbound messages
// from 10,000 customers (each indexed, wamid-linked and counted, as the
// webhook processor stores them), then reports the file's size and how long
// a daemon takes from New to answering /healthz on it.
func BenchmarkMillionMessages(b *testing.B) {
	const total, customers, perTx = 1_000_000, 10_000, 20_000
	dir := b.TempDir()
	st, err := store.Open(dir, store.Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	day := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	err = st.Update(func(tx *store.Tx) error {
		return tx.PutChannel(&store.Channel{ID: "c1", Name: "Sales", PhoneNumberID: pnid, WABAID: "W1", AccessToken: "t", AppSecret: appSecret, VerifyToken: "v", CreatedAt: day})
	})
	if err != nil {
		b.Fatal(err)
	}
	for start := 0; start < total; start += perTx {
		err := st.Update(func(tx *store.Tx) error {
			for i := start; i < start+perTx; i++ {
				key := fmt.Sprintf("4477009%05d", i%customers)
				at := day.Add(time.Duration(i) * time.Second)
				if i < customers {
					if err := tx.PutCustomer(&store.Customer{ChannelID: "c1", Key: key, WaID: key, Name: "Customer", LastInAt: at, CreatedAt: at}); err != nil {
						return err
					}
				}
				m := &store.Message{ChannelID: "c1", CustomerKey: key, Direction: store.Inbound, WAMID: fmt.Sprintf("wamid.HBgM%016d", i),
					Type: "text", Text: fmt.Sprintf("message number %d from a customer, of a usual length", i), Timestamp: at,
					// The raw message as Meta sent it, kept for every inbound message.
					Raw: fmt.Appendf(nil, `{"from":%q,"id":"wamid.HBgM%016d","timestamp":"%d","text":{"body":"message number %d from a customer, of a usual length"},"type":"text"}`, key, i, at.Unix(), i)}
				if _, err := tx.AddMessage(m); err != nil {
					return err
				}
				if err := tx.IndexMessage(m); err != nil {
					return err
				}
				if err := tx.AddCounts("c1", at, store.Counts{Received: 1}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	st.Close()
	info, err := os.Stat(filepath.Join(dir, store.FileName))
	if err != nil {
		b.Fatal(err)
	}

	cfg := testConfig(b, "http://127.0.0.1:1")
	cfg.DataDir = dir
	b.ResetTimer()
	var startup time.Duration
	for range b.N {
		t0 := time.Now()
		h := start(b, cfg) // returns once /healthz answers
		startup = time.Since(t0)
		h.stop()
	}
	b.StopTimer()
	b.ReportMetric(float64(info.Size())/(1<<20), "MB/million-msgs")
	b.ReportMetric(float64(startup.Milliseconds()), "startup-ms")
	b.ReportMetric(0, "ns/op")
}
