package store

import (
	"errors"
	"testing"
)

func TestCannedReplies(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	err := s.Update(func(tx *Tx) error {
		for _, c := range []*CannedReply{
			{Shortcut: "hours", Text: "We open at 9."},
			{Shortcut: "bye", Text: "Goodbye {{customer.name}}."},
			{Owner: "1001", Shortcut: "hours", Text: "I'm in from 10."},
		} {
			if err := tx.PutCannedReply(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Update(func(tx *Tx) error {
		shared, err := tx.CannedReplies("")
		if err != nil || len(shared) != 2 || shared[0].Shortcut != "bye" || shared[1].Text != "We open at 9." {
			t.Fatalf("shared = %+v %v", shared, err)
		}
		if mine, _ := tx.CannedReplies("1001"); len(mine) != 1 || mine[0].Text != "I'm in from 10." {
			t.Fatalf("personal = %+v", mine)
		}
		if ok, err := tx.DeleteCannedReply("1001", "hours"); !ok || err != nil {
			t.Fatalf("delete = %v %v", ok, err)
		}
		if _, err := tx.CannedReply("1001", "hours"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted = %v", err)
		}
		if tx.PutCannedReply(&CannedReply{Owner: "1001"}) == nil {
			t.Fatal("stored without shortcut")
		}
		return nil
	})
}
