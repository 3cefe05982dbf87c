package store

import (
	"errors"
	"testing"
)

func TestMenusAndStates(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutMenu(&Menu{ChannelID: "a", Enabled: true, Options: []MenuOption{{Title: "Sales"}}}); err != nil {
			return err
		}
		for _, c := range []string{"1", "2"} {
			if err := tx.PutMenuState(&MenuState{ChannelID: "a", CustomerKey: c, Path: -1}); err != nil {
				return err
			}
		}
		return tx.DeleteMenuState("a", "1")
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		if m, err := tx.Menu("a"); err != nil || !m.Enabled || m.Options[0].Title != "Sales" {
			t.Fatalf("menu = %+v %v", m, err)
		}
		if ss, err := tx.MenuStates(); err != nil || len(ss) != 1 || ss[0].CustomerKey != "2" {
			t.Fatalf("states = %+v %v", ss, err)
		}
		if _, err := tx.MenuState("a", "1"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted state = %v", err)
		}
		if _, err := tx.Menu("b"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("menu b = %v", err)
		}
		return nil
	})
}
