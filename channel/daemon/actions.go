package daemon

import (
	"github.com/wachan/wachan/channel/actions"
	"github.com/wachan/wachan/store"
)

// wireActions runs channels' button actions from the ingest pipeline,
// ahead of routing so that a route action places the conversation it
// opens. Answers wake the outbox; events go to the integration.
func (d *Daemon) wireActions() {
	svc := actions.New(d.log, actions.Options{
		Emit: func(tx *store.Tx, channelID, name string, data any) error {
			return d.integration.Record(tx, channelID, name, data)
		},
		Wake: func() { d.outbox.Wake() },
	})
	d.hooks = append(d.hooks, svc.Hooks())
}
