package campaign

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/store"
)

// Errors of campaign management.
var (
	// ErrState is an action the campaign's state does not allow.
	ErrState = errors.New("not allowed in the campaign's state")
	// ErrNoRecipients is a campaign without a single valid recipient.
	ErrNoRecipients = errors.New("no valid recipient")
)

// Draft describes a campaign to create.
type Draft struct {
	Name      string
	ChannelID string
	Template  store.CampaignTemplate
	ReplyTo   *store.Destination
	// DailyLimit is the messaging limit; 0 is unlimited.
	DailyLimit int
	// Start runs the campaign at once instead of leaving it a draft.
	Start bool
}

// Create stores a campaign for list's recipients in one transaction,
// building every recipient's message first: recipients whose values the
// template refuses move to list.Invalid. It fails with ErrNoRecipients
// when none is left, and with store.ErrNotFound for an unknown channel.
func (s *Service) Create(d Draft, list *List) (*store.Campaign, error) {
	now := s.opts.Now()
	c := &store.Campaign{Name: d.Name, ChannelID: d.ChannelID, Template: d.Template, ReplyTo: d.ReplyTo,
		State: store.CampaignDraft, DailyLimit: d.DailyLimit, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	if d.Start {
		c.State, c.StartedAt = store.CampaignRunning, now.UTC()
	}
	err := s.store.Update(func(tx *store.Tx) error {
		if _, err := tx.Channel(d.ChannelID); err != nil {
			return err
		}
		kept := list.Recipients[:0]
		for i, r := range list.Recipients {
			msg, err := s.opts.Build(tx, d.ChannelID, d.Template.Name, d.Template.Language, r.Params)
			if err == nil {
				msg.To = r.To
				err = msg.Validate()
			}
			if err != nil {
				list.Invalid = append(list.Invalid, RowError{Row: list.rows[i], To: r.To, Error: err.Error()})
				continue
			}
			kept = append(kept, r)
		}
		list.Recipients = kept
		slices.SortFunc(list.Invalid, func(a, b RowError) int { return a.Row - b.Row })
		if len(kept) == 0 {
			return ErrNoRecipients
		}
		c.Counts = store.CampaignCounts{Total: len(kept), Pending: len(kept)}
		return tx.AddCampaign(c, kept)
	})
	if err != nil {
		return nil, err
	}
	if d.Start {
		s.Wake()
	}
	return c, nil
}

// Get returns campaign id.
func (s *Service) Get(id uint64) (*store.Campaign, error) {
	var c *store.Campaign
	err := s.store.View(func(tx *store.Tx) (err error) { c, err = tx.Campaign(id); return })
	return c, err
}

// List returns every campaign, newest first.
func (s *Service) List() ([]*store.Campaign, error) {
	var cs []*store.Campaign
	err := s.store.View(func(tx *store.Tx) (err error) { cs, err = tx.Campaigns(); return })
	slices.Reverse(cs)
	return cs, err
}

// Recipients returns up to limit recipients of campaign id after sequence
// number after, only those in state when it is not empty.
func (s *Service) Recipients(id uint64, state string, after uint64, limit int) ([]*store.Recipient, error) {
	var out []*store.Recipient
	err := s.store.View(func(tx *store.Tx) error {
		if _, err := tx.Campaign(id); err != nil {
			return err
		}
		return tx.Recipients(id, after+1, func(r *store.Recipient) bool {
			if state == "" || r.State == state {
				out = append(out, r)
			}
			return len(out) < limit
		})
	})
	return out, err
}

// Pause stops feeding campaign id; messages already queued still go.
func (s *Service) Pause(id uint64) (*store.Campaign, error) {
	return s.change(id, func(c *store.Campaign, _ *store.Tx, now time.Time) error {
		switch c.State {
		case store.CampaignRunning, store.CampaignDraft:
			pause(c, PausedByAdmin, "paused by the admin", now)
			return nil
		case store.CampaignPaused:
			c.PausedBy, c.Reason = PausedByAdmin, "paused by the admin"
			return nil
		}
		return fmt.Errorf("pausing a %s campaign: %w", c.State, ErrState)
	})
}

// Resume starts a draft or paused campaign. A campaign paused by the daily
// limit stays paused until the limit allows.
func (s *Service) Resume(id uint64) (*store.Campaign, error) {
	c, err := s.change(id, func(c *store.Campaign, _ *store.Tx, now time.Time) error {
		switch c.State {
		case store.CampaignDraft, store.CampaignPaused:
			c.State, c.PausedBy, c.Reason = store.CampaignRunning, "", ""
			if c.StartedAt.IsZero() {
				c.StartedAt = now.UTC()
			}
			finishIfDone(c, now)
			return nil
		case store.CampaignRunning:
			return nil
		}
		return fmt.Errorf("resuming a %s campaign: %w", c.State, ErrState)
	})
	if err == nil {
		s.Wake()
	}
	return c, err
}

// Cancel ends campaign id: recipients not yet queued are skipped; the few
// already in the outbox still go.
func (s *Service) Cancel(id uint64) (*store.Campaign, error) {
	return s.change(id, func(c *store.Campaign, tx *store.Tx, now time.Time) error {
		switch c.State {
		case store.CampaignCompleted, store.CampaignCancelled:
			return fmt.Errorf("cancelling a %s campaign: %w", c.State, ErrState)
		}
		c.State, c.PausedBy, c.Reason, c.FinishedAt = store.CampaignCancelled, "", "cancelled by the admin", now.UTC()
		if err := s.withdrawQueued(tx, c, now); err != nil {
			return err
		}
		var werr error
		err := tx.Recipients(c.ID, c.Next, func(r *store.Recipient) bool {
			if r.State != store.RecipientPending {
				return true
			}
			r.State, r.UpdatedAt = store.RecipientSkipped, now.UTC()
			r.Error = &store.MessageError{Title: "campaign cancelled"}
			c.Counts.Move(store.RecipientPending, store.RecipientSkipped)
			werr = tx.PutRecipient(r)
			return werr == nil
		})
		if err == nil {
			err = werr
		}
		c.Next = uint64(c.Counts.Total) + 1
		return err
	})
}

// withdrawQueued takes c's queued recipients whose messages are still
// waiting in the outbox back out of it, so a cancel stops at once.
func (s *Service) withdrawQueued(tx *store.Tx, c *store.Campaign, now time.Time) error {
	var queued []*store.Recipient
	ids := map[uint64]bool{}
	if err := tx.Recipients(c.ID, 0, func(r *store.Recipient) bool {
		if r.State == store.RecipientQueued && r.MessageID != 0 {
			queued = append(queued, r)
			ids[r.MessageID] = true
		}
		return true
	}); err != nil {
		return err
	}
	if len(queued) == 0 {
		return nil
	}
	gone, err := outbox.Withdraw(tx, ids, now)
	if err != nil {
		return err
	}
	for _, r := range queued {
		if !gone[r.MessageID] {
			continue
		}
		r.State, r.UpdatedAt = store.RecipientSkipped, now.UTC()
		r.Error = &store.MessageError{Title: "campaign cancelled"}
		c.Counts.Move(store.RecipientQueued, store.RecipientSkipped)
		if err := tx.PutRecipient(r); err != nil {
			return err
		}
	}
	return nil
}

// change applies fn to campaign id in one transaction.
func (s *Service) change(id uint64, fn func(c *store.Campaign, tx *store.Tx, now time.Time) error) (*store.Campaign, error) {
	var c *store.Campaign
	err := s.store.Update(func(tx *store.Tx) (err error) {
		now := s.opts.Now()
		if c, err = tx.Campaign(id); err != nil {
			return err
		}
		if err := fn(c, tx, now); err != nil {
			return err
		}
		c.UpdatedAt = now.UTC()
		return tx.PutCampaign(c)
	})
	return c, err
}

// validName reports whether a campaign name is acceptable.
func validName(n string) bool {
	n = strings.TrimSpace(n)
	return n != "" && len(n) <= 200
}
