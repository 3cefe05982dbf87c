package routing

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/optout"
	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

var zeroTime time.Time

// Inbound is the ingest hook for a new customer message: inside the
// transaction that stores it, the message joins the customer's open
// session (a new one when there is none) and is queued for the agents who
// own it or are offered it. A new queue session is offered by Run.
func (r *Router) Inbound(tx *store.Tx, ch *store.Channel, cust *store.Customer, m *store.Message) error {
	tx.OnCommit(r.del.poke)
	c, err := r.conversationOf(tx, ch, cust)
	if err != nil {
		return err
	}
	if err := r.openSession(tx, c); err != nil {
		return err
	}
	if c.sess == nil && r.opts.Hold != nil {
		if held, err := r.opts.Hold(tx, ch, cust, m); err != nil || held {
			return err
		}
	}
	fresh := c.sess == nil
	if fresh {
		if err := r.newSession(tx, c); err != nil {
			return err
		}
	}
	s := c.sess
	if s.State == store.StateWaiting {
		r.routeWanted.Store(true)
	}
	m.SessionID = s.ID
	if err := tx.PutMessage(m); err != nil {
		return err
	}
	if err := tx.IndexMessage(m); err != nil {
		return err
	}
	s.LastMessageAt, s.UpdatedAt = r.now(), r.now()
	if err := tx.PutSession(s); err != nil {
		return err
	}
	r.idleDue(tx, s)
	if fresh && s.Agent != "" {
		if err := r.offer(tx, c, s.Agent, fmt.Sprintf("[wachan] New WhatsApp conversation #%d from %s on %s. Reply to answer, /help for commands.",
			s.ID, who(cust), ch.Name)); err != nil {
			return err
		}
		return r.tellOptOut(tx, c, m, []string{s.Agent})
	}
	var to []string
	switch s.State {
	case store.StateActive:
		to = []string{s.Agent}
		if pickup(tx, s) == store.PickupShared {
			for _, e := range s.Alerted {
				if !slices.Contains(to, e) {
					to = append(to, e)
				}
			}
		}
	case store.StateWaiting:
		to = s.Alerted
	}
	for _, ext := range to {
		if err := r.notify(tx, c, ext, r.messageLine(m)); err != nil {
			return err
		}
	}
	return r.tellOptOut(tx, c, m, to)
}

// Echo is the ingest hook for a message the business typed in the
// WhatsApp Business app: it joins the customer's open session, if any,
// and is shown to the agents who follow it. It opens no session.
func (r *Router) Echo(tx *store.Tx, ch *store.Channel, cust *store.Customer, m *store.Message) error {
	c, err := r.conversationOf(tx, ch, cust)
	if err != nil {
		return err
	}
	if err := r.openSession(tx, c); err != nil || c.sess == nil {
		return err
	}
	tx.OnCommit(r.del.poke)
	s := c.sess
	m.SessionID = s.ID
	if err := tx.PutMessage(m); err != nil {
		return err
	}
	if err := tx.IndexMessage(m); err != nil {
		return err
	}
	var to []string
	switch s.State {
	case store.StateActive:
		to = []string{s.Agent}
	case store.StateWaiting:
		to = s.Alerted
	}
	for _, ext := range to {
		if err := r.notify(tx, c, ext, r.messageLine(m)); err != nil {
			return err
		}
	}
	return nil
}

// Preference is the ingest hook for a customer's marketing preference set
// in WhatsApp: when they stop marketing messages during an open
// conversation, its agents are told, as when they send STOP (the opt-out
// hook runs before, in the same transaction).
func (r *Router) Preference(tx *store.Tx, ch *store.Channel, ev *wa.Event) error {
	p := ev.Preference
	if ev.Kind != wa.KindUserPreference || p == nil || p.Value != "stop" {
		return nil
	}
	var cust *store.Customer
	for _, id := range []string{p.UserID, p.WAID} {
		if c, err := tx.Customer(ch.ID, id); err == nil && id != "" {
			cust = c
			break
		}
	}
	if cust == nil {
		return nil
	}
	c, err := r.conversationOf(tx, ch, cust)
	if err != nil {
		return err
	}
	if err := r.openSession(tx, c); err != nil || c.sess == nil {
		return err
	}
	o, err := optout.Get(tx, ch.ID, cust.Key)
	if err != nil || o == nil {
		return err
	}
	tx.OnCommit(r.del.poke)
	to := c.sess.Alerted
	if c.sess.State == store.StateActive {
		to = []string{c.sess.Agent}
	}
	for _, ext := range to {
		if err := r.notify(tx, c, ext, optout.Notice(o)); err != nil {
			return err
		}
	}
	return nil
}

// tellOptOut tells agents when message m has just opted the customer out
// (the opt-out hook runs before routing, in the same transaction).
func (r *Router) tellOptOut(tx *store.Tx, c *conv, m *store.Message, to []string) error {
	o, err := optout.Get(tx, c.ch.ID, c.cust.Key)
	if err != nil || o == nil || !o.At.Equal(m.Timestamp.UTC()) {
		return err
	}
	for _, ext := range to {
		if err := r.notify(tx, c, ext, optout.Notice(o)); err != nil {
			return err
		}
	}
	return nil
}

// Status is the ingest hook for an outbound message's status: a failure is
// reported to the agent who wrote it.
func (r *Router) Status(tx *store.Tx, ch *store.Channel, m *store.Message) error {
	return r.reportFailure(tx, ch, m)
}

// Finished is the outbox hook for a finished send: a failure is reported
// to the agent who wrote it.
func (r *Router) Finished(tx *store.Tx, ch *store.Channel, m *store.Message) error {
	return r.reportFailure(tx, ch, m)
}

func (r *Router) reportFailure(tx *store.Tx, ch *store.Channel, m *store.Message) error {
	if m.Status != "failed" || m.Agent == "" || m.Agent == "api" {
		return nil
	}
	tx.OnCommit(r.del.poke)
	cust, err := tx.Customer(ch.ID, m.CustomerKey)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	c, err := r.conversationOf(tx, ch, cust)
	if err != nil {
		return err
	}
	if m.SessionID != 0 {
		if s, err := tx.Session(m.SessionID); err == nil {
			c.sess = s
		}
	}
	why := "unknown error"
	if m.Error != nil {
		switch {
		case m.Error.Code != 0:
			why = fmt.Sprintf("error %d: %s", m.Error.Code, cloudapi.ExplainMeta(m.Error.Code, m.Error.Title, m.Error.Details))
		case m.Error.Title != "":
			why = m.Error.Title
		}
	}
	return r.notify(tx, c, m.Agent, fmt.Sprintf("[wachan] Not delivered to %s: %q. WhatsApp %s", who(cust), snippet(m.Text), why))
}
