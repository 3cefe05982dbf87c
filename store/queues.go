package store

import (
	"fmt"
	"time"
)

// Queue strategies.
const (
	RingAll    = "ringall"
	RoundRobin = "roundrobin"
	LeastBusy  = "leastbusy"
)

// Queue pickup modes.
const (
	PickupFirstReply = "first_reply"
	PickupTakeOnly   = "take_only"
	PickupShared     = "shared"
)

// Queue is a group of extensions that share a channel's sessions.
type Queue struct {
	Name     string   `json:"name"`
	Members  []string `json:"members"`
	Strategy string   `json:"strategy"`
	Pickup   string   `json:"pickup"`
	// RingTimeout is how long one-at-a-time strategies offer a session to
	// one member before moving on.
	RingTimeout time.Duration `json:"ring_timeout"`
	// StickyDays prefers the agent who served the customer within this many
	// days; 0 disables it.
	StickyDays int `json:"sticky_days,omitempty"`
	// MaxConversations is the most conversations a member owns at once
	// before the queue skips them; 0 means no limit.
	MaxConversations int `json:"max_conversations,omitempty"`
	// AwayMessage is sent once per session when no member can answer (none
	// online, or all at MaxConversations).
	AwayMessage string `json:"away_message,omitempty"`
	// UnansweredTimeout moves a session nobody took to Overflow; 0
	// disables it. A session no member can answer overflows at once.
	UnansweredTimeout time.Duration `json:"unanswered_timeout,omitempty"`
	Overflow          *Destination  `json:"overflow,omitempty"`
	CreatedAt         time.Time     `json:"created_at"`
	UpdatedAt         time.Time     `json:"updated_at"`
}

// Queue returns the queue called name.
func (t *Tx) Queue(name string) (*Queue, error) {
	var q Queue
	if err := t.getJSON(bucketQueues, []byte(name), &q); err != nil {
		return nil, fmt.Errorf("reading queue %q: %w", name, err)
	}
	return &q, nil
}

// Queues returns every queue ordered by name.
func (t *Tx) Queues() ([]*Queue, error) {
	var out []*Queue
	err := each(t, bucketQueues, nil, func(_ []byte, q *Queue) bool {
		out = append(out, q)
		return true
	})
	return out, err
}

// PutQueue creates or replaces q.
func (t *Tx) PutQueue(q *Queue) error {
	return t.putJSON(bucketQueues, []byte(q.Name), q)
}

// DeleteQueue removes the queue called name.
func (t *Tx) DeleteQueue(name string) error {
	b := t.bucket(bucketQueues)
	if b.Get([]byte(name)) == nil {
		return fmt.Errorf("deleting queue %q: %w", name, ErrNotFound)
	}
	if err := b.Delete([]byte(name)); err != nil {
		return fmt.Errorf("deleting queue %q: %w", name, err)
	}
	return nil
}
