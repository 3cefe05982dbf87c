package routing

import (
	"fmt"

	"github.com/wachan/wachan/store"
)

// reopen opens a new session with c's customer at ext's request, routed
// like a new conversation: to the channel's extension, or to its queue,
// where ext takes it at once if it may.
func (r *Router) reopen(tx *store.Tx, c *conv, ext string) error {
	say := func(format string, a ...any) error {
		return r.notify(tx, c, ext, "[wachan] "+fmt.Sprintf(format, a...))
	}
	if c.sess != nil {
		return say("Conversation #%d with %s is still open.", c.sess.ID, who(c.cust))
	}
	if c.cust.LastInAt.IsZero() || r.now().Sub(c.cust.LastInAt) >= Window {
		return say("Cannot reopen: %s has not written in the last 24 hours, so WhatsApp only allows an approved template now (/template <name> [language] <value> | <value>).", who(c.cust))
	}
	if err := r.openTo(tx, c, c.ch.Destination); err != nil {
		return err
	}
	s := c.sess
	r.idleDue(tx, s)
	switch {
	case s.State == store.StateActive && s.Agent == ext:
		return say("You reopened conversation #%d with %s; it is yours.", s.ID, who(c.cust))
	case s.State == store.StateActive:
		if err := r.offer(tx, c, s.Agent, fmt.Sprintf("[wachan] Conversation #%d with %s on %s was reopened by %s. Recent messages follow; reply to answer, /help for commands.",
			s.ID, who(c.cust), c.ch.Name, ext)); err != nil {
			return err
		}
		return say("You reopened conversation #%d with %s; it went to %s.", s.ID, who(c.cust), s.Agent)
	case mayAnswer(tx, s, ext):
		if err := r.take(tx, c, ext); err != nil {
			return err
		}
		return say("You reopened conversation #%d with %s (queue %s); it is yours.", s.ID, who(c.cust), s.Queue)
	}
	return say("You reopened conversation #%d with %s; it waits in queue %s for one of its members.", s.ID, who(c.cust), s.Queue)
}
