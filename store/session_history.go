package store

import "time"

// SessionEvent is one routing step of a session: opened, offered, taken,
// released, transferred or closed.
type SessionEvent struct {
	At    time.Time `json:"at"`
	Event string    `json:"event"`
	// By is who did it: an extension, "an administrator", or empty when
	// routing did it by itself.
	By string `json:"by,omitempty"`
	// Detail says more in words: to whom it was offered or transferred,
	// why it closed.
	Detail string `json:"detail,omitempty"`
}

// MaxSessionHistory bounds a session's History; older steps are dropped.
const MaxSessionHistory = 100

// Note appends e to s's history, dropping the oldest steps beyond
// MaxSessionHistory. The caller stores s.
func (s *Session) Note(e SessionEvent) {
	s.History = append(s.History, e)
	if n := len(s.History) - MaxSessionHistory; n > 0 {
		s.History = append(s.History[:0], s.History[n:]...)
	}
}
