package store

import (
	"encoding/json"
	"fmt"
)

// Enqueue adds j to the outbound queue and returns its sequence number.
func (t *Tx) Enqueue(j *Job) (uint64, error) {
	seq, err := t.nextSeq(bucketOutbox)
	if err != nil {
		return 0, err
	}
	j.Seq = seq
	return seq, t.putJSON(bucketOutbox, itob(seq), j)
}

// PutJob replaces queued job j (after an attempt).
func (t *Tx) PutJob(j *Job) error {
	return t.putJSON(bucketOutbox, itob(j.Seq), j)
}

// Job returns queued job seq.
func (t *Tx) Job(seq uint64) (*Job, error) {
	var j Job
	if err := t.getJSON(bucketOutbox, itob(seq), &j); err != nil {
		return nil, fmt.Errorf("reading job %d: %w", seq, err)
	}
	j.Seq = seq
	return &j, nil
}

// Jobs returns every queued job in order.
func (t *Tx) Jobs() ([]*Job, error) { return t.JobsAfter(0) }

// JobsAfter returns the queued jobs with a sequence number above seq, in
// order.
func (t *Tx) JobsAfter(seq uint64) ([]*Job, error) {
	var out []*Job
	c := t.bucket(bucketOutbox).Cursor()
	for k, v := c.Seek(itob(seq + 1)); k != nil; k, v = c.Next() {
		var j Job
		if err := json.Unmarshal(v, &j); err != nil {
			return nil, fmt.Errorf("decoding job %d: %w", btoi(k), err)
		}
		j.Seq = btoi(k)
		out = append(out, &j)
	}
	return out, nil
}

// DeleteJob removes finished job seq.
func (t *Tx) DeleteJob(seq uint64) error {
	if err := t.bucket(bucketOutbox).Delete(itob(seq)); err != nil {
		return fmt.Errorf("deleting job %d: %w", seq, err)
	}
	return nil
}
