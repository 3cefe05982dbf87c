package daemon

import (
	"github.com/wachan/wachan/channel/templates"
)

// wireTemplates mounts template sync and listing and their webhook hooks.
// Templates are synced at start for channels never synced, every 6 h, on
// POST /api/v1/channels/:id/templates/sync, and when a webhook names a
// template not stored yet.
func (d *Daemon) wireTemplates() error {
	svc := templates.New(d.store, d.graph, d.log, templates.Options{})
	d.templates = svc
	d.hooks = append(d.hooks, svc.Hooks())
	d.runners = append(d.runners, svc.Run)
	return nil
}
