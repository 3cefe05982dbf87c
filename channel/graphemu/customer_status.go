package graphemu

import (
	"slices"
	"time"
)

// laterStatus is what a sent message's statuses after its automatic ones
// need.
type laterStatus struct {
	// due is when the next one is due at the earliest.
	due      time.Time
	category string
}

// CustomerStatus queues the status st ("delivered" or "read") of the
// message wamid that pnid sent, as the customer's phone reports it when
// it gets the message or the customer opens the chat; it is meant for a
// Server whose Options.Statuses leave st out, so that it follows what the
// customer does. Each such status is due no sooner than StatusDelay after
// the message's previous one, so they arrive in order and apart. It
// reports false for a message pnid did not send, a number without a
// webhook URL or a full webhook queue.
func (s *Server) CustomerStatus(pnid, wamid, st string) bool {
	s.mu.Lock()
	n := s.numbers[pnid]
	var (
		msg   SentMessage
		num   Number
		later *laterStatus
	)
	if n != nil {
		if i := slices.IndexFunc(n.sent, func(m SentMessage) bool { return m.WAMID == wamid }); i >= 0 {
			msg, num, later = n.sent[i], n.Number, n.later[wamid]
		}
	}
	if later == nil {
		s.mu.Unlock()
		return false
	}
	due := later.due
	if now := time.Now(); due.Before(now) {
		due = now
	}
	later.due = due.Add(s.opts.StatusDelay)
	category := later.category
	s.mu.Unlock()
	return s.queueStatus(num, msg, st, category, str(msg.Body, "biz_opaque_callback_data"), due)
}
