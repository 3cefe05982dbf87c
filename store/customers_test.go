package store

import (
	"errors"
	"testing"
)

// A customer is found by its key, its phone number or its user id; a
// customer merged into another is found as that other.
func TestCustomerAliasesAndMerge(t *testing.T) {
	s := openTest(t, t.TempDir())
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutCustomer(&Customer{ChannelID: "c", Key: "US.1", WaID: "4477", UserID: "US.1"}); err != nil {
			return err
		}
		if err := tx.PutCustomer(&Customer{ChannelID: "c", Key: "4488", WaID: "4488"}); err != nil {
			return err
		}
		return tx.PutCustomer(&Customer{ChannelID: "c", Key: "US.2", UserID: "US.2", MergedInto: "4488"})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		for id, want := range map[string]string{"US.1": "US.1", "4477": "US.1", "4488": "4488", "US.2": "4488"} {
			c, err := tx.Customer("c", id)
			if err != nil || c.Key != want {
				t.Errorf("Customer(%q) = %v, %v; want key %q", id, c, err, want)
			}
		}
		if _, err := tx.Customer("other", "4477"); !errors.Is(err, ErrNotFound) {
			t.Errorf("another channel's alias = %v", err)
		}
		if _, err := tx.Customer("c", ""); !errors.Is(err, ErrNotFound) {
			t.Errorf("empty key = %v", err)
		}
		return nil
	})
}
