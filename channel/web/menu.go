package web

import (
	"bytes"
	"encoding/json"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

// menuExample is the menu a channel without one starts from.
const menuExample = `{
  "enabled": true,
  "text": "Hello! Who should answer you?",
  "timeout_minutes": 10,
  "default": {"type": "extension", "id": "1001"},
  "options": [
    {"title": "Sales", "destination": {"type": "queue", "id": "sales"}},
    {"title": "Support", "destination": {"type": "extension", "id": "1002"}}
  ],
  "business_hours": {
    "time_zone": "Europe/London",
    "weekly": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"], "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]},
    "holidays": [],
    "text": "We are closed now; we answer from 9:00."
  }
}`

type menuPage struct {
	Channels []*store.Channel
	Channel  string
	JSON     string
	Exists   bool
	Field    string
	Error    string
}

func (w *Web) menuLoad(p *menuPage) error {
	if err := w.st.View(func(tx *store.Tx) (err error) { p.Channels, err = tx.Channels(); return }); err != nil {
		return err
	}
	if p.Channel == "" && len(p.Channels) > 0 {
		p.Channel = p.Channels[0].ID
	}
	return nil
}

// menuPage shows a channel's chat menu and business hours as JSON.
func (w *Web) menuShow(c *fiber.Ctx) error {
	p := &menuPage{Channel: c.Query("channel")}
	if err := w.menuLoad(p); err != nil {
		return err
	}
	p.JSON = menuExample
	if p.Channel != "" {
		var raw json.RawMessage
		if e := w.call("GET", "/api/v1/channels/"+url.PathEscape(p.Channel)+"/menu", nil, &raw); e == nil {
			var buf bytes.Buffer
			if json.Indent(&buf, raw, "", "  ") == nil {
				p.JSON, p.Exists = buf.String(), true
			}
		}
	}
	return w.render(c, fiber.StatusOK, "menu", &view{Title: "Chat menu", Nav: "menu", Data: p})
}

// menuSave stores the menu; the API's field error is shown above it.
func (w *Web) menuSave(c *fiber.Ctx) error {
	p := &menuPage{Channel: c.FormValue("channel"), JSON: c.FormValue("menu")}
	var body json.RawMessage
	if err := json.Unmarshal([]byte(p.JSON), &body); err != nil {
		p.Error = "The menu is not valid JSON: " + err.Error()
	} else if e := w.call("PUT", "/api/v1/channels/"+url.PathEscape(p.Channel)+"/menu", body, nil); e != nil {
		p.Field, p.Error = e.Field, e.Message
	}
	if p.Error != "" {
		if err := w.menuLoad(p); err != nil {
			return err
		}
		return w.render(c, fiber.StatusUnprocessableEntity, "menu", &view{Title: "Chat menu", Nav: "menu", Data: p})
	}
	return w.redirectFlash(c, "/admin/menu?channel="+url.QueryEscape(p.Channel), "Chat menu saved.")
}
