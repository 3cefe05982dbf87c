package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DayLayout is the layout of counter day keys.
const DayLayout = "2006-01-02"

// SlotLength is the span of one counter slot. Every time zone in use is
// offset from UTC by a whole number of quarter hours, so a slot never
// straddles a local midnight: counters can be summed per day in any zone.
const SlotLength = 15 * time.Minute

// slotLayout is the layout of counter slot keys (the slot's start, UTC).
const slotLayout = "2006-01-02T15:04"

// bucketCounterSlots is added by migration 9.
var bucketCounterSlots = []byte("counter_slots")

// keySlotsSince is the meta key holding the UTC day migration 9 ran: days
// up to it may hold counts that have no slots.
var keySlotsSince = []byte("counter_slots_since")

// AddCounts adds delta to channel's counters for the UTC day and the
// quarter hour of at.
func (t *Tx) AddCounts(channel string, at time.Time, delta Counts) error {
	at = at.UTC()
	if err := addCounts(t.bucket(bucketCounters), dayCodec, channel, at.Format(DayLayout), delta); err != nil {
		return err
	}
	return addCounts(t.bucket(bucketCounterSlots), slotCodec, channel, at.Truncate(SlotLength).Format(slotLayout), delta)
}

// countsCodec is how a counters bucket stores its values: days as JSON,
// slots (many more of them) as six varints.
type countsCodec struct {
	encode func(Counts) ([]byte, error)
	decode func([]byte) (Counts, error)
}

var (
	dayCodec = countsCodec{
		encode: func(c Counts) ([]byte, error) { return json.Marshal(c) },
		decode: func(b []byte) (c Counts, err error) { return c, json.Unmarshal(b, &c) },
	}
	slotCodec = countsCodec{
		encode: func(c Counts) ([]byte, error) {
			b := make([]byte, 0, 12)
			for _, v := range [...]int64{c.Received, c.Sent, c.SentOK, c.SentFailed, c.Delivered, c.Read} {
				b = binary.AppendVarint(b, v)
			}
			return b, nil
		},
		decode: func(b []byte) (c Counts, err error) {
			for _, f := range [...]*int64{&c.Received, &c.Sent, &c.SentOK, &c.SentFailed, &c.Delivered, &c.Read} {
				v, n := binary.Varint(b)
				if n <= 0 {
					return c, errors.New("truncated counter slot")
				}
				*f, b = v, b[n:]
			}
			return c, nil
		},
	}
)

func addCounts(root *bolt.Bucket, codec countsCodec, channel, key string, delta Counts) error {
	b, err := root.CreateBucketIfNotExists([]byte(channel))
	if err != nil {
		return fmt.Errorf("opening counters of %q: %w", channel, err)
	}
	var c Counts
	if data := b.Get([]byte(key)); data != nil {
		if c, err = codec.decode(data); err != nil {
			return fmt.Errorf("decoding counters: %w", err)
		}
	}
	c.Add(delta)
	data, err := codec.encode(c)
	if err != nil {
		return fmt.Errorf("encoding counters: %w", err)
	}
	if err := b.Put([]byte(key), data); err != nil {
		return fmt.Errorf("writing counters: %w", err)
	}
	return nil
}

// eachCounts calls fn for every key of b from lo (inclusive) to hi
// (exclusive) with its counts; an empty lo or hi leaves that end open.
func eachCounts(b *bolt.Bucket, codec countsCodec, lo, hi string, fn func(key string, c Counts) error) error {
	if b == nil {
		return nil
	}
	cur := b.Cursor()
	k, v := cur.First()
	if lo != "" {
		k, v = cur.Seek([]byte(lo))
	}
	for ; k != nil && (hi == "" || string(k) < hi); k, v = cur.Next() {
		c, err := codec.decode(v)
		if err != nil {
			return fmt.Errorf("decoding counters %s: %w", k, err)
		}
		if err := fn(string(k), c); err != nil {
			return err
		}
	}
	return nil
}

// SumCounts returns channel's counters summed over the calendar days from..to
// inclusive in loc (only the dates of from and to count). An empty channel
// sums every channel; a zero from or to leaves that end open.
func (t *Tx) SumCounts(channel string, from, to time.Time, loc *time.Location) (Counts, error) {
	if from.IsZero() && to.IsZero() {
		loc = time.UTC // the same total in every zone, from the day totals
	}
	var total Counts
	sum := func(name string) error {
		days, err := t.DailyCounts(name, from, to, loc)
		for _, c := range days {
			total.Add(c)
		}
		return err
	}
	if channel != "" {
		return total, sum(channel)
	}
	err := t.bucket(bucketCounters).ForEachBucket(func(name []byte) error { return sum(string(name)) })
	return total, err
}

// DailyCounts returns channel's counters per calendar day of loc (nil means
// UTC), from..to inclusive (only the dates of from and to count; a zero one leaves that end
// open), keyed by YYYY-MM-DD; days without traffic are absent.
//
// Counts from before the store kept quarter hours (migration 9) are known
// per UTC day only; they are reported on the day of the same date.
func (t *Tx) DailyCounts(channel string, from, to time.Time, loc *time.Location) (map[string]Counts, error) {
	out := map[string]Counts{}
	add := func(day string, c Counts) error {
		sum := out[day]
		sum.Add(c)
		out[day] = sum
		return nil
	}
	// Date labels of the range's ends; hiDay is exclusive.
	var loDay, hiDay string
	if !from.IsZero() {
		loDay = from.Format(DayLayout)
	}
	if !to.IsZero() {
		hiDay = to.AddDate(0, 0, 1).Format(DayLayout)
	}
	days := t.bucket(bucketCounters).Bucket([]byte(channel))
	if loc == nil || loc == time.UTC {
		return out, eachCounts(days, dayCodec, loDay, hiDay, add)
	}
	// The range's ends as instants in loc, then as slot keys.
	var lo, hi string
	if !from.IsZero() {
		lo = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc).UTC().Format(slotLayout)
	}
	if !to.IsZero() {
		hi = time.Date(to.Year(), to.Month(), to.Day()+1, 0, 0, 0, 0, loc).UTC().Format(slotLayout)
	}
	slots := t.bucket(bucketCounterSlots).Bucket([]byte(channel))
	err := eachCounts(slots, slotCodec, lo, hi, func(k string, c Counts) error {
		at, err := time.Parse(slotLayout, k)
		if err != nil {
			return fmt.Errorf("reading counter slot %q: %w", k, err)
		}
		return add(at.In(loc).Format(DayLayout), c)
	})
	if err != nil {
		return nil, err
	}
	// Days up to the migration may hold counts without slots: what their
	// day total has beyond their slots goes on the day of the same date.
	since := t.CountsByUTCDayUntil()
	if since == "" {
		return out, nil
	}
	legacyHi := since + "\x00"
	if hiDay != "" && hiDay < legacyHi {
		legacyHi = hiDay
	}
	err = eachCounts(days, dayCodec, loDay, legacyHi, func(day string, c Counts) error {
		err := eachCounts(slots, slotCodec, day, day+"\xff", func(_ string, s Counts) error {
			c.Sub(s)
			return nil
		})
		if err != nil || c == (Counts{}) {
			return err
		}
		return add(day, c)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// addCounterSlots is migration 9: the counter_slots bucket and, if counts
// exist already, the day until which counts may lack their quarter hour.
func addCounterSlots(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketCounterSlots); err != nil {
		return fmt.Errorf("creating bucket %s: %w", bucketCounterSlots, err)
	}
	// Each channel with counts has a bucket in counters; with none, every
	// count will have its quarter hour.
	counters := tx.Bucket(bucketCounters)
	if counters == nil {
		return nil
	}
	if k, _ := counters.Cursor().First(); k == nil {
		return nil
	}
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return fmt.Errorf("creating meta bucket: %w", err)
	}
	return meta.Put(keySlotsSince, []byte(time.Now().UTC().Format(DayLayout)))
}

// CountsByUTCDayUntil returns the last UTC day whose counters may be known
// per UTC day only (counted before the store kept quarter hours), or "" if
// there is none.
func (t *Tx) CountsByUTCDayUntil() string {
	return string(t.bucket(bucketMeta).Get(keySlotsSince))
}
