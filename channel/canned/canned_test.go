package canned_test

import (
	"errors"
	"testing"
	"time"

	"log/slog"

	"github.com/wachan/wachan/channel/canned"
	"github.com/wachan/wachan/store"
)

func TestExpand(t *testing.T) {
	v := canned.Vars{Customer: &store.Customer{Name: "Ann Smith", WaID: "447700900001"}, Channel: &store.Channel{Name: "Acme Sales"}, Extension: "1001"}
	tests := []struct {
		text string
		v    canned.Vars
		want string
	}{
		{"Hi {{customer.first_name}}, this is {{channel.name}} (ext {{agent.extension}}).", v, "Hi Ann, this is Acme Sales (ext 1001)."},
		{"Dear {{ customer.name }}, we call {{customer.number}}.", v, "Dear Ann Smith, we call +447700900001."},
		{"Hello {{customer.name}}, welcome!", canned.Vars{Customer: &store.Customer{}}, "Hello, welcome!"},
		{"Thanks {{customer.name}}.", canned.Vars{}, "Thanks."},
		{"Keep {{unknown}} as is\nand lines.", v, "Keep {{unknown}} as is\nand lines."},
	}
	for _, tt := range tests {
		if got := canned.Expand(tt.text, tt.v); got != tt.want {
			t.Errorf("Expand(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, s := range []string{"hours", "a", "opening-hours.v2", "x_1"} {
		if err := canned.CheckShortcut(s); err != nil {
			t.Errorf("CheckShortcut(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "Hours", "-x", "with space", "a234567890123456789012345678901234"} {
		if err := canned.CheckShortcut(s); !errors.Is(err, canned.ErrShortcut) {
			t.Errorf("CheckShortcut(%q) = %v", s, err)
		}
	}
	if err := canned.CheckText("Hi {{customer.name}}"); err != nil {
		t.Error(err)
	}
	if err := canned.CheckText("Hi {{customer.nam}}"); err == nil {
		t.Error("unknown variable accepted")
	}
}

func TestFindPrefersPersonal(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{Timeout: time.Second}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.Update(func(tx *store.Tx) error {
		tx.PutCannedReply(&store.CannedReply{Shortcut: "hours", Text: "shared"})
		return tx.PutCannedReply(&store.CannedReply{Owner: "1001", Shortcut: "hours", Text: "mine"})
	})
	st.View(func(tx *store.Tx) error {
		for ext, want := range map[string]string{"1001": "mine", "1002": "shared", "": "shared"} {
			if r, err := canned.Find(tx, ext, " Hours "); err != nil || r.Text != want {
				t.Errorf("Find(%q) = %+v %v, want %s", ext, r, err, want)
			}
		}
		if _, err := canned.Find(tx, "1001", "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Find(nope) = %v", err)
		}
		return nil
	})
}
