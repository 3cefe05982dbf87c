package store

import (
	"encoding/json"
	"fmt"
)

// AppendJournal stores a verified webhook body and returns its sequence
// number. Callers should use it inside Store.Batch so concurrent webhooks
// share one fsync.
func (t *Tx) AppendJournal(e *JournalEntry) (uint64, error) {
	seq, err := t.nextSeq(bucketJournal)
	if err != nil {
		return 0, err
	}
	e.Seq = seq
	return seq, t.putJSON(bucketJournal, itob(seq), e)
}

// Journal returns up to limit unprocessed entries in arrival order.
func (t *Tx) Journal(limit int) ([]*JournalEntry, error) {
	var out []*JournalEntry
	c := t.bucket(bucketJournal).Cursor()
	for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
		var e JournalEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("decoding journal entry %d: %w", btoi(k), err)
		}
		e.Seq = btoi(k)
		out = append(out, &e)
	}
	return out, nil
}

// JournalLen returns the number of unprocessed entries.
func (t *Tx) JournalLen() int {
	return t.bucket(bucketJournal).Stats().KeyN
}

// DeleteJournal removes the processed entry seq.
func (t *Tx) DeleteJournal(seq uint64) error {
	if err := t.bucket(bucketJournal).Delete(itob(seq)); err != nil {
		return fmt.Errorf("deleting journal entry %d: %w", seq, err)
	}
	return nil
}
