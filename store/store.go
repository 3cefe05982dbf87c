package store

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Sentinel errors returned by the store.
var (
	ErrNotFound = errors.New("not found")
	ErrLocked   = errors.New("store is locked by another process")
	ErrConflict = errors.New("already exists")
)

// FileName is the name of the database file inside the data directory.
const FileName = "wachan.db"

// Options tune Open.
type Options struct {
	// Timeout bounds the wait for the file lock; 0 means 2 s.
	Timeout time.Duration
	// NoSync disables fsync; only for benchmarks that measure the rest.
	NoSync bool
	// ReadOnly opens the file for reading (backups, doctor checks).
	ReadOnly bool
}

// Store is the bbolt database. It is safe for concurrent use.
type Store struct {
	db  *bolt.DB
	log *slog.Logger
}

// Open opens (creating if needed) the store in dir and applies pending
// migrations. log must not be nil.
func Open(dir string, opts Options, log *slog.Logger) (*Store, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Second
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("creating data directory: %w", err)
		}
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:        opts.Timeout,
		NoSync:         opts.NoSync,
		ReadOnly:       opts.ReadOnly,
		FreelistType:   bolt.FreelistMapType,
		NoFreelistSync: true,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("opening %s: %w (is another wachan running on this data directory?)", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	db.MaxBatchDelay = 2 * time.Millisecond
	s := &Store{db: db, log: log}
	if !opts.ReadOnly {
		if err := s.migrate(migrations); err != nil {
			db.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close closes the database file.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("closing store: %w", err)
	}
	return nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.db.Path() }

// Size returns the database file's size in bytes.
func (s *Store) Size() int64 {
	var n int64
	_ = s.db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n
}

// Update runs fn in a read-write transaction.
func (s *Store) Update(fn func(*Tx) error) error {
	return s.db.Update(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
}

// Batch runs fn in a read-write transaction shared with concurrent callers,
// committing them together. fn may run more than once and must be
// idempotent apart from its effects on the transaction.
func (s *Store) Batch(fn func(*Tx) error) error {
	return s.db.Batch(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(*Tx) error) error {
	return s.db.View(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
}

// Tx is a transaction with typed accessors. Values returned from it are
// copies and stay valid after the transaction ends.
type Tx struct {
	tx *bolt.Tx
}

// ID identifies the state a transaction sees: read-only transactions with
// the same ID see the same data.
func (t *Tx) ID() int { return t.tx.ID() }
