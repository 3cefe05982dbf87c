package web

import (
	"fmt"
	"time"

	"github.com/wachan/wachan/store"
)

// retryState is why a reply is still on its way: how many attempts
// failed and when the next one is due.
type retryState struct {
	Attempts int
	At       time.Time
}

// Words says when the next attempt is, as of now.
func (r *retryState) Words(now time.Time) string {
	failed := fmt.Sprintf("%d failed attempts", r.Attempts)
	if r.Attempts == 1 {
		failed = "1 failed attempt"
	}
	if left := r.At.Sub(now); left >= time.Second {
		return fmt.Sprintf("Not sent yet (%s): retrying in %d s.", failed, int(left.Round(time.Second)/time.Second))
	}
	return fmt.Sprintf("Not sent yet (%s): retrying now.", failed)
}

// addRetries marks the queued replies among ms whose sends failed and wait
// for another attempt.
func addRetries(tx *store.Tx, ms []msgView) error {
	waiting := map[uint64]int{}
	for i, m := range ms {
		if !m.In && m.Status == "queued" {
			waiting[m.ID] = i
		}
	}
	if len(waiting) == 0 {
		return nil
	}
	jobs, err := tx.Jobs()
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if i, ok := waiting[j.MessageID]; ok && j.Attempts > 0 {
			ms[i].Retry = &retryState{Attempts: j.Attempts, At: j.NotBefore}
		}
	}
	return nil
}
