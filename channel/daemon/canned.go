package daemon

import (
	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/actions/actionsapi"
	"github.com/wachan/wachan/channel/canned/cannedapi"
	"github.com/wachan/wachan/channel/menus/menusapi"
	"github.com/wachan/wachan/store"
)

// mountStoreRoutes mounts on r the admin routes backed by the store alone:
// canned replies, chat menus and button actions. The public API and the
// panel's own instance of it both serve them.
func mountStoreRoutes(st *store.Store, r fiber.Router) {
	cannedapi.New(st).Mount(r)
	menusapi.New(st).Mount(r)
	actionsapi.New(st).Mount(r)
}
