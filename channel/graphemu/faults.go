package graphemu

import "time"

// FailNext makes the next n requests addressed to the number pnid (sends,
// read receipts, uploads and profile reads) fail with Meta's envelope for
// code and a plausible HTTP status (5xx for 1, 2, 131000, 131016, 131057,
// 133004; 429 for 4, 80007, 130429; 401 for 190).
func (s *Server) FailNext(pnid string, n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[pnid] = append(s.faults[pnid], code)
	}
}

// SetDelay makes every Graph API request wait d before it is handled.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// takeFault pops the next injected fault of pnid; s.mu must be held.
func (s *Server) takeFault(pnid string) (graphError, bool) {
	q := s.faults[pnid]
	if len(q) == 0 {
		return graphError{}, false
	}
	s.faults[pnid] = q[1:]
	return codeError(q[0]).withDetails("injected fault"), true
}
