package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// HookDelivery is an event webhook for an API key, kept until its
// receiver answers 2xx or the delivery gives up.
type HookDelivery struct {
	Seq     uint64 `json:"-"`
	KeyID   string `json:"key_id"`
	EventID string `json:"event_id"`
	Event   string `json:"event"`
	// Body is the exact JSON POSTed (and signed).
	Body      json.RawMessage `json:"body"`
	Attempts  int             `json:"attempts"`
	NotBefore time.Time       `json:"not_before,omitzero"`
	LastError string          `json:"last_error,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// AddHookDelivery queues d and returns its sequence number.
func (t *Tx) AddHookDelivery(d *HookDelivery) (uint64, error) {
	seq, err := t.nextSeq(bucketHookOut)
	if err != nil {
		return 0, err
	}
	d.Seq = seq
	return seq, t.putJSON(bucketHookOut, itob(seq), d)
}

// PutHookDelivery replaces queued delivery d (after an attempt).
func (t *Tx) PutHookDelivery(d *HookDelivery) error {
	if t.bucket(bucketHookOut).Get(itob(d.Seq)) == nil {
		return fmt.Errorf("updating hook delivery %d: %w", d.Seq, ErrNotFound)
	}
	return t.putJSON(bucketHookOut, itob(d.Seq), d)
}

// HookDeliveries returns up to n queued deliveries in order.
func (t *Tx) HookDeliveries(n int) ([]*HookDelivery, error) {
	var out []*HookDelivery
	c := t.bucket(bucketHookOut).Cursor()
	for k, v := c.First(); k != nil && len(out) < n; k, v = c.Next() {
		var d HookDelivery
		if err := json.Unmarshal(v, &d); err != nil {
			return nil, fmt.Errorf("decoding hook delivery %d: %w", btoi(k), err)
		}
		d.Seq = btoi(k)
		out = append(out, &d)
	}
	return out, nil
}

// EachHookDelivery calls fn with each queued delivery in order until fn
// returns false.
func (t *Tx) EachHookDelivery(fn func(d *HookDelivery) bool) error {
	c := t.bucket(bucketHookOut).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var d HookDelivery
		if err := json.Unmarshal(v, &d); err != nil {
			return fmt.Errorf("decoding hook delivery %d: %w", btoi(k), err)
		}
		d.Seq = btoi(k)
		if !fn(&d) {
			return nil
		}
	}
	return nil
}

// HookDeliveryCount returns how many deliveries are queued.
func (t *Tx) HookDeliveryCount() int {
	return t.bucket(bucketHookOut).Stats().KeyN
}

// DeleteHookDelivery removes delivery seq.
func (t *Tx) DeleteHookDelivery(seq uint64) error {
	if err := t.bucket(bucketHookOut).Delete(itob(seq)); err != nil {
		return fmt.Errorf("deleting hook delivery %d: %w", seq, err)
	}
	return nil
}
