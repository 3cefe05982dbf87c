package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/optout"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/store"
)

// Pause reasons set by the service itself.
const (
	PausedByAdmin = "admin"
	PausedByLimit = "daily_limit"
)

// maxLook bounds the recipients one feeding pass looks at, so a long run
// of opted-out customers does not make one huge transaction.
const maxLook = 5000

// minGap separates feeding passes, so a wake per finished send does not
// become a pass per send.
const minGap = 20 * time.Millisecond

// Run feeds running campaigns into the outbox until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.opts.Interval)
	defer t.Stop()
	gap := time.NewTimer(0)
	defer gap.Stop()
	for {
		if n, err := s.Feed(); err != nil {
			s.log.Error("feeding campaigns", slog.Any("error", err))
		} else if n > 0 {
			s.opts.Wake()
		}
		gap.Reset(minGap)
		select {
		case <-ctx.Done():
			return
		case <-gap.C:
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// Feed queues the next recipients of every running campaign that has room
// in its window, resumes campaigns paused by the daily limit once it
// allows, and returns how many messages it queued. It looks first in a
// read-only transaction and writes only for campaigns with work to do.
func (s *Service) Feed() (int, error) {
	var ids []uint64
	err := s.store.View(func(tx *store.Tx) error {
		cs, err := tx.Campaigns()
		if err != nil {
			return err
		}
		for _, c := range cs {
			due, err := s.feed(tx, c, true)
			if err != nil {
				return err
			}
			if due > 0 {
				ids = append(ids, c.ID)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, id := range ids {
		var n int
		err := s.store.Update(func(tx *store.Tx) error {
			c, err := tx.Campaign(id)
			if err != nil {
				return err
			}
			n, err = s.feed(tx, c, false)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("feeding campaign %d: %w", id, err)
		}
		total += n
	}
	return total, nil
}

// feed queues the next recipients of campaign c inside tx and returns how
// many it queued. With dry set it changes nothing and returns 1 when
// there is something to write, 0 when not.
func (s *Service) feed(tx *store.Tx, c *store.Campaign, dry bool) (int, error) {
	now := s.opts.Now()
	if c.State != store.CampaignRunning && (c.State != store.CampaignPaused || c.PausedBy != PausedByLimit) {
		return 0, nil
	}
	ch, err := tx.Channel(c.ChannelID)
	if errors.Is(err, store.ErrNotFound) {
		if dry {
			return 1, nil
		}
		pause(c, PausedByAdmin, "the channel was deleted", now)
		return 0, tx.PutCampaign(c)
	}
	if err != nil {
		return 0, err
	}
	rate := s.opts.Rate
	if ch.SendRate > 0 {
		rate = ch.SendRate
	}
	window := max(1, int(float64(rate)*s.opts.Window.Seconds()))
	room := window - c.Counts.Queued
	// Refill in batches of at least half a window, not message by message.
	batch := max(1, window/2)
	var reach *store.Reach
	if c.DailyLimit > 0 {
		if reach, err = tx.Reach(c.ChannelID); err != nil {
			return 0, err
		}
		left := c.DailyLimit - reach.Since(now.Add(-24*time.Hour))
		if left <= 0 {
			if c.State == store.CampaignRunning {
				if dry {
					return 1, nil
				}
				pause(c, PausedByLimit, fmt.Sprintf("the daily messaging limit of %d customers in 24 h is reached; the campaign resumes by itself when the limit allows", c.DailyLimit), now)
				return 0, tx.PutCampaign(c)
			}
			return 0, nil
		}
		room = min(room, left)
		batch = min(batch, left)
	}
	if dry {
		if c.State == store.CampaignPaused || c.Final() || (c.Counts.Pending > 0 && room >= batch) {
			return 1, nil
		}
		return 0, nil
	}
	resumed := false
	if c.State == store.CampaignPaused {
		// Paused by the limit, which now allows sending again.
		c.State, c.PausedBy, c.Reason = store.CampaignRunning, "", ""
		resumed = true
	}
	if room < batch && c.Counts.Pending > 0 {
		if resumed {
			return 0, tx.PutCampaign(c)
		}
		return 0, nil
	}
	queued := 0
	var ferr error
	looked := 0
	err = tx.Recipients(c.ID, c.Next, func(r *store.Recipient) bool {
		if queued >= room || looked >= maxLook {
			return false
		}
		looked++
		c.Next = r.Seq + 1
		if r.State != store.RecipientPending {
			return true
		}
		from := r.State
		r.UpdatedAt = now.UTC()
		switch {
		case optout.Is(tx, c.ChannelID, r.Key):
			r.State = store.RecipientOptedOut
		default:
			msg, err := s.opts.Build(tx, c.ChannelID, c.Template.Name, c.Template.Language, r.Params)
			if err != nil {
				r.State = store.RecipientSkipped
				r.Error = &store.MessageError{Title: err.Error()}
				break
			}
			msg.To = r.To
			m, err := outbox.Enqueue(tx, &outbox.Request{ChannelID: c.ChannelID, CustomerKey: r.Key,
				Text: "[campaign " + c.Name + "] template " + c.Template.Name, Message: msg,
				CampaignID: c.ID, Bulk: true}, now)
			if err != nil {
				ferr = err
				return false
			}
			r.State, r.MessageID = store.RecipientQueued, m.ID
			queued++
			if c.ReplyTo != nil {
				// The customer's reply opens a session there (routing takes it).
				rt := &store.ReplyTo{Destination: *c.ReplyTo, MessageID: m.ID, ExpiresAt: now.Add(api.ReplyToTTL).UTC()}
				if err := tx.PutReplyTo(c.ChannelID, r.Key, rt); err != nil {
					ferr = err
					return false
				}
			}
		}
		c.Counts.Move(from, r.State)
		if err := tx.PutRecipient(r); err != nil {
			ferr = err
			return false
		}
		return true
	})
	if err == nil {
		err = ferr
	}
	if err != nil {
		return 0, err
	}
	if reach != nil && queued > 0 {
		reach.Add(now, queued)
		if err := tx.PutReach(c.ChannelID, reach); err != nil {
			return 0, err
		}
	}
	finishIfDone(c, now)
	c.UpdatedAt = now.UTC()
	return queued, tx.PutCampaign(c)
}

func pause(c *store.Campaign, by, reason string, now time.Time) {
	c.State, c.PausedBy, c.Reason, c.UpdatedAt = store.CampaignPaused, by, reason, now.UTC()
}

// finishIfDone completes a running or paused campaign whose recipients all
// have an outcome.
func finishIfDone(c *store.Campaign, now time.Time) {
	if (c.State == store.CampaignRunning || c.State == store.CampaignPaused) && c.Final() {
		c.State, c.PausedBy, c.Reason = store.CampaignCompleted, "", ""
		c.FinishedAt = now.UTC()
	}
}
