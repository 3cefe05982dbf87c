package store

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// openAt builds a store file that has had only the first n migrations.
func openAt(t *testing.T, dir string, n int) {
	t.Helper()
	s, err := Open(dir, Options{}, discard())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Start over from an empty file and apply the prefix.
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error { return tx.DeleteBucket(name) })
	})
	if err != nil {
		t.Fatal(err)
	}
	st := &Store{db: db, log: discard()}
	if n > 0 {
		if err := st.migrate(migrations[:n]); err != nil {
			t.Fatal(err)
		}
	}
}

func buckets(t *testing.T, dir string) (names []string, version int) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		version = readVersion(tx)
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			names = append(names, string(name))
			return nil
		})
	})
	return names, version
}

func TestMigration1CreatesBuckets(t *testing.T) {
	dir := t.TempDir()
	openAt(t, dir, 1)
	names, v := buckets(t, dir)
	if v != 1 {
		t.Fatalf("version = %d, want 1", v)
	}
	want := "channels counters customers journal messages meta outbox sessions templates wamids"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("buckets = %q, want %q", got, want)
	}
}

// migrateFrom builds a store that has had the first n migrations, opens
// it (applying the rest), checks it reached the latest schema and that
// the buckets want exist.
func migrateFrom(t *testing.T, n int, want ...string) {
	t.Helper()
	dir := t.TempDir()
	openAt(t, dir, n)
	s, err := Open(dir, Options{}, discard())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	names, v := buckets(t, dir)
	if v != SchemaVersion() {
		t.Fatalf("version = %d, want %d", v, SchemaVersion())
	}
	got := " " + strings.Join(names, " ") + " "
	for _, b := range want {
		if !strings.Contains(got, " "+b+" ") {
			t.Errorf("bucket %s missing: %v", b, names)
		}
	}
}

func TestMigration2AddsEvents(t *testing.T) {
	migrateFrom(t, 1, "events")
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	openAt(t, dir, len(migrations))
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, itob(uint64(SchemaVersion()+1)))
	})
	db.Close()
	_, err = Open(dir, Options{}, discard())
	if err == nil || !strings.Contains(err.Error(), "downgrade not supported") {
		t.Fatalf("Open newer schema err = %v", err)
	}
}

func TestMigration4AddsFeatureBuckets(t *testing.T) {
	migrateFrom(t, 3, "media", "media_files", "media_jobs", "api_keys", "idempotency", "hook_out",
		"campaigns", "recipients", "optouts", "users", "web_sessions")
}

// Migration 5 gives every app id existing channels name an app with a
// verify token of its own.
func TestMigration5AddsApps(t *testing.T) {
	dir := t.TempDir()
	openAt(t, dir, 4)
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(btx *bolt.Tx) error {
		tx := &Tx{tx: btx}
		for _, c := range []*Channel{{ID: "a", AppID: "111"}, {ID: "b", AppID: "111"}, {ID: "c", AppID: "222"}, {ID: "d"}} {
			if err := tx.PutChannel(c); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, Options{}, discard())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var apps []*App
	s.View(func(tx *Tx) (err error) { apps, err = tx.Apps(); return })
	if len(apps) != 2 || apps[0].ID != "111" || apps[1].ID != "222" || len(apps[0].VerifyToken) != 40 || apps[0].VerifyToken == apps[1].VerifyToken {
		t.Fatalf("apps = %+v", apps)
	}
}

// Unrouted updates are kept up to MaxUnrouted and all counted.
func TestUnroutedKeptAndCounted(t *testing.T) {
	s, err := Open(t.TempDir(), Options{}, discard())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Update(func(tx *Tx) error {
		for i := range MaxUnrouted + 3 {
			if err := tx.AddUnrouted(&Unrouted{PhoneNumberID: fmt.Sprint(i), Reason: "r"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		all, total, err := tx.UnroutedList(2 * MaxUnrouted)
		if err != nil || total != MaxUnrouted+3 || len(all) != MaxUnrouted || all[0].PhoneNumberID != fmt.Sprint(MaxUnrouted+2) || all[len(all)-1].Seq != 4 {
			t.Fatalf("list %d (first %+v), total %d, %v", len(all), all[0], total, err)
		}
		return nil
	})
}
