package store

import (
	"errors"
	"testing"
	"time"
)

func TestMigration3AddsRoutingBuckets(t *testing.T) {
	migrateFrom(t, 2, "queues", "addresses", "deliveries", "open_sessions", "message_index", "sticky")
}

func TestSessionsOpenIndex(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	now := time.Unix(1_700_000_000, 0).UTC()
	err := s.Update(func(tx *Tx) error {
		if _, err := tx.OpenSession("c1", "4477"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("OpenSession before = %v", err)
		}
		a := &Session{ChannelID: "c1", CustomerKey: "4477", State: StateWaiting, CreatedAt: now}
		if _, err := tx.AddSession(a); err != nil {
			return err
		}
		b := &Session{ChannelID: "c2", CustomerKey: "4477", State: StateActive, Agent: "1001", CreatedAt: now}
		if _, err := tx.AddSession(b); err != nil {
			return err
		}
		got, err := tx.OpenSession("c1", "4477")
		if err != nil || got.ID != a.ID {
			t.Fatalf("OpenSession = %+v, %v", got, err)
		}
		open, err := tx.OpenSessions()
		if err != nil || len(open) != 2 || open[0].ID != a.ID || open[1].ID != b.ID {
			t.Fatalf("OpenSessions = %v, %v", open, err)
		}
		a.State = StateClosed
		if err := tx.PutSession(a); err != nil {
			return err
		}
		if _, err := tx.OpenSession("c1", "4477"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("OpenSession after close = %v", err)
		}
		var all []uint64
		tx.Sessions(func(s *Session) bool { all = append(all, s.ID); return true })
		if len(all) != 2 || all[0] != b.ID {
			t.Fatalf("Sessions newest first = %v", all)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMessageIndex(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	err := s.Update(func(tx *Tx) error {
		for i, sid := range []uint64{1, 1, 2, 2, 2} {
			m := &Message{ChannelID: "c1", CustomerKey: "4477", SessionID: sid, Text: string(rune('a' + i))}
			if _, err := tx.AddMessage(m); err != nil {
				return err
			}
			if err := tx.IndexMessage(m); err != nil {
				return err
			}
		}
		other := &Message{ChannelID: "c1", CustomerKey: "44770", Text: "x"}
		tx.AddMessage(other)
		tx.IndexMessage(other)
		ms, err := tx.SessionMessages(2)
		if err != nil || len(ms) != 3 || ms[0].Text != "c" {
			t.Fatalf("SessionMessages = %v, %v", ms, err)
		}
		ms, err = tx.CustomerMessages("c1", "4477", 2)
		if err != nil || len(ms) != 2 || ms[0].Text != "d" || ms[1].Text != "e" {
			t.Fatalf("CustomerMessages = %v, %v", ms, err)
		}
		ms, _ = tx.CustomerMessages("c1", "4477", 0)
		if len(ms) != 5 {
			t.Fatalf("all customer messages = %d, want 5 (not the other customer's)", len(ms))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCustomerAddress(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	err := s.Update(func(tx *Tx) error {
		tests := []struct{ channel, key, waID, want string }{
			{"c1", "447700900001", "447700900001", "wa-1-447700900001"},
			{"c2", "447700900001", "447700900001", "wa-2-447700900001"},
			{"c1", "US.123456", "", "wa-1-u1"},
			{"c1", "447700900001", "447700900001", "wa-1-447700900001"},
		}
		for _, tt := range tests {
			got, err := tx.CustomerAddress(tt.channel, tt.key, tt.waID)
			if err != nil || got != tt.want {
				t.Fatalf("CustomerAddress(%s, %s) = %q, %v; want %q", tt.channel, tt.key, got, err, tt.want)
			}
			ch, key, err := tx.AddressOwner(got)
			if err != nil || ch != tt.channel || key != tt.key {
				t.Fatalf("AddressOwner(%s) = %s %s %v", got, ch, key, err)
			}
		}
		if _, _, err := tx.AddressOwner("wa-9-1"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown address err = %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeliveriesAndQueues(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	err := s.Update(func(tx *Tx) error {
		for _, b := range []string{"one", "two", "three"} {
			if _, err := tx.AddDelivery(&Delivery{Ext: "1001", Body: b}); err != nil {
				return err
			}
		}
		q := &Queue{Name: "sales", Members: []string{"1001", "1002"}, Strategy: RingAll, Pickup: PickupFirstReply, RingTimeout: 20 * time.Second}
		return tx.PutQueue(q)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTest(t, dir)
	defer s.Close()
	err = s.Update(func(tx *Tx) error {
		ds, err := tx.Deliveries(0)
		if err != nil || len(ds) != 3 || ds[0].Body != "one" || ds[2].Body != "three" {
			t.Fatalf("Deliveries = %v, %v", ds, err)
		}
		if err := tx.DeleteDelivery(ds[0].Seq); err != nil {
			return err
		}
		if ds, _ := tx.Deliveries(1); len(ds) != 1 || ds[0].Body != "two" {
			t.Fatalf("after delete = %v", ds)
		}
		q, err := tx.Queue("sales")
		if err != nil || q.RingTimeout != 20*time.Second || len(q.Members) != 2 {
			t.Fatalf("Queue = %+v, %v", q, err)
		}
		if err := tx.DeleteQueue("sales"); err != nil {
			return err
		}
		if err := tx.DeleteQueue("sales"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second delete = %v", err)
		}
		if qs, _ := tx.Queues(); len(qs) != 0 {
			t.Fatalf("queues = %v", qs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
