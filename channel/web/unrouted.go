package web

import (
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
	return w.render(c, fiber.StatusOK, "unrouted", &view{Title: "Meta apps and unrouted updates", Nav: "channels", Data: p})
}
