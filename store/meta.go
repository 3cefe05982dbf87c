package store

import (
	"encoding/json"
	"fmt"
)

var keyAdminTokenHash = []byte("admin_token_hash")

// AdminTokenHash returns the stored admin token hash, or "" if none.
func (t *Tx) AdminTokenHash() string {
	return string(t.bucket(bucketMeta).Get(keyAdminTokenHash))
}

// SetAdminTokenHash stores the admin token hash.
func (t *Tx) SetAdminTokenHash(h string) error {
	if err := t.bucket(bucketMeta).Put(keyAdminTokenHash, []byte(h)); err != nil {
		return fmt.Errorf("writing admin token hash: %w", err)
	}
	return nil
}

// AddEvent records an account, quality or template update.
func (t *Tx) AddEvent(e *Event) error {
	seq, err := t.nextSeq(bucketEvents)
	if err != nil {
		return err
	}
	e.Seq = seq
	return t.putJSON(bucketEvents, itob(seq), e)
}

// Events returns the last n events for channel (all channels if empty),
// newest first.
func (t *Tx) Events(channel string, n int) ([]*Event, error) {
	var out []*Event
	c := t.bucket(bucketEvents).Cursor()
	for k, v := c.Last(); k != nil && len(out) < n; k, v = c.Prev() {
		var e Event
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("decoding event %d: %w", btoi(k), err)
		}
		if channel == "" || e.ChannelID == channel {
			out = append(out, &e)
		}
	}
	return out, nil
}
