package store

import (
	"errors"
	"testing"
	"time"
)

func TestUsersAndWebSessions(t *testing.T) {
	st := openTest(t, t.TempDir())
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	err := st.Update(func(tx *Tx) error {
		for _, u := range []*User{{Name: "root", Role: RoleAdmin}, {Name: "1001", Role: RoleAgent, Extension: "1001"}} {
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		if err := tx.PutWebSession("cookie-a", &WebSession{User: "1001", Role: RoleAgent, ExpiresAt: now.Add(time.Hour)}); err != nil {
			return err
		}
		if err := tx.PutWebSession("cookie-b", &WebSession{User: "root", Role: RoleAdmin, ExpiresAt: now.Add(-time.Second)}); err != nil {
			return err
		}
		return tx.PutWebSession("cookie-c", &WebSession{User: "root", Role: RoleAdmin, ExpiresAt: now.Add(time.Hour)})
	})
	if err != nil {
		t.Fatal(err)
	}
	st.View(func(tx *Tx) error {
		us, err := tx.Users()
		if err != nil || len(us) != 2 || us[0].Name != "1001" || us[1].Name != "root" {
			t.Fatalf("users = %v, %v", us, err)
		}
		if s, err := tx.WebSession("cookie-a", now); err != nil || s.User != "1001" {
			t.Fatalf("session a = %v, %v", s, err)
		}
		if _, err := tx.WebSession("cookie-b", now); !errors.Is(err, ErrNotFound) {
			t.Fatalf("expired session = %v", err)
		}
		if _, err := tx.WebSession("nope", now); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown session = %v", err)
		}
		// The cookie itself is not a key.
		if v := tx.bucket(bucketWebSessions).Get([]byte("cookie-a")); v != nil {
			t.Fatal("cookie stored in clear")
		}
		return nil
	})
	st.Update(func(tx *Tx) error {
		if n, err := tx.PruneWebSessions(now); err != nil || n != 1 {
			t.Fatalf("pruned %d, %v", n, err)
		}
		if err := tx.DeleteUser("root"); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.WebSession("cookie-c", now); !errors.Is(err, ErrNotFound) {
			t.Fatalf("session of a deleted user = %v", err)
		}
		if err := tx.DeleteUser("root"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second delete = %v", err)
		}
		return nil
	})
}
