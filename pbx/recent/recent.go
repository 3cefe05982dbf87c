// Package recent remembers the last keys seen, to drop the second copy of
// what the PBX can deliver twice.
package recent

import "sync"

// Set remembers the last n keys recorded. Its methods are safe for
// concurrent use.
type Set[K comparable] struct {
	mu   sync.Mutex
	set  map[K]struct{}
	ring []K
	next int
}

// New returns a set remembering the last n keys (n > 0).
func New[K comparable](n int) *Set[K] {
	return &Set[K]{set: make(map[K]struct{}, n), ring: make([]K, 0, n)}
}

// Seen records k and reports whether it was already among the last keys.
func (s *Set[K]) Seen(k K) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.set[k]; ok {
		return true
	}
	if len(s.ring) < cap(s.ring) {
		s.ring = append(s.ring, k)
	} else {
		delete(s.set, s.ring[s.next])
		s.ring[s.next] = k
		s.next = (s.next + 1) % len(s.ring)
	}
	s.set[k] = struct{}{}
	return false
}
