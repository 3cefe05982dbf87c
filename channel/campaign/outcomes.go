package campaign

import (
	"errors"

	"github.com/wachan/wachan/store"
)

// rank orders the states a queued recipient moves through; failed is
// apart.
var rank = map[string]int{
	store.RecipientQueued:    1,
	store.RecipientSent:      2,
	store.RecipientDelivered: 3,
	store.RecipientRead:      4,
}

// stateOf maps a message status to a recipient state.
func stateOf(status string) string {
	switch status {
	case "accepted", "sent":
		return store.RecipientSent
	case "delivered":
		return store.RecipientDelivered
	case "read", "played":
		return store.RecipientRead
	case "failed":
		return store.RecipientFailed
	}
	return ""
}

// Finished is the outbox hook for a campaign message that Meta accepted
// or that failed; it runs in the outbox's transaction.
func (s *Service) Finished(tx *store.Tx, _ *store.Channel, m *store.Message) error {
	if err := s.apply(tx, m); err != nil {
		return err
	}
	if m.CampaignID != 0 {
		if m.Status == "accepted" {
			s.rates.add(m.CampaignID, s.opts.Now())
		}
		s.Wake()
	}
	return nil
}

// Status is the ingest hook for a campaign message's status from Meta
// (delivered, read, failed); it runs in the processor's transaction.
func (s *Service) Status(tx *store.Tx, _ *store.Channel, m *store.Message) error {
	return s.apply(tx, m)
}

// apply moves m's recipient to the state m's status says and updates the
// campaign's counts.
func (s *Service) apply(tx *store.Tx, m *store.Message) error {
	if m.CampaignID == 0 {
		return nil
	}
	to := stateOf(m.Status)
	if to == "" {
		return nil
	}
	c, err := tx.Campaign(m.CampaignID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	r, err := tx.RecipientByKey(c.ID, m.CustomerKey)
	if errors.Is(err, store.ErrNotFound) || (err == nil && r.MessageID != m.ID) {
		return nil
	}
	if err != nil {
		return err
	}
	from := r.State
	cur, ok := rank[from]
	if !ok || (to != store.RecipientFailed && rank[to] <= cur) {
		return nil // already final, or an old status
	}
	now := s.opts.Now()
	r.State, r.UpdatedAt = to, now.UTC()
	if m.WAMID != "" {
		r.WAMID = m.WAMID
	}
	if to == store.RecipientFailed {
		r.Error = m.Error
		if r.Error == nil {
			r.Error = &store.MessageError{Title: "failed"}
		}
	}
	if err := tx.PutRecipient(r); err != nil {
		return err
	}
	c.Counts.Move(from, to)
	finishIfDone(c, now)
	c.UpdatedAt = now.UTC()
	return tx.PutCampaign(c)
}
