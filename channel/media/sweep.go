package media

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/wachan/wachan/store"
)

// orphanAge is how old a file unknown to the index (or a temporary file)
// must be before the sweeper removes it.
const orphanAge = time.Hour

// runSweeper sweeps at start and every SweepEvery until ctx ends.
func (s *Service) runSweeper(ctx context.Context) {
	t := time.NewTicker(s.opts.SweepEvery)
	defer t.Stop()
	for {
		if _, err := s.Sweep(); err != nil {
			s.log.Error("sweeping media files", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sweep deletes the files whose every reference has expired, with their
// index entries, then files left behind by interrupted writes. It returns
// the number of files deleted.
func (s *Service) Sweep() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	var gone []*store.MediaFile
	known := map[string]bool{}
	err := s.store.Update(func(tx *store.Tx) error {
		var expired []*store.MediaFile
		err := tx.MediaFiles(func(f *store.MediaFile) bool {
			if now.Before(f.ExpiresAt) {
				known[f.SHA256] = true
			} else {
				expired = append(expired, f)
			}
			return true
		})
		if err != nil {
			return err
		}
		for _, f := range expired {
			if err := tx.DeleteMediaFile(f); err != nil {
				return err
			}
		}
		gone = expired
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range gone {
		if known[f.SHA256] {
			continue // a newer record holds the same content
		}
		if err := s.files.Remove(f.SHA256); err != nil {
			s.log.Warn("removing expired media file", slog.String("sha256", f.SHA256), slog.Any("error", err))
			continue
		}
		n++
	}
	err = s.files.Walk(func(sum, path string, mod time.Time) {
		if (sum == "" || !known[sum]) && time.Since(mod) > orphanAge {
			if gone := os.Remove(path); gone == nil {
				s.log.Info("removed stray media file", slog.String("path", path))
			}
		}
	})
	if n > 0 {
		s.log.Info("expired media files deleted", slog.Int("files", n))
	}
	return n, err
}
