package optout

import (
	"log/slog"
	"testing"
	"time"

	"github.com/wachan/wachan/store"
)

func TestMatch(t *testing.T) {
	stop := DefaultWords().Stop
	tests := []struct {
		text, want string
	}{
		{"STOP", "STOP"},
		{"stop", "STOP"},
		{"  Stop!  ", "STOP"},
		{"¡STOP!", "STOP"},
		{"stop.", "STOP"},
		{"🛑 stop 🛑", "STOP"},
		{"Unsubscribe", "UNSUBSCRIBE"},
		{"opt   out", "OPT OUT"},
		{"opt-out", ""}, // inner punctuation is part of the text
		{"please stop", ""},
		{"stopp", ""},
		{"", ""},
		{"!!!", ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := Match(tt.text, stop); got != tt.want {
				t.Fatalf("Match(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestCleanWords(t *testing.T) {
	got := CleanWords([]string{" stop ", "STOP", "", "opt  out", "..."})
	if len(got) != 2 || got[0] != "STOP" || got[1] != "OPT OUT" {
		t.Fatalf("CleanWords = %q", got)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"STOP", "  stop! ", "opt out", "\u00a0Stop\u3000", "ß", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if Normalize(n) != n {
			t.Fatalf("Normalize is not idempotent on %q: %q then %q", s, n, Normalize(n))
		}
		if n != "" && Match(s, []string{n}) != n {
			t.Fatalf("%q does not match its own normal form %q", s, n)
		}
	})
}

func TestInboundHook(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ch := &store.Channel{ID: "c1"}
	cust := &store.Customer{ChannelID: "c1", Key: "447911123401"}
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	say := func(typ, text string) {
		t.Helper()
		err := st.Update(func(tx *store.Tx) error {
			return Inbound(tx, ch, cust, &store.Message{Direction: store.Inbound, Type: typ, Text: text, Timestamp: at})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	is := func() (o *store.OptOut, yes bool) {
		st.View(func(tx *store.Tx) error {
			yes = Is(tx, "c1", cust.Key)
			o, _ = Get(tx, "c1", cust.Key)
			return nil
		})
		return o, yes
	}
	steps := []struct {
		typ, text string
		want      bool
	}{
		{"text", "hello", false},
		{"image", "stop", false}, // a caption is not a keyword
		{"text", "Stop!", true},
		{"text", "hello again", true},
		{"text", "START", false},
		{"text", "unsubscribe", true},
	}
	for i, s := range steps {
		say(s.typ, s.text)
		if _, got := is(); got != s.want {
			t.Fatalf("step %d (%s %q): opted out = %v, want %v", i, s.typ, s.text, got, s.want)
		}
	}
	o, _ := is()
	if o.Word != "UNSUBSCRIBE" || Notice(o) != "[wachan] This customer opted out (UNSUBSCRIBE) on 2026-11-22; campaigns skip them." {
		t.Fatalf("opt-out %+v, notice %q", o, Notice(o))
	}
	if Notice(nil) != "" {
		t.Fatal("notice of nobody")
	}
}
