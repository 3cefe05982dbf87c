package store

import (
	"bytes"
	"errors"
	"fmt"

	bolterrors "go.etcd.io/bbolt/errors"
)

// Channel returns the channel with id.
func (t *Tx) Channel(id string) (*Channel, error) {
	var c Channel
	if err := t.getJSON(bucketChannels, []byte(id), &c); err != nil {
		return nil, fmt.Errorf("reading channel %q: %w", id, err)
	}
	return &c, nil
}

// Channels returns every channel ordered by id.
func (t *Tx) Channels() ([]*Channel, error) {
	var out []*Channel
	err := each(t, bucketChannels, nil, func(_ []byte, c *Channel) bool {
		out = append(out, c)
		return true
	})
	return out, err
}

// PutChannel creates or replaces c.
func (t *Tx) PutChannel(c *Channel) error {
	// The channel's address index is fixed from the start, so agents can
	// address new numbers on it before anyone writes in.
	if _, err := t.channelIndex(c.ID); err != nil {
		return err
	}
	return t.putJSON(bucketChannels, []byte(c.ID), c)
}

// DeleteChannel removes the channel and its counters. Messages and sessions
// stay for the record.
func (t *Tx) DeleteChannel(id string) error {
	b := t.bucket(bucketChannels)
	if b.Get([]byte(id)) == nil {
		return fmt.Errorf("deleting channel %q: %w", id, ErrNotFound)
	}
	if err := b.Delete([]byte(id)); err != nil {
		return fmt.Errorf("deleting channel %q: %w", id, err)
	}
	for _, name := range [][]byte{bucketCounters, bucketCounterSlots} {
		err := t.bucket(name).DeleteBucket([]byte(id))
		if err != nil && !isBucketNotFound(err) {
			return fmt.Errorf("deleting counters of %q: %w", id, err)
		}
	}
	// Its templates go too (they are Meta's, synced again if it returns).
	prefix := compositeKey(id, "")
	c := t.bucket(bucketTemplates).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return fmt.Errorf("deleting templates of %q: %w", id, err)
		}
	}
	return nil
}

// Customer returns the customer of channel whose key is key or who is
// known by key as their phone number (wa_id) or business-scoped user id.
func (t *Tx) Customer(channel, key string) (*Customer, error) {
	var c Customer
	err := t.getJSON(bucketCustomers, compositeKey(channel, key), &c)
	if errors.Is(err, ErrNotFound) && key != "" {
		if canon := t.bucket(bucketCustomers).Get(aliasKey(channel, key)); canon != nil && string(canon) != key {
			err = t.getJSON(bucketCustomers, compositeKey(channel, string(canon)), &c)
		}
	}
	if err == nil && c.MergedInto != "" && c.MergedInto != c.Key {
		var into Customer
		if err := t.getJSON(bucketCustomers, compositeKey(channel, c.MergedInto), &into); err == nil {
			return &into, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("reading customer %q: %w", key, err)
	}
	return &c, nil
}

// PutCustomer creates or replaces c and points its phone number and
// business-scoped user id at it, so either finds it (taking them from a
// customer who had them before: the same person, merged).
func (t *Tx) PutCustomer(c *Customer) error {
	if err := t.putJSON(bucketCustomers, compositeKey(c.ChannelID, c.Key), c); err != nil {
		return err
	}
	if c.MergedInto != "" {
		return nil
	}
	for _, id := range []string{c.WaID, c.UserID} {
		if id == "" || id == c.Key {
			continue
		}
		if err := t.bucket(bucketCustomers).Put(aliasKey(c.ChannelID, id), []byte(c.Key)); err != nil {
			return fmt.Errorf("indexing customer %q: %w", id, err)
		}
	}
	return nil
}

// aliasKey is where a customer's phone number or user id points at its
// key; keys never start with 0x00, so aliases never meet customers.
func aliasKey(channel, id string) []byte {
	return compositeKey(channel, "\x00"+id)
}

func isBucketNotFound(err error) bool {
	return errors.Is(err, bolterrors.ErrBucketNotFound)
}
