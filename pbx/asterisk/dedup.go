package asterisk

import (
	"crypto/sha256"
	"sync"
)

// recent remembers the hashes of the last frames, to drop the
// byte-identical copies Asterisk sends for overlapping subscriptions.
type recent struct {
	mu   sync.Mutex
	set  map[[32]byte]struct{}
	ring [][32]byte
	next int
}

// newRecent returns a set remembering the last n frames.
func newRecent(n int) *recent {
	return &recent{set: make(map[[32]byte]struct{}, n), ring: make([][32]byte, 0, n)}
}

// seen records data and reports whether it was already among the last frames.
func (r *recent) seen(data []byte) bool {
	h := sha256.Sum256(data)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.set[h]; ok {
		return true
	}
	if len(r.ring) < cap(r.ring) {
		r.ring = append(r.ring, h)
	} else {
		delete(r.set, r.ring[r.next])
		r.ring[r.next] = h
		r.next = (r.next + 1) % len(r.ring)
	}
	r.set[h] = struct{}{}
	return false
}
