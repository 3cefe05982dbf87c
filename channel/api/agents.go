package api

import (
	"context"
	"strings"

	"github.com/wachan/wachan/channel/routing"
)

// Agents reports extensions as routing sees them; routing's Router
// satisfies it.
type Agents interface {
	AgentStates(ctx context.Context, exts []string) ([]routing.AgentState, error)
}

// checkMembers refuses queue members the connected PBX does not have.
func (a *API) checkMembers(ctx context.Context, members []string) error {
	if a.opts.Agents == nil {
		return nil
	}
	states, err := a.opts.Agents.AgentStates(ctx, members)
	if err != nil {
		return err
	}
	var missing []string
	for _, s := range states {
		if s.Missing {
			missing = append(missing, s.Ext)
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return invalid("members", "the PBX has no extension %s", missing[0])
	}
	return invalid("members", "the PBX has no extensions %s", strings.Join(missing, ", "))
}

// addMemberStates fills in where each queue member is present.
func (a *API) addMemberStates(ctx context.Context, views []queueView) error {
	if a.opts.Agents == nil {
		return nil
	}
	for i := range views {
		states, err := a.opts.Agents.AgentStates(ctx, views[i].Members)
		if err != nil {
			return err
		}
		views[i].MemberStates = states
	}
	return nil
}
