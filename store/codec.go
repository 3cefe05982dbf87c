package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Bucket names.
var (
	bucketMeta      = []byte("meta")
	bucketChannels  = []byte("channels")
	bucketCustomers = []byte("customers")
	bucketSessions  = []byte("sessions")
	bucketMessages  = []byte("messages")
	bucketWAMIDs    = []byte("wamids")
	bucketJournal   = []byte("journal")
	bucketOutbox    = []byte("outbox")
	bucketTemplates = []byte("templates")
	bucketEvents    = []byte("events")
	bucketCounters  = []byte("counters")
)

func itob(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func btoi(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func compositeKey(parts ...string) []byte {
	n := len(parts) - 1
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			k = append(k, 0)
		}
		k = append(k, p...)
	}
	return k
}

func (t *Tx) bucket(name []byte) *bolt.Bucket {
	b := t.tx.Bucket(name)
	if b != nil && appendOnly(name) {
		// Keys only grow: fill pages instead of splitting them in half.
		b.FillPercent = 0.9
	}
	return b
}

// appendOnly reports whether new keys of bucket name always sort last.
func appendOnly(name []byte) bool {
	switch string(name) {
	case string(bucketMessages), string(bucketJournal), string(bucketOutbox),
		string(bucketDeliveries), string(bucketEvents), string(bucketHookOut), string(bucketUnrouted):
		return true
	}
	return false
}

func (t *Tx) getJSON(bucket, key []byte, v any) error {
	data := t.bucket(bucket).Get(key)
	if data == nil {
		return ErrNotFound
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decoding %s/%x: %w", bucket, key, err)
	}
	return nil
}

func (t *Tx) putJSON(bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", bucket, err)
	}
	if err := t.bucket(bucket).Put(key, data); err != nil {
		return fmt.Errorf("writing %s: %w", bucket, err)
	}
	return nil
}

// nextSeq returns the bucket's next sequence number.
func (t *Tx) nextSeq(bucket []byte) (uint64, error) {
	n, err := t.bucket(bucket).NextSequence()
	if err != nil {
		return 0, fmt.Errorf("allocating %s id: %w", bucket, err)
	}
	return n, nil
}

// each decodes every value of bucket whose key starts with prefix, in key
// order, stopping when fn returns false.
func each[T any](t *Tx, bucket, prefix []byte, fn func(key []byte, v *T) bool) error {
	c := t.bucket(bucket).Cursor()
	var k, data []byte
	if prefix == nil {
		k, data = c.First()
	} else {
		k, data = c.Seek(prefix)
	}
	for ; k != nil; k, data = c.Next() {
		if prefix != nil && !hasPrefix(k, prefix) {
			break
		}
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return fmt.Errorf("decoding %s/%x: %w", bucket, k, err)
		}
		if !fn(k, &v) {
			break
		}
	}
	return nil
}

func hasPrefix(b, prefix []byte) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == string(prefix)
}
