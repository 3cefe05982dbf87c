package store

import (
	"encoding/json"
	"fmt"
)

// AddMessage stores m under a new id, indexing its WAMID if set, and
// returns the id.
func (t *Tx) AddMessage(m *Message) (uint64, error) {
	id, err := t.nextSeq(bucketMessages)
	if err != nil {
		return 0, err
	}
	m.ID = id
	if err := t.putJSON(bucketMessages, itob(id), m); err != nil {
		return 0, err
	}
	if m.WAMID != "" {
		if err := t.LinkWAMID(m.ChannelID, m.WAMID, id); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// PutMessage replaces the stored message m (m.ID must exist).
func (t *Tx) PutMessage(m *Message) error {
	return t.putJSON(bucketMessages, itob(m.ID), m)
}

// Message returns the message with id.
func (t *Tx) Message(id uint64) (*Message, error) {
	var m Message
	if err := t.getJSON(bucketMessages, itob(id), &m); err != nil {
		return nil, fmt.Errorf("reading message %d: %w", id, err)
	}
	return &m, nil
}

// LinkWAMID points channel's wamid at message id.
func (t *Tx) LinkWAMID(channel, wamid string, id uint64) error {
	if err := t.bucket(bucketWAMIDs).Put(compositeKey(channel, wamid), itob(id)); err != nil {
		return fmt.Errorf("indexing wamid: %w", err)
	}
	return nil
}

// MessageIDByWAMID returns the id of channel's message with wamid, or
// ErrNotFound.
func (t *Tx) MessageIDByWAMID(channel, wamid string) (uint64, error) {
	v := t.bucket(bucketWAMIDs).Get(compositeKey(channel, wamid))
	if v == nil {
		return 0, ErrNotFound
	}
	return btoi(v), nil
}

// Messages calls fn for each message from id after (exclusive) in id order
// until fn returns false.
func (t *Tx) Messages(after uint64, fn func(*Message) bool) error {
	c := t.bucket(bucketMessages).Cursor()
	for k, data := c.Seek(itob(after + 1)); k != nil; k, data = c.Next() {
		var m Message
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("decoding message %x: %w", k, err)
		}
		if !fn(&m) {
			break
		}
	}
	return nil
}

// MessageCount returns the number of stored messages.
func (t *Tx) MessageCount() int {
	return t.bucket(bucketMessages).Stats().KeyN
}
