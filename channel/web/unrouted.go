package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
)

// unroutedPage lists webhook updates no channel owns and the Meta apps
// with their callback URLs.
type unroutedPage struct {
	Total   uint64
	Updates []api.UnroutedView
	Apps    []api.AppView
}

func (w *Web) unrouted(c *fiber.Ctx) error {
	p := &unroutedPage{}
	var list struct {
		Total   uint64             `json:"total"`
		Updates []api.UnroutedView `json:"updates"`
	}
	if e := w.call("GET", "/api/v1/unrouted?limit=200", nil, &list); e != nil {
		return w.fail(c, e.Status, e.Message)
	}
	var apps struct{ Apps []api.AppView }
	if e := w.call("GET", "/api/v1/apps", nil, &apps); e != nil {
		return w.fail(c, e.Status, e.Message)
	}
	p.Total, p.Updates, p.Apps = list.Total, list.Updates, apps.Apps
	return w.render(c, fiber.StatusOK, "unrouted", &view{Title: "Meta apps and unrouted updates", Nav: "channels", Flash: c.Query("flash"), Data: p})
}

// unroutedReplay hands the kept updates a channel now owns to it.
func (w *Web) unroutedReplay(c *fiber.Ctx) error {
	var out struct {
		Replayed int `json:"replayed"`
	}
	if e := w.call("POST", "/api/v1/unrouted/replay", nil, &out); e != nil {
		return w.fail(c, e.Status, e.Message)
	}
	return w.redirectFlash(c, "/admin/unrouted", fmt.Sprintf("%d updates handed to their channels.", out.Replayed))
}
