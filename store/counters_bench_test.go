package store

import (
	"testing"
	"time"
)

// BenchmarkDailyCountsYear reads a year of counters of a busy channel (a
// message every minute, so every quarter hour has its slot) per day in a
// zone off UTC by half an hour, as the statistics page's chart does.
func BenchmarkDailyCountsYear(b *testing.B) {
	s, err := Open(b.TempDir(), Options{}, discard())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	for day := range 365 {
		err := s.Update(func(tx *Tx) error {
			for m := range 24 * 60 {
				at := start.AddDate(0, 0, day).Add(time.Duration(m) * time.Minute)
				if err := tx.AddCounts("c1", at, Counts{Received: 1}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		b.Fatal(err)
	}
	from, to := start, start.AddDate(0, 0, 364)
	b.ResetTimer()
	for b.Loop() {
		var days map[string]Counts
		if err := s.View(func(tx *Tx) (err error) { days, err = tx.DailyCounts("c1", from, to, loc); return }); err != nil {
			b.Fatal(err)
		}
		if len(days) != 366 && len(days) != 365 {
			b.Fatalf("%d days", len(days))
		}
	}
}
