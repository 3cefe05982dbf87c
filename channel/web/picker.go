package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

// templateOption is an approved template the agent may send once the
// window has closed.
type templateOption struct {
	Value string // name|language
	Name  string
	Lang  string
	Body  string
}

// approvedTemplates lists channelID's approved templates.
func approvedTemplates(tx *store.Tx, channelID string) ([]templateOption, error) {
	ts, err := tx.Templates(channelID)
	if err != nil {
		return nil, err
	}
	var out []templateOption
	for _, t := range ts {
		if t.Status != "APPROVED" {
			continue
		}
		o := templateOption{Value: t.Name + "|" + t.Language, Name: t.Name, Lang: t.Language}
		for _, c := range t.Components {
			if strings.EqualFold(c.Type, "BODY") {
				o.Body = c.Text
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// sendTemplate sends the picked template to the customer through the
// admin API's send route; the customer's answer comes back to this
// extension.
func (w *Web) sendTemplate(c *fiber.Ctx) error {
	d, err := w.loadConv(c)
	if d == nil {
		return err
	}
	ext := webSession(c).Extension
	name, lang, ok := strings.Cut(c.FormValue("template"), "|")
	if !ok || name == "" {
		d.Error = "Choose a template."
	} else {
		var body []string
		if v := strings.TrimSpace(c.FormValue("values")); v != "" {
			for _, p := range strings.Split(v, "|") {
				body = append(body, strings.TrimSpace(p))
			}
		}
		req := map[string]any{
			"channel_id": d.S.ChannelID, "to": d.S.CustomerKey,
			"template": map[string]any{"name": name, "language": lang, "params": map[string]any{"body": body}},
			"reply_to": store.Destination{Type: "extension", ID: ext},
		}
		if e := w.call("POST", "/api/v1/messages", req, nil); e != nil {
			d.Error = "Not sent: " + e.Message
		} else {
			w.Notify()
			d.Notices = []string{"Template " + name + " sent; the customer's answer will come to you."}
		}
	}
	return w.afterAction(c, d)
}
