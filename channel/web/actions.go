package web

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

type actionsPage struct {
	Channels []*store.Channel
	Channel  string
	Actions  []store.ButtonAction
	Form     actionForm
	Errors   map[string]string
	Error    string
}

// actionForm is the add-or-replace form of a button action.
type actionForm struct {
	Trigger, Kind, DestType, DestID, Text, Template, Language, Params, Event string
}

func (w *Web) actionsRender(c *fiber.Ctx, status int, p *actionsPage) error {
	if err := w.st.View(func(tx *store.Tx) (err error) { p.Channels, err = tx.Channels(); return }); err != nil {
		return err
	}
	if p.Channel == "" && len(p.Channels) > 0 {
		p.Channel = p.Channels[0].ID
	}
	if p.Channel != "" {
		var out struct {
			Actions []store.ButtonAction `json:"button_actions"`
		}
		if e := w.call("GET", "/api/v1/channels/"+url.PathEscape(p.Channel)+"/button-actions", nil, &out); e != nil && p.Error == "" {
			p.Error = e.Message
		}
		p.Actions = out.Actions
	}
	return w.render(c, status, "actions", &view{Title: "Button actions", Nav: "actions", Data: p})
}

// actionsList shows a channel's button actions.
func (w *Web) actionsList(c *fiber.Ctx) error {
	return w.actionsRender(c, fiber.StatusOK, &actionsPage{Channel: c.Query("channel"), Form: actionForm{Kind: "text"}})
}

// actionSave creates or replaces an action.
func (w *Web) actionSave(c *fiber.Ctx) error {
	f := actionForm{Trigger: strings.TrimSpace(c.FormValue("trigger")), Kind: c.FormValue("kind"), DestType: c.FormValue("dest_type"),
		DestID: strings.TrimSpace(c.FormValue("dest_id")), Text: c.FormValue("text"), Template: strings.TrimSpace(c.FormValue("template")),
		Language: strings.TrimSpace(c.FormValue("language")), Params: strings.TrimSpace(c.FormValue("params")), Event: strings.TrimSpace(c.FormValue("event"))}
	p := &actionsPage{Channel: c.FormValue("channel"), Form: f}
	body := map[string]any{"kind": f.Kind}
	switch f.Kind {
	case store.ActionRoute:
		body["destination"] = map[string]string{"type": f.DestType, "id": f.DestID}
	case store.ActionText:
		body["text"] = f.Text
	case store.ActionTemplate:
		t := map[string]any{"name": f.Template, "language": f.Language}
		if f.Params != "" {
			var params json.RawMessage
			if json.Unmarshal([]byte(f.Params), &params) != nil {
				p.Errors = map[string]string{"template.params": `Params are JSON, such as {"body": ["Ann"]}.`}
				return w.actionsRender(c, fiber.StatusUnprocessableEntity, p)
			}
			t["params"] = params
		}
		body["template"] = t
	case store.ActionEvent:
		body["event"] = f.Event
	}
	if f.Trigger == "" {
		p.Errors = map[string]string{"trigger": "Give the button's payload or reply id."}
		return w.actionsRender(c, fiber.StatusUnprocessableEntity, p)
	}
	if e := w.call("PUT", "/api/v1/channels/"+url.PathEscape(p.Channel)+"/button-actions/"+url.PathEscape(f.Trigger), body, nil); e != nil {
		p.Errors, p.Error = fieldErrors(e)
		return w.actionsRender(c, e.Status, p)
	}
	return w.redirectFlash(c, "/admin/actions?channel="+url.QueryEscape(p.Channel), "Saved the action of "+f.Trigger+".")
}

// actionDelete removes an action.
func (w *Web) actionDelete(c *fiber.Ctx) error {
	ch, trigger := c.FormValue("channel"), c.FormValue("trigger")
	back := "/admin/actions?channel=" + url.QueryEscape(ch)
	if e := w.call("DELETE", "/api/v1/channels/"+url.PathEscape(ch)+"/button-actions/"+url.PathEscape(trigger), nil, nil); e != nil {
		return w.redirectFlash(c, back, "Not deleted: "+e.Message)
	}
	return w.redirectFlash(c, back, "Deleted the action of "+trigger+".")
}
