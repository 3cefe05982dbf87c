package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Buckets added by schema 3 (routing).
var (
	bucketQueues       = []byte("queues")
	bucketAddresses    = []byte("addresses")
	bucketDeliveries   = []byte("deliveries")
	bucketOpenSessions = []byte("open_sessions")
	bucketMessageIndex = []byte("message_index")
	bucketSticky       = []byte("sticky")
)

// Delivery is a SIP message waiting to reach an agent's phone, kept until
// the PBX accepts it so that offline agents get it when they come back.
type Delivery struct {
	Seq       uint64            `json:"-"`
	Ext       string            `json:"ext"`
	From      string            `json:"from"`
	Body      string            `json:"body"`
	Vars      map[string]string `json:"vars,omitempty"`
	SessionID uint64            `json:"session_id,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
}

// AddDelivery queues d and returns its sequence number.
func (t *Tx) AddDelivery(d *Delivery) (uint64, error) {
	seq, err := t.nextSeq(bucketDeliveries)
	if err != nil {
		return 0, err
	}
	d.Seq = seq
	return seq, t.putJSON(bucketDeliveries, itob(seq), d)
}

// Deliveries returns up to n queued deliveries in order (all when n <= 0).
func (t *Tx) Deliveries(n int) ([]*Delivery, error) {
	var out []*Delivery
	c := t.bucket(bucketDeliveries).Cursor()
	for k, v := c.First(); k != nil && (n <= 0 || len(out) < n); k, v = c.Next() {
		var d Delivery
		if err := decodeJSON(bucketDeliveries, k, v, &d); err != nil {
			return nil, err
		}
		d.Seq = btoi(k)
		out = append(out, &d)
	}
	return out, nil
}

// DeleteDelivery removes delivery seq.
func (t *Tx) DeleteDelivery(seq uint64) error {
	if err := t.bucket(bucketDeliveries).Delete(itob(seq)); err != nil {
		return fmt.Errorf("deleting delivery %d: %w", seq, err)
	}
	return nil
}

func decodeJSON(bucket, key, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decoding %s/%x: %w", bucket, key, err)
	}
	return nil
}

func sortIDs(ids []uint64) { slices.Sort(ids) }

// OnCommit runs fn after the transaction commits (never when it rolls
// back); fn must not block.
func (t *Tx) OnCommit(fn func()) { t.tx.OnCommit(fn) }
