package ingest

import (
	"errors"
	"log/slog"
	"time"

	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// customer finds or creates the person (or group) a message comes from,
// refreshing what Meta told us about them and the start of their service
// window, and applies a system message's change of number or user id. A
// person is one customer whether they write with their phone number, their
// business-scoped user id (BSUID) or both: keyed by the BSUID when known,
// with the number as an attribute. It returns nil for a message that names
// no sender at all.
func (p *Processor) customer(tx *store.Tx, ch *store.Channel, m *wa.Message, at time.Time) (*store.Customer, error) {
	if m.GroupID != "" {
		return p.group(tx, ch, m, at)
	}
	phone, userID := m.From, m.FromUserID
	if s := m.System; s != nil && s.Type == "user_changed_user_id" && s.PreviousUserID != "" {
		// The old id finds the person; the new one is theirs from now.
		userID = s.PreviousUserID
	}
	c, err := person(tx, ch.ID, phone, userID, at)
	if err != nil || c == nil {
		return nil, err
	}
	if phone != "" {
		c.WaID = phone
	}
	if userID != "" {
		c.UserID = userID
	}
	if m.ProfileName != "" {
		c.Name = m.ProfileName
	}
	if m.Username != "" {
		c.Username = m.Username
	}
	if s := m.System; s != nil {
		p.identityChange(c, s)
	} else if at.After(c.LastInAt) {
		// A customer's own message opens the service window; a system
		// message does not.
		c.LastInAt = at
	}
	return c, tx.PutCustomer(c)
}

// identityChange applies a system message that tells the person's number
// or user id changed: the record (and with it the open session and the
// opt-out, both kept under its key) follows the person.
func (p *Processor) identityChange(c *store.Customer, s *wa.System) {
	switch s.Type {
	case "user_changed_number", "customer_changed_number":
		if s.NewWAID != "" && s.NewWAID != c.WaID {
			p.log.Info("customer changed number", slog.String("channel", c.ChannelID), slog.String("customer", c.Key))
			c.WaID = s.NewWAID
		}
	case "user_changed_user_id":
		if s.UserID != "" && s.UserID != c.UserID {
			p.log.Info("customer's user id changed", slog.String("channel", c.ChannelID), slog.String("customer", c.Key))
			c.UserID = s.UserID
		}
	}
}

// group finds or creates the customer record of a WhatsApp group.
func (p *Processor) group(tx *store.Tx, ch *store.Channel, m *wa.Message, at time.Time) (*store.Customer, error) {
	c, err := tx.Customer(ch.ID, m.GroupID)
	if errors.Is(err, store.ErrNotFound) {
		c = &store.Customer{ChannelID: ch.ID, Key: m.GroupID, Name: "WhatsApp group " + m.GroupID, CreatedAt: at}
	} else if err != nil {
		return nil, err
	}
	if at.After(c.LastInAt) {
		c.LastInAt = at
	}
	return c, tx.PutCustomer(c)
}

// person returns the customer known by phone or userID, a new one when
// neither is known (nil when both are empty). When they name two
// customers (the same person seen first by number, then by user id only),
// the younger is merged into the older (at the same time, into the one
// known by number, whose address agents have), which is returned.
func person(tx *store.Tx, channel, phone, userID string, at time.Time) (*store.Customer, error) {
	var found []*store.Customer
	for _, id := range []string{userID, phone} {
		if id == "" {
			continue
		}
		c, err := tx.Customer(channel, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(found) == 0 || found[0].Key != c.Key {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		key := userID
		if key == "" {
			key = phone
		}
		if key == "" {
			return nil, nil
		}
		return &store.Customer{ChannelID: channel, Key: key, CreatedAt: at}, nil
	case 1:
		return found[0], nil
	}
	keep, gone := found[0], found[1] // by user id, by number
	if !keep.CreatedAt.Before(gone.CreatedAt) {
		keep, gone = gone, keep
	}
	return keep, merge(tx, keep, gone)
}

// merge folds customer gone into keep: gone's identifiers, name and
// service window, and its opt-out, so no campaign reaches the person by
// the other identifier. gone stays, pointing at keep.
func merge(tx *store.Tx, keep, gone *store.Customer) error {
	keep.WaID = cmpOr(keep.WaID, gone.WaID)
	keep.UserID = cmpOr(keep.UserID, gone.UserID)
	keep.Name = cmpOr(keep.Name, gone.Name)
	keep.Username = cmpOr(keep.Username, gone.Username)
	if gone.LastInAt.After(keep.LastInAt) {
		keep.LastInAt = gone.LastInAt
	}
	gone.MergedInto = keep.Key
	if err := tx.PutCustomer(gone); err != nil {
		return err
	}
	if err := tx.PutCustomer(keep); err != nil {
		return err
	}
	o, err := tx.OptOut(keep.ChannelID, gone.Key)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := tx.OptOut(keep.ChannelID, keep.Key); errors.Is(err, store.ErrNotFound) {
		moved := *o
		moved.CustomerKey = keep.Key
		return tx.PutOptOut(&moved)
	} else if err != nil {
		return err
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// noSender keeps a message that names nobody (no from, no user id, no
// contact) for the admin: stored and counted, listed among the channel's
// events, but filed under no customer and offered to no agent.
func (p *Processor) noSender(tx *store.Tx, ch *store.Channel, ev *wa.Event, key string, at time.Time) error {
	m := ev.Message
	p.log.Warn("webhook message names no sender; kept for the admin", slog.String("channel", ch.ID), slog.String("type", m.Type))
	sm := &store.Message{ChannelID: ch.ID, Direction: store.Inbound, WAMID: m.ID, Type: m.Type, Text: m.Summary(), Timestamp: at, Raw: m.Raw}
	if err := addMessage(tx, sm, key); err != nil {
		return err
	}
	if err := tx.AddCounts(ch.ID, at, store.Counts{Received: 1}); err != nil {
		return err
	}
	return tx.AddEvent(&store.Event{ChannelID: ch.ID, Kind: "no_sender", At: at,
		Text: "message without a sender: " + sm.Text, Raw: m.Raw})
}

// linkRecipient records what a status tells about its recipient: the
// phone number and business-scoped user id of one known person, merging
// two customers they turn out to be.
func linkRecipient(tx *store.Tx, channel string, st *wa.Status) error {
	if st.RecipientType == "group" || st.RecipientID == "" || st.RecipientUserID == "" {
		return nil
	}
	c, err := person(tx, channel, st.RecipientID, st.RecipientUserID, st.Timestamp)
	if err != nil || c == nil {
		return err
	}
	if _, err := tx.Customer(channel, c.Key); errors.Is(err, store.ErrNotFound) {
		return nil // nobody wachan knows
	} else if err != nil {
		return err
	}
	if c.WaID == st.RecipientID && c.UserID == st.RecipientUserID {
		return nil
	}
	c.WaID, c.UserID = st.RecipientID, st.RecipientUserID
	return tx.PutCustomer(c)
}
