package store

import (
	"bytes"
	"fmt"
	"time"
)

// Session states.
const (
	StateWaiting = "waiting"
	StateActive  = "active"
	StateClosed  = "closed"
)

// Session is one conversation between a customer and the agents of a
// channel. A customer has at most one open (waiting or active) session per
// channel.
type Session struct {
	ID          uint64 `json:"id"`
	ChannelID   string `json:"channel_id"`
	CustomerKey string `json:"customer_key"`
	State       string `json:"state"`
	// Agent is the extension that owns an active session.
	Agent string `json:"agent,omitempty"`
	// Queue is the queue the session is routed through, if any.
	Queue string `json:"queue,omitempty"`
	// Alerted are the extensions currently offered a waiting session (in
	// a shared queue, those sharing the active session with its owner).
	Alerted []string `json:"alerted,omitempty"`
	// Tried are the extensions already offered in this round (one at a
	// time strategies).
	Tried []string `json:"tried,omitempty"`
	// RingUntil is when the current one-at-a-time offer times out.
	RingUntil time.Time `json:"ring_until,omitzero"`
	// WaitingSince is when the session last started waiting.
	WaitingSince time.Time `json:"waiting_since,omitzero"`
	// AwaySent reports that the queue's away message went to the customer.
	AwaySent      bool      `json:"away_sent,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	LastMessageAt time.Time `json:"last_message_at"`
	ClosedAt      time.Time `json:"closed_at,omitzero"`
	CloseReason   string    `json:"close_reason,omitempty"`
	// History is what routing did with the session, oldest first; see
	// Note.
	History []SessionEvent `json:"history,omitempty"`
}

// Open reports whether s is waiting or active.
func (s *Session) Open() bool { return s.State == StateWaiting || s.State == StateActive }

// AddSession stores a new session under a new id and, when it is open,
// indexes it as its customer's open session.
func (t *Tx) AddSession(s *Session) (uint64, error) {
	id, err := t.nextSeq(bucketSessions)
	if err != nil {
		return 0, err
	}
	s.ID = id
	return id, t.PutSession(s)
}

// PutSession replaces session s and keeps the open-session index in step.
func (t *Tx) PutSession(s *Session) error {
	if err := t.putJSON(bucketSessions, itob(s.ID), s); err != nil {
		return err
	}
	key := compositeKey(s.ChannelID, s.CustomerKey)
	idx := t.bucket(bucketOpenSessions)
	if s.Open() {
		if err := idx.Put(key, itob(s.ID)); err != nil {
			return fmt.Errorf("indexing open session: %w", err)
		}
		return nil
	}
	if btoi(idx.Get(key)) == s.ID {
		if err := idx.Delete(key); err != nil {
			return fmt.Errorf("unindexing session: %w", err)
		}
	}
	return nil
}

// Session returns the session with id.
func (t *Tx) Session(id uint64) (*Session, error) {
	var s Session
	if err := t.getJSON(bucketSessions, itob(id), &s); err != nil {
		return nil, fmt.Errorf("reading session %d: %w", id, err)
	}
	return &s, nil
}

// OpenSession returns the customer's open session on channel, or
// ErrNotFound.
func (t *Tx) OpenSession(channel, customer string) (*Session, error) {
	v := t.bucket(bucketOpenSessions).Get(compositeKey(channel, customer))
	if v == nil {
		return nil, fmt.Errorf("reading open session: %w", ErrNotFound)
	}
	return t.Session(btoi(v))
}

// OpenSessions returns every waiting or active session in id order.
func (t *Tx) OpenSessions() ([]*Session, error) {
	var ids []uint64
	c := t.bucket(bucketOpenSessions).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		ids = append(ids, btoi(v))
	}
	sortIDs(ids)
	out := make([]*Session, 0, len(ids))
	for _, id := range ids {
		s, err := t.Session(id)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Sessions calls fn for every session, newest first, until fn returns
// false.
func (t *Tx) Sessions(fn func(*Session) bool) error {
	c := t.bucket(bucketSessions).Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		var s Session
		if err := decodeJSON(bucketSessions, k, v, &s); err != nil {
			return err
		}
		if !fn(&s) {
			return nil
		}
	}
	return nil
}

// IndexMessage records m (which must have an id) under its customer and,
// when set, its session, for history and per-session listings.
func (t *Tx) IndexMessage(m *Message) error {
	b := t.bucket(bucketMessageIndex)
	ck := append(append([]byte{'c'}, compositeKey(m.ChannelID, m.CustomerKey, "")...), itob(m.ID)...)
	if err := b.Put(ck, nil); err != nil {
		return fmt.Errorf("indexing message by customer: %w", err)
	}
	if m.SessionID != 0 {
		sk := append(append([]byte{'s'}, itob(m.SessionID)...), itob(m.ID)...)
		if err := b.Put(sk, nil); err != nil {
			return fmt.Errorf("indexing message by session: %w", err)
		}
	}
	return nil
}

// SessionMessages returns the messages indexed under session id, oldest
// first.
func (t *Tx) SessionMessages(id uint64) ([]*Message, error) {
	return t.LastSessionMessages(id, 0)
}

// LastSessionMessages returns the last n messages of session id (all when
// n is 0), oldest first.
func (t *Tx) LastSessionMessages(id uint64, n int) ([]*Message, error) {
	prefix := append([]byte{'s'}, itob(id)...)
	return t.indexed(prefix, n)
}

// CustomerMessages returns the customer's last n indexed messages on
// channel, oldest first.
func (t *Tx) CustomerMessages(channel, customer string, n int) ([]*Message, error) {
	prefix := append([]byte{'c'}, compositeKey(channel, customer, "")...)
	return t.indexed(prefix, n)
}

// indexed reads the messages whose index keys start with prefix; n > 0
// keeps only the last n.
func (t *Tx) indexed(prefix []byte, n int) ([]*Message, error) {
	var ids []uint64
	c := t.bucket(bucketMessageIndex).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) != len(prefix)+8 {
			continue
		}
		ids = append(ids, btoi(k[len(prefix):]))
	}
	if n > 0 && len(ids) > n {
		ids = ids[len(ids)-n:]
	}
	out := make([]*Message, 0, len(ids))
	for _, id := range ids {
		m, err := t.Message(id)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// LastAgent is the agent who last served a customer, for sticky routing.
type LastAgent struct {
	Ext string    `json:"ext"`
	At  time.Time `json:"at"`
}

// SetLastAgent records that ext served the customer at at.
func (t *Tx) SetLastAgent(channel, customer, ext string, at time.Time) error {
	return t.putJSON(bucketSticky, compositeKey(channel, customer), &LastAgent{Ext: ext, At: at})
}

// LastAgentOf returns who last served the customer, or ErrNotFound.
func (t *Tx) LastAgentOf(channel, customer string) (*LastAgent, error) {
	var la LastAgent
	if err := t.getJSON(bucketSticky, compositeKey(channel, customer), &la); err != nil {
		return nil, fmt.Errorf("reading last agent: %w", err)
	}
	return &la, nil
}
