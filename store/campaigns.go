package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Campaign states.
const (
	CampaignDraft     = "draft"
	CampaignRunning   = "running"
	CampaignPaused    = "paused"
	CampaignCompleted = "completed"
	CampaignCancelled = "cancelled"
)

// Recipient states. Pending recipients wait for the campaign's runner;
// queued ones are in the outbox; sent, delivered and read ones were
// accepted by Meta; failed, opted_out and skipped ones were not.
const (
	RecipientPending   = "pending"
	RecipientQueued    = "queued"
	RecipientSent      = "sent"
	RecipientDelivered = "delivered"
	RecipientRead      = "read"
	RecipientFailed    = "failed"
	RecipientOptedOut  = "opted_out"
	RecipientSkipped   = "skipped"
)

// CampaignTemplate names the approved template a campaign sends.
type CampaignTemplate struct {
	Name     string `json:"name"`
	Language string `json:"language"`
}

// CampaignCounts count a campaign's recipients by outcome. Sent includes
// the delivered and read ones, Delivered the read ones.
type CampaignCounts struct {
	Total     int `json:"total"`
	Pending   int `json:"pending"`
	Queued    int `json:"queued"`
	Sent      int `json:"sent"`
	Delivered int `json:"delivered"`
	Read      int `json:"read"`
	Failed    int `json:"failed"`
	OptedOut  int `json:"opted_out"`
	Skipped   int `json:"skipped"`
}

// Move moves one recipient from state from to state to ("" for none).
func (c *CampaignCounts) Move(from, to string) {
	c.add(from, -1)
	c.add(to, 1)
}

func (c *CampaignCounts) add(state string, n int) {
	switch state {
	case RecipientPending:
		c.Pending += n
	case RecipientQueued:
		c.Queued += n
	case RecipientSent:
		c.Sent += n
	case RecipientDelivered:
		c.Sent += n
		c.Delivered += n
	case RecipientRead:
		c.Sent += n
		c.Delivered += n
		c.Read += n
	case RecipientFailed:
		c.Failed += n
	case RecipientOptedOut:
		c.OptedOut += n
	case RecipientSkipped:
		c.Skipped += n
	}
}

// Campaign is a bulk send of one template to a list of recipients.
type Campaign struct {
	ID        uint64           `json:"id"`
	Name      string           `json:"name"`
	ChannelID string           `json:"channel_id"`
	Template  CampaignTemplate `json:"template"`
	// ReplyTo is where customers' replies to the campaign go; nil uses the
	// channel's destination.
	ReplyTo *Destination `json:"reply_to,omitempty"`
	State   string       `json:"state"`
	// PausedBy says who paused the campaign: "admin" or "daily_limit".
	PausedBy string `json:"paused_by,omitempty"`
	// Reason explains the pause.
	Reason string `json:"reason,omitempty"`
	// DailyLimit caps the unique customers reached by the channel's
	// campaigns in any rolling 24 h; 0 is unlimited.
	DailyLimit int            `json:"daily_limit"`
	Counts     CampaignCounts `json:"counts"`
	// Next is the sequence number of the first recipient not yet looked at
	// by the runner.
	Next       uint64    `json:"next"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// Final reports whether every recipient has an outcome.
func (c *Campaign) Final() bool { return c.Counts.Pending == 0 && c.Counts.Queued == 0 }

// Recipient is one customer of a campaign and what became of their
// message.
type Recipient struct {
	Seq        uint64 `json:"seq"`
	CampaignID uint64 `json:"campaign_id"`
	// To is the number in E.164; Key the customer key (wa_id).
	To  string `json:"to"`
	Key string `json:"key"`
	// Params fill the template: a JSON array (positional) or object
	// (named).
	Params    json.RawMessage `json:"params,omitempty"`
	State     string          `json:"state"`
	MessageID uint64          `json:"message_id,omitempty"`
	WAMID     string          `json:"wamid,omitempty"`
	Error     *MessageError   `json:"error,omitempty"`
	UpdatedAt time.Time       `json:"updated_at,omitzero"`
}

// Layout of the campaigns and recipients buckets (a refinement of the
// drawing in doc.go):
//
//	campaigns/
//	  <campaign id>                 -> Campaign
//	  "reach" 0x00 <channel id>     -> Reach
//	recipients/
//	  <campaign id> <seq>           -> Recipient
//	  "k" <campaign id> <customer key> -> seq (8 bytes)
//
// Campaign ids are far below 2^56, so their first byte is 0 and the
// string keys never fall inside a campaign's range.
var (
	reachPrefix     = []byte("reach\x00")
	recipientPrefix = []byte("k")
)

// Reach counts the customers a channel's campaigns queued, by minute, for
// the rolling 24 h messaging limit.
type Reach struct {
	// Minutes maps a Unix minute to the recipients queued in it.
	Minutes map[int64]int `json:"minutes"`
}

// Since returns the recipients queued since t.
func (r *Reach) Since(t time.Time) int {
	from := t.Unix() / 60
	n := 0
	for m, c := range r.Minutes {
		if m >= from {
			n += c
		}
	}
	return n
}

// Add records n recipients queued at t and forgets minutes older than a
// day.
func (r *Reach) Add(t time.Time, n int) {
	if r.Minutes == nil {
		r.Minutes = map[int64]int{}
	}
	now := t.Unix() / 60
	r.Minutes[now] += n
	for m := range r.Minutes {
		if m < now-24*60 {
			delete(r.Minutes, m)
		}
	}
}

// AddCampaign stores c with a new id and its recipients, numbered from 1
// in order, with their customer key index. Duplicate keys must have been
// removed.
func (t *Tx) AddCampaign(c *Campaign, rs []*Recipient) error {
	id, err := t.nextSeq(bucketCampaigns)
	if err != nil {
		return err
	}
	c.ID = id
	c.Next = 1
	b := t.bucket(bucketRecipients)
	for i, r := range rs {
		r.Seq, r.CampaignID = uint64(i+1), id
		if err := t.putJSON(bucketRecipients, recipientKey(id, r.Seq), r); err != nil {
			return err
		}
		if err := b.Put(recipientIndexKey(id, r.Key), itob(r.Seq)); err != nil {
			return fmt.Errorf("indexing recipient: %w", err)
		}
	}
	return t.PutCampaign(c)
}

// PutCampaign replaces campaign c.
func (t *Tx) PutCampaign(c *Campaign) error {
	return t.putJSON(bucketCampaigns, itob(c.ID), c)
}

// Campaign returns campaign id.
func (t *Tx) Campaign(id uint64) (*Campaign, error) {
	var c Campaign
	if err := t.getJSON(bucketCampaigns, itob(id), &c); err != nil {
		return nil, fmt.Errorf("reading campaign %d: %w", id, err)
	}
	return &c, nil
}

// Campaigns returns every campaign, oldest first.
func (t *Tx) Campaigns() ([]*Campaign, error) {
	var out []*Campaign
	c := t.bucket(bucketCampaigns).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			continue
		}
		var cp Campaign
		if err := json.Unmarshal(v, &cp); err != nil {
			return nil, fmt.Errorf("decoding campaign %d: %w", btoi(k), err)
		}
		out = append(out, &cp)
	}
	return out, nil
}

// Recipient returns recipient seq of campaign id.
func (t *Tx) Recipient(id, seq uint64) (*Recipient, error) {
	var r Recipient
	if err := t.getJSON(bucketRecipients, recipientKey(id, seq), &r); err != nil {
		return nil, fmt.Errorf("reading recipient %d of campaign %d: %w", seq, id, err)
	}
	return &r, nil
}

// RecipientByKey returns the recipient of campaign id whose customer key
// is key.
func (t *Tx) RecipientByKey(id uint64, key string) (*Recipient, error) {
	v := t.bucket(bucketRecipients).Get(recipientIndexKey(id, key))
	if v == nil {
		return nil, fmt.Errorf("reading recipient %q of campaign %d: %w", key, id, ErrNotFound)
	}
	return t.Recipient(id, btoi(v))
}

// PutRecipient replaces recipient r.
func (t *Tx) PutRecipient(r *Recipient) error {
	return t.putJSON(bucketRecipients, recipientKey(r.CampaignID, r.Seq), r)
}

// Recipients calls fn for the recipients of campaign id from sequence
// number from on, in order, until fn returns false.
func (t *Tx) Recipients(id, from uint64, fn func(r *Recipient) bool) error {
	c := t.bucket(bucketRecipients).Cursor()
	prefix := itob(id)
	for k, v := c.Seek(recipientKey(id, from)); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		var r Recipient
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decoding recipient %x: %w", k, err)
		}
		if !fn(&r) {
			break
		}
	}
	return nil
}

// Reach returns the campaign reach of channel id.
func (t *Tx) Reach(channelID string) (*Reach, error) {
	var r Reach
	err := t.getJSON(bucketCampaigns, append(append([]byte{}, reachPrefix...), channelID...), &r)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("reading reach of %s: %w", channelID, err)
	}
	return &r, nil
}

// PutReach replaces the campaign reach of channel id.
func (t *Tx) PutReach(channelID string, r *Reach) error {
	return t.putJSON(bucketCampaigns, append(append([]byte{}, reachPrefix...), channelID...), r)
}

func recipientKey(id, seq uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, id)
	binary.BigEndian.PutUint64(k[8:], seq)
	return k
}

func recipientIndexKey(id uint64, key string) []byte {
	k := make([]byte, 0, 9+len(key))
	k = append(k, recipientPrefix...)
	k = append(k, itob(id)...)
	return append(k, key...)
}
