package main

import (
	"context"
	"sync"
	"time"
)

// rssSampler follows the daemon's resident memory.
type rssSampler struct {
	r    *rig
	idle int64
	mu   sync.Mutex
	max  int64
}

func newRSSSampler(r *rig) *rssSampler { return &rssSampler{r: r} }

// sample reads the current RSS, or 0 when there is no child process.
func (s *rssSampler) sample() int64 {
	if s.r.proc == nil {
		return 0
	}
	pid := s.r.proc.pid()
	if pid == 0 {
		return 0
	}
	n, err := rssOf(pid)
	if err != nil {
		return 0
	}
	s.mu.Lock()
	s.max = max(s.max, n)
	s.mu.Unlock()
	return n
}

// run samples every interval until ctx ends.
func (s *rssSampler) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.sample()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// peak returns the highest RSS seen.
func (s *rssSampler) peak() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.max
}
