package store

import (
	"errors"
	"fmt"
	"time"
)

// OptOut records that a customer asked a channel to stop sending them
// campaigns.
type OptOut struct {
	ChannelID   string `json:"channel_id"`
	CustomerKey string `json:"customer_key"`
	// Word is what the customer wrote ("STOP"), or "admin" when added
	// through the API.
	Word string    `json:"word"`
	At   time.Time `json:"at"`
	// Source is how the opt-out came: "word" (a stop word), "admin", or
	// "whatsapp" (the customer stopped marketing messages in WhatsApp);
	// empty for entries from before sources were recorded.
	Source string `json:"source,omitempty"`
}

// OptOutWords are a channel's opt-out and opt-in keywords.
type OptOutWords struct {
	Stop  []string `json:"stop"`
	Start []string `json:"start"`
}

// Layout of the optouts bucket (a refinement of the drawing in doc.go):
//
//	optouts/
//	  <channel id> 0x00 <customer key> -> OptOut
//	  0x00 "words" 0x00 <channel id>   -> OptOutWords
//
// Channel ids are never empty, so the word lists never fall inside a
// channel's range.
var wordsPrefix = []byte("\x00words\x00")

// OptOut returns the opt-out of customer key on channel id.
func (t *Tx) OptOut(channelID, key string) (*OptOut, error) {
	var o OptOut
	if err := t.getJSON(bucketOptOuts, compositeKey(channelID, key), &o); err != nil {
		return nil, fmt.Errorf("reading opt-out of %s on %s: %w", key, channelID, err)
	}
	return &o, nil
}

// PutOptOut stores o, replacing an earlier opt-out of the same customer.
func (t *Tx) PutOptOut(o *OptOut) error {
	return t.putJSON(bucketOptOuts, compositeKey(o.ChannelID, o.CustomerKey), o)
}

// DeleteOptOut removes the opt-out of customer key on channel id; it
// reports whether there was one.
func (t *Tx) DeleteOptOut(channelID, key string) (bool, error) {
	b := t.bucket(bucketOptOuts)
	k := compositeKey(channelID, key)
	if b.Get(k) == nil {
		return false, nil
	}
	if err := b.Delete(k); err != nil {
		return false, fmt.Errorf("deleting opt-out: %w", err)
	}
	return true, nil
}

// OptOuts returns channel id's opt-outs ordered by customer key.
func (t *Tx) OptOuts(channelID string) ([]*OptOut, error) {
	var out []*OptOut
	err := each(t, bucketOptOuts, compositeKey(channelID, ""), func(_ []byte, o *OptOut) bool {
		out = append(out, o)
		return true
	})
	return out, err
}

// OptOutWords returns channel id's keywords, or nil when it has none set.
func (t *Tx) OptOutWords(channelID string) (*OptOutWords, error) {
	var w OptOutWords
	err := t.getJSON(bucketOptOuts, append(append([]byte{}, wordsPrefix...), channelID...), &w)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading opt-out words of %s: %w", channelID, err)
	}
	return &w, nil
}

// PutOptOutWords sets channel id's keywords.
func (t *Tx) PutOptOutWords(channelID string, w *OptOutWords) error {
	return t.putJSON(bucketOptOuts, append(append([]byte{}, wordsPrefix...), channelID...), w)
}
