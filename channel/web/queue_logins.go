package web

import (
	"errors"
	"strings"

	"github.com/wachan/wachan/store"
)

// consoleMembersError names, when no PBX is configured, the members that
// have no agent login: the web console is then the agents' only view, so
// such a member could never take a conversation. "" when all have one or
// a PBX is configured (the API checks members against the PBX).
func (w *Web) consoleMembersError(members []string) (string, error) {
	if w.pbxStatus().Configured {
		return "", nil
	}
	var missing []string
	err := w.st.View(func(tx *store.Tx) error {
		for _, ext := range members {
			u, err := tx.User(ext)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if err != nil || u.Role != store.RoleAgent {
				missing = append(missing, ext)
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return "", err
	case len(missing) == 0:
		return "", nil
	case len(missing) == 1:
		return "members: no agent has extension " + missing[0] + "; without a PBX, members must be console users (add them under Users first)", nil
	}
	return "members: no agents have extensions " + strings.Join(missing, ", ") + "; without a PBX, members must be console users (add them under Users first)", nil
}
