package store

import (
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openTest(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{Timeout: 200 * time.Millisecond}, discard())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	ch := &Channel{ID: "c1", Name: "Sales", Number: "+447700900001", AccessToken: "tok"}
	if err := s.Update(func(tx *Tx) error { return tx.PutChannel(ch) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir)
	defer s.Close()
	var got *Channel
	if err := s.View(func(tx *Tx) (err error) { got, err = tx.Channel("c1"); return }); err != nil {
		t.Fatal(err)
	}
	if got.Name != "Sales" || got.AccessToken != "tok" {
		t.Fatalf("channel after reopen = %+v", got)
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	defer s.Close()
	_, err := Open(dir, Options{Timeout: 50 * time.Millisecond}, discard())
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open error = %v, want ErrLocked", err)
	}
}

func TestNotFound(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	err := s.View(func(tx *Tx) error { _, err := tx.Channel("nope"); return err })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	err = s.Update(func(tx *Tx) error { return tx.DeleteChannel("nope") })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete err = %v, want ErrNotFound", err)
	}
}

func TestCountersRange(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC) }
	err := s.Update(func(tx *Tx) error {
		for d := 1; d <= 10; d++ {
			if err := tx.AddCounts("a", day(d), Counts{Received: 1, Sent: 2, SentOK: 1, SentFailed: 1}); err != nil {
				return err
			}
		}
		return tx.AddCounts("b", day(5), Counts{Received: 100, Read: 7})
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		channel  string
		from, to time.Time
		want     Counts
	}{
		{"one day", "a", day(3), day(3), Counts{Received: 1, Sent: 2, SentOK: 1, SentFailed: 1}},
		{"range", "a", day(2), day(4), Counts{Received: 3, Sent: 6, SentOK: 3, SentFailed: 3}},
		{"open ends", "a", time.Time{}, time.Time{}, Counts{Received: 10, Sent: 20, SentOK: 10, SentFailed: 10}},
		{"all channels", "", day(5), day(5), Counts{Received: 101, Sent: 2, SentOK: 1, SentFailed: 1, Read: 7}},
		{"no traffic", "a", day(20), day(25), Counts{}},
		{"unknown channel", "zz", time.Time{}, time.Time{}, Counts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Counts
			if err := s.View(func(tx *Tx) (err error) { got, err = tx.SumCounts(tt.channel, tt.from, tt.to, time.UTC); return }); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	var daily map[string]Counts
	if err := s.View(func(tx *Tx) (err error) { daily, err = tx.DailyCounts("a", day(9), day(12), time.UTC); return }); err != nil {
		t.Fatal(err)
	}
	if len(daily) != 2 || daily["2026-11-10"].Received != 1 {
		t.Fatalf("daily = %+v", daily)
	}
}

func TestJournalOrderAndDelete(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	for i := range 5 {
		err := s.Batch(func(tx *Tx) error {
			_, err := tx.AppendJournal(&JournalEntry{ChannelID: "c", Body: []byte{byte('a' + i)}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var got []*JournalEntry
	err := s.Update(func(tx *Tx) (err error) {
		if got, err = tx.Journal(3); err != nil {
			return err
		}
		return tx.DeleteJournal(got[0].Seq)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || string(got[0].Body) != "a" || string(got[2].Body) != "c" {
		t.Fatalf("journal = %+v", got)
	}
	var left int
	s.View(func(tx *Tx) error { left = tx.JournalLen(); return nil })
	if left != 4 {
		t.Fatalf("journal len after delete = %d, want 4", left)
	}
}

func TestWAMIDIndex(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	var id uint64
	err := s.Update(func(tx *Tx) (err error) {
		id, err = tx.AddMessage(&Message{ChannelID: "c", WAMID: "wamid.X", Direction: Inbound, Type: "text", Text: "hi"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error {
		got, err := tx.MessageIDByWAMID("c", "wamid.X")
		if err != nil || got != id {
			t.Fatalf("MessageIDByWAMID = %d, %v; want %d", got, err, id)
		}
		if _, err := tx.MessageIDByWAMID("c", "wamid.Y"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown wamid err = %v", err)
		}
		m, err := tx.Message(id)
		if err != nil || m.Text != "hi" {
			t.Fatalf("Message = %+v, %v", m, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOutboxRoundTrip(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	err := s.Update(func(tx *Tx) error {
		for _, to := range []string{"1", "2", "3"} {
			if _, err := tx.Enqueue(&Job{ChannelID: "c", To: to, Payload: []byte(`{}`)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error {
		jobs, err := tx.Jobs()
		if err != nil {
			return err
		}
		if len(jobs) != 3 || jobs[0].To != "1" || jobs[2].To != "3" {
			t.Fatalf("jobs = %+v", jobs)
		}
		jobs[1].Attempts = 2
		if err := tx.PutJob(jobs[1]); err != nil {
			return err
		}
		return tx.DeleteJob(jobs[0].Seq)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		jobs, _ := tx.Jobs()
		if len(jobs) != 2 || jobs[0].Attempts != 2 {
			t.Fatalf("jobs after update = %+v", jobs)
		}
		return nil
	})
}

func TestDeleteChannelTakesItsTemplates(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	err := s.Update(func(tx *Tx) error {
		for _, id := range []string{"c1", "c10"} {
			if err := tx.PutChannel(&Channel{ID: id}); err != nil {
				return err
			}
			if err := tx.PutTemplate(&Template{ChannelID: id, Name: "hello", Language: "en"}); err != nil {
				return err
			}
		}
		return tx.DeleteChannel("c1")
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		if list, _ := tx.Templates("c1"); len(list) != 0 {
			t.Fatalf("deleted channel keeps %d templates", len(list))
		}
		if list, _ := tx.Templates("c10"); len(list) != 1 {
			t.Fatalf("other channel has %d templates, want 1", len(list))
		}
		return nil
	})
}

func TestMessagesWalksFromAfter(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	s.Update(func(tx *Tx) error {
		for range 5 {
			if _, err := tx.AddMessage(&Message{ChannelID: "c1", Direction: Inbound, Type: "text"}); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
	var ids []uint64
	s.View(func(tx *Tx) error {
		return tx.Messages(2, func(m *Message) bool { ids = append(ids, m.ID); return len(ids) < 2 })
	})
	if len(ids) != 2 || ids[0] != 3 || ids[1] != 4 {
		t.Fatalf("Messages(2) walked %v, want [3 4]", ids)
	}
}
