package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// DayLayout is the layout of counter day keys.
const DayLayout = "2006-01-02"

// AddCounts adds delta to channel's counters for the day of at (UTC).
func (t *Tx) AddCounts(channel string, at time.Time, delta Counts) error {
	b, err := t.bucket(bucketCounters).CreateBucketIfNotExists([]byte(channel))
	if err != nil {
		return fmt.Errorf("opening counters of %q: %w", channel, err)
	}
	key := []byte(at.UTC().Format(DayLayout))
	var c Counts
	if data := b.Get(key); data != nil {
		if err := json.Unmarshal(data, &c); err != nil {
			return fmt.Errorf("decoding counters: %w", err)
		}
	}
	c.Add(delta)
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encoding counters: %w", err)
	}
	if err := b.Put(key, data); err != nil {
		return fmt.Errorf("writing counters: %w", err)
	}
	return nil
}

// SumCounts returns channel's counters summed over the days from..to
// inclusive (UTC dates). An empty channel sums every channel; a zero from or
// to leaves that end open.
func (t *Tx) SumCounts(channel string, from, to time.Time) (Counts, error) {
	var total Counts
	root := t.bucket(bucketCounters)
	var lo, hi []byte
	if !from.IsZero() {
		lo = []byte(from.UTC().Format(DayLayout))
	}
	if !to.IsZero() {
		hi = []byte(to.UTC().Format(DayLayout))
	}
	sum := func(name []byte) error {
		b := root.Bucket(name)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		k, v := c.First()
		if lo != nil {
			k, v = c.Seek(lo)
		}
		for ; k != nil; k, v = c.Next() {
			if hi != nil && string(k) > string(hi) {
				break
			}
			var day Counts
			if err := json.Unmarshal(v, &day); err != nil {
				return fmt.Errorf("decoding counters %s/%s: %w", name, k, err)
			}
			total.Add(day)
		}
		return nil
	}
	if channel != "" {
		return total, sum([]byte(channel))
	}
	err := root.ForEachBucket(func(name []byte) error { return sum(name) })
	return total, err
}

// DailyCounts returns channel's counters per day between from and to
// inclusive, keyed by YYYY-MM-DD; days without traffic are absent.
func (t *Tx) DailyCounts(channel string, from, to time.Time) (map[string]Counts, error) {
	out := map[string]Counts{}
	b := t.bucket(bucketCounters).Bucket([]byte(channel))
	if b == nil {
		return out, nil
	}
	lo, hi := from.UTC().Format(DayLayout), to.UTC().Format(DayLayout)
	c := b.Cursor()
	for k, v := c.Seek([]byte(lo)); k != nil && string(k) <= hi; k, v = c.Next() {
		var day Counts
		if err := json.Unmarshal(v, &day); err != nil {
			return nil, fmt.Errorf("decoding counters: %w", err)
		}
		out[string(k)] = day
	}
	return out, nil
}
