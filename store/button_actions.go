package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// bucketButtonActions is added by migration 6.
var bucketButtonActions = []byte("button_actions")

// Button action kinds.
const (
	ActionRoute    = "route"    // route the conversation to Destination
	ActionText     = "text"     // answer with Text
	ActionTemplate = "template" // answer with Template
	ActionOptOut   = "opt_out"  // opt the customer out of campaigns
	ActionEvent    = "event"    // post a signed integration event named Event
)

// ButtonAction is what a customer's tap does on a channel: Trigger is a
// template quick-reply button's payload or an interactive reply button's
// or list row's id.
type ButtonAction struct {
	ChannelID string `json:"channel_id"`
	Trigger   string `json:"trigger"`
	Kind      string `json:"kind"`
	// Destination is where a route action sends the conversation.
	Destination *Destination `json:"destination,omitempty"`
	// Text is a text action's answer.
	Text string `json:"text,omitempty"`
	// Template is a template action's answer.
	Template *ButtonTemplate `json:"template,omitempty"`
	// Event labels an event action's integration event (such as
	// "confirm_order").
	Event     string    `json:"event,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ButtonTemplate names the template a template action sends and its
// parameters, as the send API takes them.
type ButtonTemplate struct {
	Name     string          `json:"name"`
	Language string          `json:"language,omitempty"`
	Params   json.RawMessage `json:"params,omitempty"`
}

// ButtonAction returns channelID's action for trigger.
func (t *Tx) ButtonAction(channelID, trigger string) (*ButtonAction, error) {
	var a ButtonAction
	if err := t.getJSON(bucketButtonActions, compositeKey(channelID, trigger), &a); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("reading button action: %w", err)
	}
	return &a, nil
}

// ButtonActions returns channelID's actions in trigger order.
func (t *Tx) ButtonActions(channelID string) ([]*ButtonAction, error) {
	var out []*ButtonAction
	err := each(t, bucketButtonActions, compositeKey(channelID, ""), func(_ []byte, a *ButtonAction) bool {
		out = append(out, a)
		return true
	})
	return out, err
}

// PutButtonAction stores a, replacing the channel's action for the same
// trigger; ChannelID and Trigger must not be empty.
func (t *Tx) PutButtonAction(a *ButtonAction) error {
	if a.ChannelID == "" || a.Trigger == "" {
		return errors.New("storing button action: channel and trigger required")
	}
	return t.putJSON(bucketButtonActions, compositeKey(a.ChannelID, a.Trigger), a)
}

// DeleteButtonAction removes channelID's action for trigger and reports
// whether there was one.
func (t *Tx) DeleteButtonAction(channelID, trigger string) (bool, error) {
	b := t.bucket(bucketButtonActions)
	k := compositeKey(channelID, trigger)
	if b.Get(k) == nil {
		return false, nil
	}
	if err := b.Delete(k); err != nil {
		return false, fmt.Errorf("deleting button action: %w", err)
	}
	return true, nil
}
