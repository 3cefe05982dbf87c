package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrNotStore means a file is not a usable wachan database: not a bbolt
// file, damaged, or of a schema version this build does not know.
var ErrNotStore = errors.New("not a wachan store")

// Backup writes a consistent copy of the whole database to w from one read
// transaction. It is safe while the store takes writes; the copy is a
// bbolt file that Open and Restore accept.
func (s *Store) Backup(w io.Writer) error {
	err := s.db.View(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("writing backup: %w", err)
	}
	return nil
}

// Info summarises a database file.
type Info struct {
	SchemaVersion int
	Size          int64
	Channels      int
	Messages      int
	Journal       int
	Outbox        int
}

// Inspect checks that the file at path is a complete, consistent wachan
// database with a schema version this build knows, and summarises it. The
// file must not be open for writing by another process; errors match
// ErrNotStore when the file itself is the problem, ErrLocked when another
// process holds it.
func Inspect(path string, timeout time.Duration) (Info, error) {
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	if err := checkLength(path); err != nil {
		return Info{}, fmt.Errorf("inspecting %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: true})
	if errors.Is(err, berrors.ErrTimeout) {
		return Info{}, fmt.Errorf("inspecting %s: %w", path, ErrLocked)
	}
	if err != nil {
		return Info{}, fmt.Errorf("inspecting %s: %w: %w", path, ErrNotStore, err)
	}
	defer db.Close()
	var info Info
	err = db.View(func(btx *bolt.Tx) error {
		for cerr := range btx.Check() {
			return fmt.Errorf("%w: damaged: %w", ErrNotStore, cerr)
		}
		info.Size = btx.Size()
		info.SchemaVersion = readVersion(btx)
		if info.SchemaVersion < 1 || info.SchemaVersion > SchemaVersion() {
			return fmt.Errorf("%w: schema version %d, this build knows 1 to %d", ErrNotStore, info.SchemaVersion, SchemaVersion())
		}
		keys := func(name []byte) int {
			if b := btx.Bucket(name); b != nil {
				return b.Stats().KeyN
			}
			return 0
		}
		info.Channels = keys(bucketChannels)
		info.Messages = keys(bucketMessages)
		info.Journal = keys(bucketJournal)
		info.Outbox = keys(bucketOutbox)
		return nil
	})
	if err != nil {
		return Info{}, fmt.Errorf("inspecting %s: %w", path, err)
	}
	return info, nil
}

// checkLength reads the file's two bbolt meta pages and checks that the
// file holds every page the newest valid one counts. bbolt itself would
// read past the end of a cut-short file (a dropped download) and crash.
func checkLength(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	const header, metaLen = 16, 64
	var best struct {
		ok         bool
		txid, need uint64
	}
	pageSize := int64(0)
	for i := range 2 {
		buf := make([]byte, header+metaLen)
		if _, err := f.ReadAt(buf, int64(i)*pageSize); err != nil {
			break
		}
		m := buf[header:]
		le := binary.LittleEndian
		sum := fnv.New64a()
		sum.Write(m[:56])
		if le.Uint32(m[0:]) != 0xED0CDAED || le.Uint32(m[4:]) != 2 || le.Uint64(m[56:]) != sum.Sum64() {
			if i == 0 {
				// The first meta page may be damaged; bbolt then trusts
				// the second, found at the default page size.
				pageSize = int64(os.Getpagesize())
			}
			continue
		}
		size := int64(le.Uint32(m[8:]))
		if i == 0 {
			pageSize = size
		}
		if txid := le.Uint64(m[48:]); !best.ok || txid > best.txid {
			best.ok, best.txid, best.need = true, txid, le.Uint64(m[40:])*uint64(size)
		}
		if pageSize == 0 {
			break
		}
	}
	if !best.ok {
		return fmt.Errorf("%w: no valid bbolt header", ErrNotStore)
	}
	if uint64(st.Size()) < best.need {
		return fmt.Errorf("%w: truncated: %d bytes, the header counts %d", ErrNotStore, st.Size(), best.need)
	}
	return nil
}

// BackupFile writes a consistent copy of the store in dir to dst while no
// daemon has it open; it returns ErrLocked when one does (ask the daemon
// instead). dst is written through a temporary file and renamed into
// place, so it is either complete or absent.
func BackupFile(dir, dst string, timeout time.Duration) error {
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("backing up: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: true})
	if errors.Is(err, berrors.ErrTimeout) {
		return fmt.Errorf("backing up %s: %w", path, ErrLocked)
	}
	if err != nil {
		return fmt.Errorf("backing up %s: %w", path, err)
	}
	defer db.Close()
	return WriteFileAtomic(dst, func(w io.Writer) error {
		return db.View(func(tx *bolt.Tx) error {
			_, err := tx.WriteTo(w)
			return err
		})
	})
}

// WriteFileAtomic creates path with the bytes fill writes, through a
// temporary file in the same directory that is synced and renamed over
// path; on error path is left as it was.
func WriteFileAtomic(path string, fill func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating temporary file: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("restricting %s: %w", tmp, err)
	}
	if err := fill(f); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("renaming into %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("opening %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}

// Restore replaces the store in dir with the backup at src. It refuses
// with ErrLocked while a daemon has the store open, and with ErrNotStore
// when src is not a complete wachan database of a known schema version.
// The data file is replaced atomically; the previous one is kept beside it
// with the suffix ".bak", replacing an older one. It returns the backup's
// summary.
func Restore(dir, src string, timeout time.Duration) (Info, error) {
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	info, err := Inspect(src, timeout)
	if err != nil {
		return Info{}, fmt.Errorf("restoring: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Info{}, fmt.Errorf("creating data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	_, statErr := os.Stat(path)
	exists := statErr == nil
	if exists {
		// Hold the current file's lock while replacing it, so a daemon
		// starting meanwhile waits. bbolt takes the lock before reading
		// the file, so a damaged file fails later and is still ours to
		// replace.
		cur, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
		if errors.Is(err, berrors.ErrTimeout) {
			return Info{}, fmt.Errorf("restoring %s: %w", path, ErrLocked)
		}
		if err == nil {
			defer cur.Close()
		}
	}
	in, err := os.Open(src)
	if err != nil {
		return Info{}, fmt.Errorf("restoring: %w", err)
	}
	defer in.Close()
	tmp := path + ".restore"
	if err := WriteFileAtomic(tmp, func(w io.Writer) error { _, err := io.Copy(w, in); return err }); err != nil {
		return Info{}, fmt.Errorf("restoring: %w", err)
	}
	defer os.Remove(tmp)
	if _, err := Inspect(tmp, timeout); err != nil {
		return Info{}, fmt.Errorf("restoring: checking the copy: %w", err)
	}
	if exists {
		bak := path + ".bak"
		if err := os.Remove(bak); err != nil && !errors.Is(err, os.ErrNotExist) {
			return Info{}, fmt.Errorf("restoring: removing old %s: %w", bak, err)
		}
		if err := os.Link(path, bak); err != nil {
			return Info{}, fmt.Errorf("restoring: keeping %s: %w", bak, err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return Info{}, fmt.Errorf("restoring: replacing %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return Info{}, fmt.Errorf("restoring: %w", err)
	}
	return info, nil
}
