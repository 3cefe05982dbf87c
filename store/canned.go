package store

import (
	"errors"
	"fmt"
	"time"
)

// bucketCannedReplies is added by migration 7.
var bucketCannedReplies = []byte("canned_replies")

// CannedReply is a snippet agents insert by its shortcut: shared when
// Owner is empty, else personal to the extension Owner.
type CannedReply struct {
	Owner    string `json:"owner,omitempty"`
	Shortcut string `json:"shortcut"`
	// Text may hold variables such as {{customer.name}}.
	Text      string    `json:"text"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CannedReply returns owner's reply shortcut ("" owner: shared).
func (t *Tx) CannedReply(owner, shortcut string) (*CannedReply, error) {
	var c CannedReply
	if err := t.getJSON(bucketCannedReplies, compositeKey(owner, shortcut), &c); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("reading canned reply: %w", err)
	}
	return &c, nil
}

// CannedReplies returns owner's replies by shortcut ("" owner: shared).
func (t *Tx) CannedReplies(owner string) ([]*CannedReply, error) {
	var out []*CannedReply
	err := each(t, bucketCannedReplies, compositeKey(owner, ""), func(_ []byte, c *CannedReply) bool {
		out = append(out, c)
		return true
	})
	return out, err
}

// PutCannedReply stores c, replacing the owner's reply with its shortcut;
// the shortcut must not be empty.
func (t *Tx) PutCannedReply(c *CannedReply) error {
	if c.Shortcut == "" {
		return errors.New("storing canned reply: shortcut required")
	}
	return t.putJSON(bucketCannedReplies, compositeKey(c.Owner, c.Shortcut), c)
}

// DeleteCannedReply removes owner's reply shortcut and reports whether
// there was one.
func (t *Tx) DeleteCannedReply(owner, shortcut string) (bool, error) {
	b := t.bucket(bucketCannedReplies)
	k := compositeKey(owner, shortcut)
	if b.Get(k) == nil {
		return false, nil
	}
	if err := b.Delete(k); err != nil {
		return false, fmt.Errorf("deleting canned reply: %w", err)
	}
	return true, nil
}
