package store

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestCountersPerTimeZone(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	// Instants around the midnights of 10 and 11 November 2026 in several
	// zones (New York is UTC-5, Kolkata +5:30, Kathmandu +5:45 then).
	at := []string{
		"2026-11-10T04:59:59Z", // NY 9 Nov 23:59
		"2026-11-10T05:00:00Z", // NY 10 Nov 00:00
		"2026-11-10T18:14:59Z", // Kathmandu 10 Nov 23:59, Kolkata 23:44
		"2026-11-10T18:15:00Z", // Kathmandu 11 Nov 00:00, Kolkata 23:45
		"2026-11-10T18:29:59Z", // Kolkata 10 Nov 23:59
		"2026-11-10T18:30:00Z", // Kolkata 11 Nov 00:00
		"2026-11-10T23:59:59Z", // UTC 10 Nov
		"2026-11-11T00:00:00Z", // UTC 11 Nov
	}
	err := s.Update(func(tx *Tx) error {
		for i, a := range at {
			ts, err := time.Parse(time.RFC3339, a)
			if err != nil {
				return err
			}
			// Message i counts 1<<i, so each day's sum names its messages.
			if err := tx.AddCounts("a", ts, Counts{Received: 1 << i}); err != nil {
				return err
			}
		}
		return tx.AddCounts("b", time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC), Counts{Read: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		zone string
		want map[string]int64 // day -> bits of the messages counted on it
	}{
		{"UTC", map[string]int64{"2026-11-10": 0b01111111, "2026-11-11": 0b10000000}},
		{"America/New_York", map[string]int64{"2026-11-09": 0b00000001, "2026-11-10": 0b11111110}},
		{"Asia/Kolkata", map[string]int64{"2026-11-10": 0b00011111, "2026-11-11": 0b11100000}},
		{"Asia/Kathmandu", map[string]int64{"2026-11-10": 0b00000111, "2026-11-11": 0b11111000}},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			loc := zone(t, tt.zone)
			if tt.zone == "UTC" {
				loc = time.UTC
			}
			var days map[string]Counts
			var one, all Counts
			err := s.View(func(tx *Tx) (err error) {
				if days, err = tx.DailyCounts("a", date(2026, 11, 1), date(2026, 11, 30), loc); err != nil {
					return err
				}
				if one, err = tx.SumCounts("a", date(2026, 11, 10), date(2026, 11, 10), loc); err != nil {
					return err
				}
				all, err = tx.SumCounts("", date(2026, 11, 10), date(2026, 11, 10), loc)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(days) != len(tt.want) {
				t.Errorf("days = %v, want %v", days, tt.want)
			}
			for d, bits := range tt.want {
				if days[d].Received != bits {
					t.Errorf("%s: received %08b, want %08b", d, days[d].Received, bits)
				}
			}
			if one.Received != tt.want["2026-11-10"] {
				t.Errorf("sum of 10 Nov = %08b, want %08b", one.Received, tt.want["2026-11-10"])
			}
			if all.Received != one.Received || all.Read != 1 {
				t.Errorf("all channels on 10 Nov = %+v, want a's %d and b's read", all, one.Received)
			}
		})
	}
	// A range without traffic is empty, and a new store has no counts
	// known per UTC day only.
	err = s.View(func(tx *Tx) error {
		if d := tx.CountsByUTCDayUntil(); d != "" {
			t.Errorf("new store: counts by UTC day until %q", d)
		}
		days, err := tx.DailyCounts("a", date(2026, 11, 12), date(2026, 11, 20), zone(t, "Asia/Kolkata"))
		if err == nil && len(days) != 0 {
			t.Errorf("days after the traffic = %v", days)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Counts written before migration 9 have no quarter hours: they stay on the
// day of their UTC date in every zone, and totals never change.
func TestCountersFromBeforeMigration9(t *testing.T) {
	dir := t.TempDir()
	openAt(t, dir, 8)
	today := time.Now().UTC().Format(DayLayout)
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketCounters).CreateBucketIfNotExists([]byte("a"))
		if err != nil {
			return err
		}
		if err := b.Put([]byte("2026-01-15"), []byte(`{"received":3,"sent":2}`)); err != nil {
			return err
		}
		return b.Put([]byte(today), []byte(`{"received":5}`))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s := openTest(t, dir)
	defer s.Close()
	// After the migration, today gains a message at 23:50 UTC: in Kolkata
	// that is tomorrow.
	day, _ := time.Parse(DayLayout, today)
	late := day.Add(23*time.Hour + 50*time.Minute)
	if err := s.Update(func(tx *Tx) error { return tx.AddCounts("a", late, Counts{Received: 1}) }); err != nil {
		t.Fatal(err)
	}
	tomorrow := late.Add(time.Hour).Format(DayLayout)
	kolkata := zone(t, "Asia/Kolkata")
	var days map[string]Counts
	var total, openTotal Counts
	err = s.View(func(tx *Tx) (err error) {
		if days, err = tx.DailyCounts("a", time.Time{}, time.Time{}, kolkata); err != nil {
			return err
		}
		if total, err = tx.SumCounts("a", date(2026, 1, 1), late.AddDate(0, 0, 2), kolkata); err != nil {
			return err
		}
		if openTotal, err = tx.SumCounts("a", time.Time{}, time.Time{}, kolkata); err != nil {
			return err
		}
		if d := tx.CountsByUTCDayUntil(); d < today {
			t.Errorf("counts by UTC day until %q, want the migration's day %s", d, today)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Counts{"2026-01-15": {Received: 3, Sent: 2}, today: {Received: 5}, tomorrow: {Received: 1}}
	if len(days) != len(want) {
		t.Fatalf("days = %+v, want %+v", days, want)
	}
	for d, c := range want {
		if days[d] != c {
			t.Errorf("%s = %+v, want %+v", d, days[d], c)
		}
	}
	if total != (Counts{Received: 9, Sent: 2}) || openTotal != total {
		t.Fatalf("totals = %+v and %+v, want 9 received, 2 sent", total, openTotal)
	}
}

func TestMigration9AddsCounterSlots(t *testing.T) {
	migrateFrom(t, 8, "counter_slots")
}

func TestDeleteChannelDeletesItsCounters(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutChannel(&Channel{ID: "c1", Name: "Sales", Number: "+447700900001"}); err != nil {
			return err
		}
		if err := tx.AddCounts("c1", time.Now(), Counts{Received: 2}); err != nil {
			return err
		}
		return tx.DeleteChannel("c1")
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error {
		for _, loc := range []*time.Location{time.UTC, zone(t, "Asia/Kolkata")} {
			days, err := tx.DailyCounts("c1", date(2000, 1, 1), date(2100, 1, 1), loc)
			if err != nil || len(days) != 0 {
				t.Errorf("%s: counters of a deleted channel = %v, %v", loc, days, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
