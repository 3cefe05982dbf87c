package routing

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/store"
)

// DefaultRingTimeout is how long a one-at-a-time offer lasts when the queue
// does not say.
const DefaultRingTimeout = 20 * time.Second

// sweep closes idle sessions and offers waiting ones to online agents; it
// returns when it next has something to do (zero: nothing planned).
func (r *Router) sweep() time.Time {
	now := r.now()
	due := false
	var nextIdle time.Time
	err := r.store.View(func(tx *store.Tx) error {
		shared, err := sharedQueues(tx)
		if err != nil {
			return err
		}
		open, err := tx.OpenSessions()
		for _, s := range open {
			idleAt := s.LastMessageAt.Add(r.opts.SessionIdle)
			if s.State == store.StateWaiting || !now.Before(idleAt) || r.sharedJoiner(shared, s) != nil {
				due = true
			}
			nextIdle = earliest(nextIdle, idleAt)
		}
		return err
	})
	if err != nil {
		r.log.Error("reading open sessions", slog.Any("error", err))
		return now.Add(time.Second)
	}
	var next time.Time
	if !due {
		return nextIdle
	}
	wake := false
	r.update("routing sessions", func(tx *store.Tx) error {
		next, wake = time.Time{}, false
		open, err := tx.OpenSessions()
		if err != nil {
			return err
		}
		busy := newLoad(open)
		shared, err := sharedQueues(tx)
		if err != nil {
			return err
		}
		for _, s := range open {
			c, err := r.load(tx, s)
			if errors.Is(err, store.ErrNotFound) {
				continue // channel deleted
			}
			if err != nil {
				return err
			}
			idleAt := s.LastMessageAt.Add(r.opts.SessionIdle)
			if !now.Before(idleAt) {
				if err := r.closeSession(tx, c, "was closed after "+fmtDuration(r.opts.SessionIdle)+" without a message"); err != nil {
					return err
				}
				continue
			}
			next = earliest(next, idleAt)
			if q := r.sharedJoiner(shared, s); q != nil {
				if err := r.joinShared(tx, c, q); err != nil {
					return err
				}
			}
			if s.State != store.StateWaiting {
				continue
			}
			at, away, err := r.route(tx, c, busy, 0)
			if err != nil {
				return err
			}
			next, wake = earliest(next, at), wake || away
		}
		return nil
	})
	if wake {
		r.opts.WakeOutbox()
	}
	return next
}

// ringTimeout is how long q offers a session to one member.
func ringTimeout(q *store.Queue) time.Duration {
	if q.RingTimeout <= 0 {
		return DefaultRingTimeout
	}
	return q.RingTimeout
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// route offers a waiting session following its queue; it returns when the
// session needs another look and whether an away message was queued.
func (r *Router) route(tx *store.Tx, c *conv, busy *load, depth int) (time.Time, bool, error) {
	s, now := c.sess, r.now()
	if depth == 0 {
		before := slices.Clone(s.Alerted)
		defer func() { busy.moved(before, s) }()
	}
	var q *store.Queue
	if s.Queue != "" {
		var err error
		q, err = tx.Queue(s.Queue)
		if errors.Is(err, store.ErrNotFound) {
			r.log.Warn("session routed to a missing queue", slog.Uint64("session", s.ID), slog.String("queue", s.Queue))
			q = nil
		} else if err != nil {
			return zeroTime, false, err
		}
	}
	if q == nil {
		// No queue: offer it to the channel's extension.
		ext := c.ch.Destination.ID
		if c.ch.Destination.Type != "extension" || slices.Contains(s.Alerted, ext) {
			return zeroTime, false, nil
		}
		s.Alerted = append(s.Alerted, ext)
		if err := tx.PutSession(s); err != nil {
			return zeroTime, false, err
		}
		return zeroTime, false, r.offer(tx, c, ext, r.offerHeader(c, nil))
	}
	// free are the members who can be offered it: online, and below the
	// queue's limit of conversations (or already offered it).
	var free []string
	for _, m := range q.Members {
		if r.online[m] && !slices.Contains(free, m) && (slices.Contains(s.Alerted, m) || q.MaxConversations == 0 || busy.owned[m] < q.MaxConversations) {
			free = append(free, m)
		}
	}
	var next time.Time
	// Overflow: at once when no member can answer, after the unanswered
	// timeout otherwise; only to a destination that can answer now.
	if o := q.Overflow; o != nil && o.ID != "" && (len(free) == 0 || q.UnansweredTimeout > 0) {
		at := now
		if len(free) > 0 {
			at = s.WaitingSince.Add(q.UnansweredTimeout)
		}
		switch {
		case now.Before(at):
			next = at
		case r.canAnswer(tx, *o, q.Name, busy, depth):
			by := "overflow of queue " + q.Name
			if o.Type == "extension" {
				return zeroTime, false, r.transferExt(tx, c, by, o.ID)
			}
			if err := r.transferQueue(tx, c, by, o.ID); err != nil {
				return zeroTime, false, err
			}
			return r.route(tx, c, busy, depth+1)
		}
	}
	if len(free) == 0 {
		// Nobody can answer: tell the customer once.
		if s.AwaySent || q.AwayMessage == "" {
			return next, false, nil
		}
		s.AwaySent = true
		if err := tx.PutSession(s); err != nil {
			return next, false, err
		}
		sent, err := r.sendAway(tx, c, q.AwayMessage)
		return next, sent, err
	}
	ring := ringTimeout(q)
	// Sticky: first offer it to the agent who served the customer last.
	if q.StickyDays > 0 && len(s.Alerted) == 0 && len(s.Tried) == 0 {
		la, err := tx.LastAgentOf(c.ch.ID, c.cust.Key)
		if err == nil && now.Sub(la.At) <= time.Duration(q.StickyDays)*24*time.Hour && slices.Contains(free, la.Ext) {
			return earliest(next, now.Add(ring)), false, r.alertOne(tx, c, q, la.Ext, now.Add(ring))
		}
	}
	if !s.RingUntil.IsZero() && now.Before(s.RingUntil) && anyIn(s.Alerted, free) {
		return earliest(next, s.RingUntil), false, nil
	}
	// Tried with no offer ringing are held back until RingUntil: the agent
	// who released it or had it before a transfer.
	holdBack := len(s.Alerted) == 0 && now.Before(s.RingUntil)
	if q.Strategy == store.RoundRobin || q.Strategy == store.LeastBusy {
		cand := slices.DeleteFunc(slices.Clone(free), func(e string) bool { return slices.Contains(s.Tried, e) })
		if len(cand) == 0 {
			if holdBack {
				return earliest(next, s.RingUntil), false, nil
			}
			s.Tried = nil
			cand = slices.Clone(free)
		}
		if len(cand) > 1 {
			cand = slices.DeleteFunc(cand, func(e string) bool { return slices.Contains(s.Alerted, e) })
		}
		pick := cand[0]
		if q.Strategy == store.RoundRobin {
			start := r.rrNext[q.Name] % len(q.Members)
			for i := range q.Members {
				m := q.Members[(start+i)%len(q.Members)]
				if slices.Contains(cand, m) {
					pick = m
					r.rrNext[q.Name] = (start + i + 1) % len(q.Members)
					break
				}
			}
		} else {
			for _, e := range cand {
				if busy.of(e) < busy.of(pick) {
					pick = e
				}
			}
		}
		return earliest(next, now.Add(ring)), false, r.alertOne(tx, c, q, pick, now.Add(ring))
	}
	// ringall: every free member, but those held back until RingUntil.
	changed := false
	if holdBack {
		next = earliest(next, s.RingUntil)
	} else if !s.RingUntil.IsZero() {
		s.RingUntil, s.Tried, changed = zeroTime, nil, true
	}
	for _, e := range free {
		if slices.Contains(s.Alerted, e) || holdBack && slices.Contains(s.Tried, e) {
			continue
		}
		s.Alerted = append(s.Alerted, e)
		changed = true
		if err := r.offer(tx, c, e, r.offerHeader(c, q)); err != nil {
			return next, false, err
		}
	}
	if changed {
		return next, false, tx.PutSession(s)
	}
	return next, false, nil
}

// canAnswer reports whether destination d has someone to answer now: an
// online extension, or a queue with a free member (or an overflow that
// can), not counting queue from.
func (r *Router) canAnswer(tx *store.Tx, d store.Destination, from string, busy *load, depth int) bool {
	if d.Type == "extension" {
		return r.online[d.ID]
	}
	if d.ID == from || depth >= 3 {
		return false
	}
	q, err := tx.Queue(d.ID)
	if err != nil {
		return false
	}
	for _, m := range q.Members {
		if r.online[m] && (q.MaxConversations == 0 || busy.owned[m] < q.MaxConversations) {
			return true
		}
	}
	return q.Overflow != nil && q.Overflow.ID != "" && r.canAnswer(tx, *q.Overflow, from, busy, depth+1)
}

// alertOne offers c's session to ext alone until until, withdrawing it from
// whoever had it.
func (r *Router) alertOne(tx *store.Tx, c *conv, q *store.Queue, ext string, until time.Time) error {
	s := c.sess
	prev := s.Alerted
	s.Alerted, s.RingUntil = []string{ext}, until
	if !slices.Contains(s.Tried, ext) {
		s.Tried = append(s.Tried, ext)
	}
	if err := tx.PutSession(s); err != nil {
		return err
	}
	if slices.Contains(prev, ext) {
		return nil
	}
	for _, p := range prev {
		if err := r.notify(tx, c, p, fmt.Sprintf("[wachan] Conversation #%d was not taken in time; it was offered to %s.", s.ID, ext)); err != nil {
			return err
		}
	}
	return r.offer(tx, c, ext, r.offerHeader(c, q))
}

func (r *Router) offerHeader(c *conv, q *store.Queue) string {
	how := "Reply to answer or /take it"
	via := ""
	if q != nil {
		via = " (queue " + q.Name + ")"
		if q.Pickup == store.PickupTakeOnly {
			how = "Type /take to take it"
		}
	}
	return fmt.Sprintf("[wachan] New WhatsApp conversation #%d from %s on %s%s. %s; /help for commands.",
		c.sess.ID, who(c.cust), c.ch.Name, via, how)
}

// sendAway queues the queue's away message to the customer while the
// service window is open, unless it is already the last thing the customer
// was sent (in an earlier session nobody answered).
func (r *Router) sendAway(tx *store.Tx, c *conv, text string) (bool, error) {
	if c.cust.LastInAt.IsZero() || r.now().Sub(c.cust.LastInAt) >= Window {
		return false, nil
	}
	recent, err := tx.CustomerMessages(c.ch.ID, c.cust.Key, 20)
	if err != nil {
		return false, err
	}
	for _, m := range slices.Backward(recent) {
		if m.Direction == store.Outbound {
			if m.Agent == "" && m.Text == text {
				return false, nil // told already
			}
			break
		}
	}
	msg := &cloudapi.Message{Text: &cloudapi.Text{Body: text}}
	if c.cust.WaID != "" {
		msg.To = c.cust.WaID
	} else {
		msg.Recipient = c.cust.UserID
	}
	m, err := outbox.Enqueue(tx, &outbox.Request{ChannelID: c.ch.ID, CustomerKey: c.cust.Key, SessionID: c.sess.ID, Message: msg}, r.now())
	if err != nil {
		return false, err
	}
	return true, tx.IndexMessage(m)
}

func anyIn(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
