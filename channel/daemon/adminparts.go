package daemon

import (
	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/actions/actionsapi"
	"github.com/wachan/wachan/channel/canned/cannedapi"
	"github.com/wachan/wachan/channel/menus/menusapi"
	"github.com/wachan/wachan/channel/templates/templateapi"
)

// mountAdminParts mounts on v1 the admin routes of the parts beside the
// core API: templates, campaigns, canned replies, chat menus and button
// actions. The public API and the panel's own instance of it both call it,
// so the panel can use every route the public API has.
func (d *Daemon) mountAdminParts(v1 fiber.Router) {
	templateapi.New(d.store, d.templates).Mount(v1)
	d.campaigns.Register(v1)
	cannedapi.New(d.store).Mount(v1)
	menusapi.New(d.store).Mount(v1)
	actionsapi.New(d.store).Mount(v1)
}
