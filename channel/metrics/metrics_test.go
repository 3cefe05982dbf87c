package metrics

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wachan/wachan/store"
)

const (
	accessToken = "EAAG-secret-access-token-do-not-leak"
	appSecret   = "app-secret-do-not-leak-0123456789"
	verifyToken = "verify-token-do-not-leak-abcdef"
)

func setup(t *testing.T) (*store.Store, *Metrics, func() string) {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m := New(st)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/metrics", Handler(m.Registry()))
	scrape := func() string {
		t.Helper()
		resp, err := app.Test(httptest.NewRequest("GET", "/metrics", nil), 5000)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET /metrics = %d: %s", resp.StatusCode, body)
		}
		return string(body)
	}
	return st, m, scrape
}

func has(t *testing.T, body string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(body, "\n"+l+"\n") {
			t.Fatalf("metrics lack %q", l)
		}
	}
}

func TestStoreMetricsMoveWithWrites(t *testing.T) {
	st, _, scrape := setup(t)
	has(t, scrape(), "wachan_channels 0", "wachan_journal_pending 0", "wachan_outbox_pending 0")

	err := st.Update(func(tx *store.Tx) error {
		for _, id := range []string{"sales", "support"} {
			if err := tx.PutChannel(&store.Channel{ID: id, AccessToken: accessToken, AppSecret: appSecret, VerifyToken: verifyToken}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	has(t, scrape(), "wachan_channels 2", `wachan_messages_received_total{channel="sales"} 0`)

	day1 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	err = st.Update(func(tx *store.Tx) error {
		tx.AddCounts("sales", day1, store.Counts{Received: 3, Sent: 3, SentOK: 2, SentFailed: 1, Delivered: 2, Read: 1})
		tx.AddCounts("sales", day1.AddDate(0, 0, 1), store.Counts{Received: 4})
		tx.AddCounts("support", day1, store.Counts{Received: 1})
		if _, err := tx.AppendJournal(&store.JournalEntry{ChannelID: "sales", ReceivedAt: day1, Body: []byte(`{"token":"` + accessToken + `"}`)}); err != nil {
			return err
		}
		_, err := tx.Enqueue(&store.Job{ChannelID: "sales", To: "447700900001", Payload: json.RawMessage(`{"text":"hi"}`)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	body := scrape()
	has(t, body,
		`wachan_messages_received_total{channel="sales"} 7`,
		`wachan_messages_received_total{channel="support"} 1`,
		`wachan_messages_sent_total{channel="sales",result="ok"} 2`,
		`wachan_messages_sent_total{channel="sales",result="failed"} 1`,
		`wachan_messages_delivered_total{channel="sales"} 2`,
		`wachan_messages_read_total{channel="sales"} 1`,
		"wachan_journal_pending 1",
		"wachan_outbox_pending 1",
	)
	for _, secret := range []string{accessToken, appSecret, verifyToken} {
		if strings.Contains(body, secret) {
			t.Fatalf("metrics expose a secret %q", secret)
		}
	}

	if err := st.Update(func(tx *store.Tx) error { return tx.DeleteChannel("support") }); err != nil {
		t.Fatal(err)
	}
	if body := scrape(); strings.Contains(body, `channel="support"`) {
		t.Fatal("a deleted channel still has series")
	}
}

func TestLiveMetrics(t *testing.T) {
	_, m, scrape := setup(t)
	has(t, scrape(), "wachan_ari_connected 0", "wachan_webhook_ack_seconds_count 0")
	m.ObserveAck(3 * time.Millisecond)
	m.ObserveAck(2 * time.Second)
	m.GraphError(131047)
	m.GraphError(131047)
	m.GraphError(190)
	m.SetARIConnected(true)
	body := scrape()
	has(t, body,
		"wachan_ari_connected 1",
		"wachan_webhook_ack_seconds_count 2",
		`wachan_webhook_ack_seconds_bucket{le="0.005"} 1`,
		`wachan_webhook_ack_seconds_bucket{le="2.5"} 2`,
		`wachan_graph_errors_total{code="131047"} 2`,
		`wachan_graph_errors_total{code="190"} 1`,
	)
	if !strings.Contains(body, "\ngo_goroutines ") || !strings.Contains(body, "\nprocess_") {
		t.Fatal("runtime and process metrics missing")
	}
	m.SetARIConnected(false)
	has(t, scrape(), "wachan_ari_connected 0")
}

// TestCollectorIsConsistent checks that what the collector sends matches
// what it describes.
func TestCollectorIsConsistent(t *testing.T) {
	st, _, _ := setup(t)
	st.Update(func(tx *store.Tx) error { return tx.PutChannel(&store.Channel{ID: "sales"}) })
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(newStoreCollector(st))
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 8 {
		t.Fatalf("Gather = %d families, %v", len(mfs), err)
	}
}

func TestClosedStoreFailsTheScrape(t *testing.T) {
	st, _, _ := setup(t)
	m := New(st)
	st.Close()
	if _, err := m.Registry().Gather(); err == nil || !strings.Contains(err.Error(), "reading store") {
		t.Fatalf("Gather on a closed store = %v", err)
	}
}
