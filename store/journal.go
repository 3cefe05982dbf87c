package store

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Journal values are binary so raw bodies are not re-encoded:
// 8-byte unix nanoseconds, 1-byte channel id length, channel id, body.

func encodeJournal(e *JournalEntry) []byte {
	v := make([]byte, 0, 9+len(e.ChannelID)+len(e.Body))
	v = binary.BigEndian.AppendUint64(v, uint64(e.ReceivedAt.UnixNano()))
	v = append(v, byte(len(e.ChannelID)))
	v = append(v, e.ChannelID...)
	return append(v, e.Body...)
}

func decodeJournal(seq uint64, v []byte) (*JournalEntry, error) {
	if len(v) < 9 || len(v) < 9+int(v[8]) {
		return nil, fmt.Errorf("decoding journal entry %d: truncated value", seq)
	}
	n := int(v[8])
	return &JournalEntry{
		Seq:        seq,
		ReceivedAt: time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC(),
		ChannelID:  string(v[9 : 9+n]),
		Body:       append([]byte(nil), v[9+n:]...),
	}, nil
}

// AppendJournal stores a verified webhook body and returns its sequence
// number. Callers should use it inside Store.Batch so concurrent webhooks
// share one fsync. Channel ids are at most 255 bytes.
func (t *Tx) AppendJournal(e *JournalEntry) (uint64, error) {
	if len(e.ChannelID) > 255 {
		return 0, fmt.Errorf("appending journal: channel id too long")
	}
	seq, err := t.nextSeq(bucketJournal)
	if err != nil {
		return 0, err
	}
	e.Seq = seq
	if err := t.bucket(bucketJournal).Put(itob(seq), encodeJournal(e)); err != nil {
		return 0, fmt.Errorf("appending journal: %w", err)
	}
	return seq, nil
}

// Journal returns up to limit unprocessed entries in arrival order.
func (t *Tx) Journal(limit int) ([]*JournalEntry, error) {
	var out []*JournalEntry
	c := t.bucket(bucketJournal).Cursor()
	for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
		e, err := decodeJournal(btoi(k), v)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
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
