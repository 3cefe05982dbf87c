package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func fill(t *testing.T, s *Store, channels, messages int) {
	t.Helper()
	err := s.Update(func(tx *Tx) error {
		for i := range channels {
			if err := tx.PutChannel(&Channel{ID: string(rune('a' + i)), Name: "n"}); err != nil {
				return err
			}
		}
		for range messages {
			if _, err := tx.AddMessage(&Message{ChannelID: "a", Direction: Inbound, Type: "text", Text: "hello"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBackupWhileOpenRoundTrip(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	fill(t, s, 2, 50)
	var buf bytes.Buffer
	if err := s.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(backup, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(backup, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if info.SchemaVersion != SchemaVersion() || info.Channels != 2 || info.Messages != 50 {
		t.Fatalf("info = %+v", info)
	}

	dir := t.TempDir()
	got, err := Restore(dir, backup, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got != info {
		t.Fatalf("Restore info = %+v, want %+v", got, info)
	}
	r := openTest(t, dir)
	defer r.Close()
	var n int
	r.View(func(tx *Tx) error { n = tx.MessageCount(); return nil })
	if n != 50 {
		t.Fatalf("restored messages = %d", n)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName+".bak")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a .bak appeared for a fresh data dir: %v", err)
	}
}

func TestBackupFile(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	fill(t, s, 1, 3)
	dst := filepath.Join(t.TempDir(), "b.db")
	if err := BackupFile(dir, dst, 50*time.Millisecond); !errors.Is(err, ErrLocked) {
		t.Fatalf("BackupFile while open = %v, want ErrLocked", err)
	}
	if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed backup left %s", dst)
	}
	s.Close()
	if err := BackupFile(dir, dst, time.Second); err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(dst, time.Second)
	if err != nil || info.Messages != 3 || info.Channels != 1 {
		t.Fatalf("Inspect = %+v, %v", info, err)
	}
	if err := BackupFile(t.TempDir(), dst, time.Second); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("BackupFile of an empty dir = %v", err)
	}
}

func TestRestoreKeepsOldAsBak(t *testing.T) {
	src := t.TempDir()
	s := openTest(t, src)
	fill(t, s, 1, 7)
	backup := filepath.Join(t.TempDir(), "b.db")
	if err := WriteFileAtomic(backup, s.Backup); err != nil {
		t.Fatal(err)
	}
	s.Close()

	dir := t.TempDir()
	old := openTest(t, dir)
	fill(t, old, 3, 1)
	if _, err := Restore(dir, backup, 50*time.Millisecond); !errors.Is(err, ErrLocked) {
		t.Fatalf("Restore while open = %v, want ErrLocked", err)
	}
	old.Close()
	if _, err := Restore(dir, backup, time.Second); err != nil {
		t.Fatal(err)
	}
	cur, err := Inspect(filepath.Join(dir, FileName), time.Second)
	if err != nil || cur.Messages != 7 || cur.Channels != 1 {
		t.Fatalf("restored = %+v, %v", cur, err)
	}
	bak, err := Inspect(filepath.Join(dir, FileName+".bak"), time.Second)
	if err != nil || bak.Messages != 1 || bak.Channels != 3 {
		t.Fatalf(".bak = %+v, %v", bak, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("data dir holds %d entries, want the store and its .bak", len(entries))
	}
}

func TestRestoreRefusesBadFiles(t *testing.T) {
	tmp := t.TempDir()
	garbage := filepath.Join(tmp, "garbage.db")
	os.WriteFile(garbage, bytes.Repeat([]byte("not bolt "), 2000), 0o600)

	future := filepath.Join(tmp, "future.db")
	db, err := bolt.Open(future, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket(bucketMeta)
		return b.Put(keySchemaVersion, itob(uint64(SchemaVersion()+1)))
	})
	db.Close()

	foreign := filepath.Join(tmp, "foreign.db")
	db, _ = bolt.Open(foreign, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err })
	db.Close()

	// A backup cut short, as by a dropped download.
	s := openTest(t, t.TempDir())
	fill(t, s, 1, 400)
	var buf bytes.Buffer
	s.Backup(&buf)
	s.Close()
	truncated := filepath.Join(tmp, "truncated.db")
	os.WriteFile(truncated, buf.Bytes()[:buf.Len()/2], 0o600)

	for _, tc := range []struct{ name, path string }{
		{"garbage", garbage}, {"future schema", future}, {"foreign bolt file", foreign}, {"truncated", truncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cur := openTest(t, dir)
			fill(t, cur, 1, 2)
			cur.Close()
			before, _ := os.ReadFile(filepath.Join(dir, FileName))
			_, err := Restore(dir, tc.path, time.Second)
			if !errors.Is(err, ErrNotStore) {
				t.Fatalf("Restore = %v, want ErrNotStore", err)
			}
			after, _ := os.ReadFile(filepath.Join(dir, FileName))
			if !bytes.Equal(before, after) {
				t.Fatal("a refused restore changed the store")
			}
		})
	}
	if _, err := Restore(t.TempDir(), filepath.Join(tmp, "missing.db"), time.Second); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Restore of a missing file = %v", err)
	}
}
