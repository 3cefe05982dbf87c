package store

import (
	"errors"
	"testing"
)

func TestButtonActions(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	if err := s.Update(func(tx *Tx) error { return tx.PutButtonAction(&ButtonAction{ChannelID: "a"}) }); err == nil {
		t.Fatal("an action without trigger was stored")
	}
	s.Update(func(tx *Tx) error {
		tx.PutButtonAction(&ButtonAction{ChannelID: "a", Trigger: "stop", Kind: ActionOptOut})
		tx.PutButtonAction(&ButtonAction{ChannelID: "a", Trigger: "confirm", Kind: ActionEvent, Event: "confirm_order"})
		return tx.PutButtonAction(&ButtonAction{ChannelID: "ab", Trigger: "x", Kind: ActionText, Text: "hi"})
	})
	s.Update(func(tx *Tx) error {
		all, err := tx.ButtonActions("a")
		if err != nil || len(all) != 2 || all[0].Trigger != "confirm" || all[1].Trigger != "stop" {
			t.Fatalf("actions of a = %+v %v", all, err)
		}
		if a, err := tx.ButtonAction("a", "confirm"); err != nil || a.Event != "confirm_order" {
			t.Fatalf("confirm = %+v %v", a, err)
		}
		if ok, err := tx.DeleteButtonAction("a", "stop"); !ok || err != nil {
			t.Fatalf("delete = %v %v", ok, err)
		}
		if ok, _ := tx.DeleteButtonAction("a", "stop"); ok {
			t.Fatal("deleted twice")
		}
		if _, err := tx.ButtonAction("a", "stop"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted action = %v", err)
		}
		return nil
	})
}
