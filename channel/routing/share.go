package routing

import (
	"fmt"
	"slices"

	"github.com/wachan/wachan/store"
)

// share makes ext the owner of c's waiting session in shared queue q
// without taking it from the others: those offered it, and every online
// member, keep seeing each customer message and each member's reply.
func (r *Router) share(tx *store.Tx, c *conv, q *store.Queue, ext string) error {
	s := c.sess
	saw := slices.DeleteFunc(slices.Clone(s.Alerted), func(e string) bool { return e == ext })
	s.State, s.Agent = store.StateActive, ext
	s.Alerted, s.Tried, s.RingUntil = saw, nil, zeroTime
	s.UpdatedAt = r.now()
	if err := r.putSession(tx, s, EventTaken); err != nil {
		return err
	}
	if err := tx.SetLastAgent(c.ch.ID, c.cust.Key, ext, r.now()); err != nil {
		return err
	}
	for _, o := range saw {
		if err := r.notify(tx, c, o, fmt.Sprintf("[wachan] %s answered conversation #%d with %s; it stays shared: you see every message and may reply.", ext, s.ID, who(c.cust))); err != nil {
			return err
		}
	}
	return r.joinShared(tx, c, q)
}

// joinShared offers c's shared session to the online members of q who do
// not have it yet.
func (r *Router) joinShared(tx *store.Tx, c *conv, q *store.Queue) error {
	s := c.sess
	added := false
	for _, m := range q.Members {
		if !r.online[m] || slices.Contains(participants(s), m) {
			continue
		}
		s.Alerted, added = append(s.Alerted, m), true
		if err := r.offer(tx, c, m, fmt.Sprintf("[wachan] Conversation #%d with %s on %s (queue %s) is shared; %s answered it. Recent messages follow; reply to join in, /help for commands.",
			s.ID, who(c.cust), c.ch.Name, q.Name, s.Agent)); err != nil {
			return err
		}
	}
	if !added {
		return nil
	}
	return tx.PutSession(s)
}

// sharedQueues returns the queues in shared pick-up mode by name.
func sharedQueues(tx *store.Tx) (map[string]*store.Queue, error) {
	qs, err := tx.Queues()
	if err != nil {
		return nil, err
	}
	out := map[string]*store.Queue{}
	for _, q := range qs {
		if q.Pickup == store.PickupShared {
			out[q.Name] = q
		}
	}
	return out, nil
}

// sharedJoiner returns the queue of s when s is active in one of shared
// and a member online does not have it yet.
func (r *Router) sharedJoiner(shared map[string]*store.Queue, s *store.Session) *store.Queue {
	q := shared[s.Queue]
	if s.State != store.StateActive || q == nil {
		return nil
	}
	for _, m := range q.Members {
		if r.online[m] && !slices.Contains(participants(s), m) {
			return q
		}
	}
	return nil
}

// echoShared shows reply m of ext to the others sharing c's session, adding
// ext to them if it joins now.
func (r *Router) echoShared(tx *store.Tx, c *conv, ext string, m *store.Message) error {
	s := c.sess
	if !slices.Contains(participants(s), ext) {
		s.Alerted = append(s.Alerted, ext)
	}
	for _, o := range participants(s) {
		if o == ext {
			continue
		}
		if err := r.notify(tx, c, o, r.messageLine(m)); err != nil {
			return err
		}
	}
	return nil
}
