package store

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"time"
)

// MediaFile is one stored media file. Identical content is stored once:
// every message or attachment that uses it extends ExpiresAt, so the file
// is deleted only when no unexpired reference remains.
type MediaFile struct {
	ID     uint64 `json:"id"`
	SHA256 string `json:"sha256"` // lowercase hex; names the file on disk
	Size   int64  `json:"size"`
	MIME   string `json:"mime_type"`
	// Refs counts the references ever made to the file.
	Refs      int       `json:"refs"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is the expiry of the longest-lived reference.
	ExpiresAt time.Time `json:"expires_at"`
}

// Key returns f's id as kept in MediaRef.FileID.
func (f *MediaFile) Key() string { return strconv.FormatUint(f.ID, 10) }

// MediaJob is inbound media still to fetch from WhatsApp.
type MediaJob struct {
	MessageID uint64    `json:"message_id"`
	ChannelID string    `json:"channel_id"`
	Attempts  int       `json:"attempts"`
	NotBefore time.Time `json:"not_before,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

var keyMediaLinkKey = []byte("media_link_key")

// AddMediaFile stores f under a new id and indexes it by content.
func (t *Tx) AddMediaFile(f *MediaFile) error {
	id, err := t.nextSeq(bucketMedia)
	if err != nil {
		return err
	}
	f.ID = id
	if err := t.PutMediaFile(f); err != nil {
		return err
	}
	if err := t.bucket(bucketMediaFiles).Put([]byte(f.SHA256), itob(id)); err != nil {
		return fmt.Errorf("indexing media file: %w", err)
	}
	return nil
}

// PutMediaFile replaces the stored file record f.
func (t *Tx) PutMediaFile(f *MediaFile) error {
	return t.putJSON(bucketMedia, itob(f.ID), f)
}

// MediaFile returns the file record id.
func (t *Tx) MediaFile(id uint64) (*MediaFile, error) {
	var f MediaFile
	if err := t.getJSON(bucketMedia, itob(id), &f); err != nil {
		return nil, fmt.Errorf("reading media file %d: %w", id, err)
	}
	return &f, nil
}

// MediaFileBySHA256 returns the file record holding the content whose hex
// SHA-256 is sum, or ErrNotFound.
func (t *Tx) MediaFileBySHA256(sum string) (*MediaFile, error) {
	v := t.bucket(bucketMediaFiles).Get([]byte(sum))
	if v == nil {
		return nil, ErrNotFound
	}
	return t.MediaFile(btoi(v))
}

// DeleteMediaFile removes f's record and its content index entry.
func (t *Tx) DeleteMediaFile(f *MediaFile) error {
	if err := t.bucket(bucketMedia).Delete(itob(f.ID)); err != nil {
		return fmt.Errorf("deleting media file %d: %w", f.ID, err)
	}
	if v := t.bucket(bucketMediaFiles).Get([]byte(f.SHA256)); v != nil && btoi(v) == f.ID {
		if err := t.bucket(bucketMediaFiles).Delete([]byte(f.SHA256)); err != nil {
			return fmt.Errorf("deleting media file index: %w", err)
		}
	}
	return nil
}

// MediaFiles calls fn for each file record in id order until fn returns
// false.
func (t *Tx) MediaFiles(fn func(*MediaFile) bool) error {
	return each(t, bucketMedia, nil, func(_ []byte, f *MediaFile) bool { return fn(f) })
}

// PutMediaJob stores j, keyed by its message id.
func (t *Tx) PutMediaJob(j *MediaJob) error {
	return t.putJSON(bucketMediaJobs, itob(j.MessageID), j)
}

// MediaJob returns the fetch job of message id, or ErrNotFound.
func (t *Tx) MediaJob(id uint64) (*MediaJob, error) {
	var j MediaJob
	if err := t.getJSON(bucketMediaJobs, itob(id), &j); err != nil {
		return nil, fmt.Errorf("reading media job %d: %w", id, err)
	}
	return &j, nil
}

// MediaJobs returns every pending fetch job in message order.
func (t *Tx) MediaJobs() ([]*MediaJob, error) {
	var out []*MediaJob
	err := each(t, bucketMediaJobs, nil, func(_ []byte, j *MediaJob) bool {
		out = append(out, j)
		return true
	})
	return out, err
}

// DeleteMediaJob removes the fetch job of message id.
func (t *Tx) DeleteMediaJob(id uint64) error {
	if err := t.bucket(bucketMediaJobs).Delete(itob(id)); err != nil {
		return fmt.Errorf("deleting media job %d: %w", id, err)
	}
	return nil
}

// MediaLinkKey returns the install's secret for signing media links,
// generating a random 32-byte key the first time.
func (t *Tx) MediaLinkKey() ([]byte, error) {
	if v := t.bucket(bucketMeta).Get(keyMediaLinkKey); len(v) == 32 {
		return append([]byte(nil), v...), nil
	}
	if !t.tx.Writable() {
		return nil, fmt.Errorf("reading media link key: %w", ErrNotFound)
	}
	key := make([]byte, 32)
	rand.Read(key)
	if err := t.bucket(bucketMeta).Put(keyMediaLinkKey, key); err != nil {
		return nil, fmt.Errorf("writing media link key: %w", err)
	}
	return key, nil
}
