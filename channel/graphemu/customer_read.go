package graphemu

import (
	"slices"
	"time"
)

// CustomerRead queues the read status of the message wamid that pnid
// sent, as when the customer opens the chat; it is meant for a Server
// whose Options.Statuses leave "read" out, so that read follows what the
// customer does. The status is due no sooner than StatusDelay after the
// message's last automatic one, as if it were one more of them. It
// reports false for a message pnid did not send, a number without a
// webhook URL or a full webhook queue.
func (s *Server) CustomerRead(pnid, wamid string) bool {
	s.mu.Lock()
	n := s.numbers[pnid]
	var (
		msg SentMessage
		num Number
		due time.Time
		ok  bool
	)
	if n != nil {
		if i := slices.IndexFunc(n.sent, func(m SentMessage) bool { return m.WAMID == wamid }); i >= 0 {
			msg, num, due, ok = n.sent[i], n.Number, n.laterDue[wamid], true
		}
	}
	s.mu.Unlock()
	if !ok {
		return false
	}
	if now := time.Now(); due.Before(now) {
		due = now
	}
	return s.queueStatus(num, msg, "read", "", str(msg.Body, "biz_opaque_callback_data"), due)
}
