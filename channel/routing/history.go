package routing

import "github.com/wachan/wachan/store"

// note records a routing step in s's history (shown on the session's
// timeline); the caller stores s.
func (r *Router) note(s *store.Session, event, by, detail string) {
	if s != nil {
		s.Note(store.SessionEvent{At: r.now(), Event: event, By: by, Detail: detail})
	}
}
