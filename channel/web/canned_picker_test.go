package web

import (
	"strings"
	"testing"

	"github.com/wachan/wachan/store"
)

// TestCannedPicker offers the agent's and the shared canned replies in a
// conversation, filled in for its customer and escaped.
func TestCannedPicker(t *testing.T) {
	p := newTestPanel(t)
	err := p.st.Update(func(tx *store.Tx) error {
		for _, r := range []*store.CannedReply{
			{Shortcut: "hours", Text: "We open at 9, {{customer.name}}."},
			{Owner: "1001", Shortcut: "hours", Text: "I am in from 10 ({{agent.extension}})."},
			{Shortcut: "bye", Text: "Goodbye from {{channel.name}}!"},
			{Owner: "1002", Shortcut: "secret", Text: "not for 1001"},
		} {
			if err := tx.PutCannedReply(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	code, page := p.get("/agent/c/1", "wachan_agent=agent-cookie")
	for _, want := range []string{`value="/r hours"`, "I am in from 10 (1001).", `value="/r bye"`, "Goodbye from Sales!"} {
		if code != 200 || !strings.Contains(page, want) {
			t.Fatalf("conversation = %d, lacks %q", code, want)
		}
	}
	if strings.Contains(page, "We open at 9") || strings.Contains(page, "not for 1001") || strings.Contains(page, "<img src=x") {
		t.Fatal("the picker shows another's or a shadowed reply, or unescaped text")
	}
}
