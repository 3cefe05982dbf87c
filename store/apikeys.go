package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// APIKey lets another system (CRM, ERP, billing) send and follow messages
// on some channels. Its secret is kept only as a hash.
type APIKey struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Hash is the hex SHA-256 of the whole secret key.
	Hash string `json:"hash"`
	// Channels are the channel ids the key may use.
	Channels []string `json:"channels"`
	// WebhookURL receives the key's events; empty sends none.
	WebhookURL string `json:"webhook_url,omitempty"`
	// WebhookSecret signs the events (HMAC-SHA256).
	WebhookSecret string `json:"webhook_secret,omitempty"`
	// Events are the event names the key subscribes to.
	Events    []string  `json:"events,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// RevokedAt is set once the key is revoked; it then authenticates
	// nothing.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// Revoked reports whether k was revoked.
func (k *APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// APIKey returns the key called id.
func (t *Tx) APIKey(id string) (*APIKey, error) {
	var k APIKey
	if err := t.getJSON(bucketAPIKeys, []byte(id), &k); err != nil {
		return nil, fmt.Errorf("reading API key %q: %w", id, err)
	}
	return &k, nil
}

// APIKeys returns every key, revoked ones included, ordered by id.
func (t *Tx) APIKeys() ([]*APIKey, error) {
	var out []*APIKey
	err := each(t, bucketAPIKeys, nil, func(_ []byte, k *APIKey) bool {
		out = append(out, k)
		return true
	})
	return out, err
}

// PutAPIKey creates or replaces k.
func (t *Tx) PutAPIKey(k *APIKey) error {
	return t.putJSON(bucketAPIKeys, []byte(k.ID), k)
}

// Idempotency remembers the message an Idempotency-Key produced.
type Idempotency struct {
	MessageID uint64 `json:"message_id"`
	// BodyHash is the hex SHA-256 of the request the key was first used
	// with.
	BodyHash  string    `json:"body_hash"`
	CreatedAt time.Time `json:"created_at"`
}

// Keys of the idempotency bucket that hold pending reply destinations
// start with this byte; idempotency records start with the owner's id.
const replyPrefix = 0x01

// Idempotency returns owner's record for key (owner is an API key id, or
// "admin").
func (t *Tx) Idempotency(owner, key string) (*Idempotency, error) {
	var r Idempotency
	if err := t.getJSON(bucketIdempotency, compositeKey(owner, key), &r); err != nil {
		return nil, fmt.Errorf("reading idempotency key: %w", err)
	}
	return &r, nil
}

// PutIdempotency records r for owner's key.
func (t *Tx) PutIdempotency(owner, key string, r *Idempotency) error {
	return t.putJSON(bucketIdempotency, compositeKey(owner, key), r)
}

// ReplyTo is where a customer's reply to an integration's message should
// open a session, instead of the channel's destination.
type ReplyTo struct {
	Destination Destination `json:"destination"`
	// KeyID and MessageID name the send that asked for it.
	KeyID     string    `json:"key_id,omitempty"`
	MessageID uint64    `json:"message_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

func replyKey(channel, customer string) []byte {
	return append([]byte{replyPrefix}, compositeKey(channel, customer)...)
}

// PutReplyTo records the destination for the customer's next session on
// channel, replacing an earlier one.
func (t *Tx) PutReplyTo(channel, customer string, r *ReplyTo) error {
	return t.putJSON(bucketIdempotency, replyKey(channel, customer), r)
}

// PendingReplyTo returns the customer's pending reply destination on
// channel if it has not expired at now.
func (t *Tx) PendingReplyTo(channel, customer string, now time.Time) (*ReplyTo, error) {
	var r ReplyTo
	if err := t.getJSON(bucketIdempotency, replyKey(channel, customer), &r); err != nil {
		return nil, fmt.Errorf("reading reply destination: %w", err)
	}
	if !now.Before(r.ExpiresAt) {
		return nil, fmt.Errorf("reading reply destination: %w", ErrNotFound)
	}
	return &r, nil
}

// TakeReplyTo returns and forgets the customer's pending reply
// destination on channel; ErrNotFound when there is none or it expired.
// Routing calls it when it opens a new session for the customer.
func (t *Tx) TakeReplyTo(channel, customer string, now time.Time) (*ReplyTo, error) {
	r, err := t.PendingReplyTo(channel, customer, now)
	if err != nil {
		return nil, err
	}
	return r, t.DeleteReplyTo(channel, customer)
}

// DeleteReplyTo forgets the customer's pending reply destination (once a
// session opened there).
func (t *Tx) DeleteReplyTo(channel, customer string) error {
	if err := t.bucket(bucketIdempotency).Delete(replyKey(channel, customer)); err != nil {
		return fmt.Errorf("deleting reply destination: %w", err)
	}
	return nil
}

// SweepIdempotency deletes idempotency records created before before and
// reply destinations expired at now, at most limit of them; it returns
// how many it deleted.
func (t *Tx) SweepIdempotency(before, now time.Time, limit int) (int, error) {
	c := t.bucket(bucketIdempotency).Cursor()
	n := 0
	for k, v := c.First(); k != nil && n < limit; {
		var expired bool
		if len(k) > 0 && k[0] == replyPrefix {
			var r ReplyTo
			expired = json.Unmarshal(v, &r) != nil || !now.Before(r.ExpiresAt)
		} else {
			var r Idempotency
			expired = json.Unmarshal(v, &r) != nil || r.CreatedAt.Before(before)
		}
		if !expired {
			k, v = c.Next()
			continue
		}
		key := bytes.Clone(k)
		if err := c.Delete(); err != nil {
			return n, fmt.Errorf("sweeping idempotency keys: %w", err)
		}
		n++
		// After Delete the cursor may skip; seek past the deleted key.
		k, v = c.Seek(key)
	}
	return n, nil
}
