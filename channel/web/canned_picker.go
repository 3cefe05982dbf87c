package web

import (
	"github.com/wachan/wachan/channel/canned"
	"github.com/wachan/wachan/store"
)

// cannedOption is a canned reply offered in a conversation: sending
// "/r <shortcut>" sends Text.
type cannedOption struct {
	Shortcut string
	Text     string
}

// cannedOptions lists the replies ext may use in a conversation with cust
// on channelID, its own first, each as the customer would read it.
func cannedOptions(tx *store.Tx, ext, channelID string, cust *store.Customer) ([]cannedOption, error) {
	ch, err := tx.Channel(channelID)
	if err != nil {
		return nil, err
	}
	v := canned.Vars{Customer: cust, Channel: ch, Extension: ext}
	var out []cannedOption
	seen := map[string]bool{}
	owners := []string{""}
	if ext != "" {
		owners = []string{ext, ""}
	}
	for _, owner := range owners {
		rs, err := tx.CannedReplies(owner)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if !seen[r.Shortcut] {
				seen[r.Shortcut] = true
				out = append(out, cannedOption{Shortcut: r.Shortcut, Text: canned.Expand(r.Text, v)})
			}
		}
	}
	return out, nil
}
