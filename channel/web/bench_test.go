package web

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/wachan/wachan/store"
)

// BenchmarkInboxRender renders one agent's live inbox with 2,100 open
// sessions of a queue (five messages each), as the console's event stream
// does on a change: for a member of the queue and for an agent of another.
func BenchmarkInboxRender(b *testing.B) {
	st, err := store.Open(b.TempDir(), store.Options{Timeout: time.Second}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	now := time.Now().UTC()
	err = st.Update(func(tx *store.Tx) error {
		if err := tx.PutChannel(&store.Channel{ID: "ch1", Name: "Sales", Destination: store.Destination{Type: "queue", ID: "sales"}}); err != nil {
			return err
		}
		if err := tx.PutQueue(&store.Queue{Name: "sales", Members: []string{"1001", "1002"}}); err != nil {
			return err
		}
		for i := range 2100 {
			key := fmt.Sprintf("4477009%05d", i)
			if err := tx.PutCustomer(&store.Customer{ChannelID: "ch1", Key: key, WaID: key, Name: "Customer", LastInAt: now}); err != nil {
				return err
			}
			s := &store.Session{ChannelID: "ch1", CustomerKey: key, State: store.StateWaiting, Queue: "sales", CreatedAt: now, LastMessageAt: now}
			if i%2 == 0 {
				s.State, s.Agent = store.StateActive, "1001"
			}
			id, err := tx.AddSession(s)
			if err != nil {
				return err
			}
			for j := range 5 {
				m := &store.Message{ChannelID: "ch1", CustomerKey: key, SessionID: id, Direction: store.Inbound, Type: "text", Text: fmt.Sprintf("message %d", j), Timestamp: now}
				if _, err := tx.AddMessage(m); err != nil {
					return err
				}
				if err := tx.IndexMessage(m); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	w, err := New(Options{Store: st, API: fakeAPI, HashToken: func(s string) string { return s }, Log: slog.New(slog.DiscardHandler),
		Visible: func(tx *store.Tx, s *store.Session, ext string) bool {
			return s.Agent == ext || s.State == store.StateWaiting && ext == "1001"
		}})
	if err != nil {
		b.Fatal(err)
	}
	for _, ext := range []string{"1001", "2001"} {
		b.Run("agent "+ext, func(b *testing.B) {
			for b.Loop() {
				d, err := w.inboxData(ext)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := w.fragment("inbox", "inbox-list", d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
