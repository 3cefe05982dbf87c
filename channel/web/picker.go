package web

import (
	"context"
	"log/slog"
	"strings"
	"time"

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

// sendTemplate sends the picked template to the customer exactly as the
// agent's phone would with /template: only in a conversation the agent may
// answer (or a new one, then its own), so the customer's answer comes
// back to this extension.
func (w *Web) sendTemplate(c *fiber.Ctx) error {
	d, err := w.loadConv(c)
	if d == nil {
		return err
	}
	ext := webSession(c).Extension
	name, lang, ok := strings.Cut(c.FormValue("template"), "|")
	switch {
	case !ok || name == "" || strings.ContainsAny(name+lang, " |"):
		d.Error = "Choose a template."
	case w.opts.Agent == nil:
		d.Error = "No PBX is configured, so conversations cannot be handled here."
	default:
		cmd := "/template " + name + " " + lang
		var body []string
		if v := strings.TrimSpace(c.FormValue("values")); v != "" {
			for _, p := range strings.Split(v, "|") {
				body = append(body, strings.TrimSpace(p))
			}
			cmd += " " + strings.Join(body, " | ")
		}
		ctx, cancel := context.WithTimeout(c.UserContext(), 10*time.Second)
		defer cancel()
		notices, err := w.opts.Agent.AgentSay(ctx, ext, d.S.ChannelID, d.S.CustomerKey, cmd)
		switch {
		case err != nil:
			w.log.Error("console template failed", slog.String("ext", ext), slog.Uint64("session", d.S.ID), slog.Any("error", err))
			d.Error = "The template could not be sent; see the daemon's log."
		case len(notices) > 0:
			for _, n := range notices {
				d.Notices = append(d.Notices, strings.TrimPrefix(n, "[wachan] "))
			}
		default:
			d.Notices = []string{"Template " + name + " sent; the customer's answer will come to you."}
		}
	}
	return w.afterAction(c, d)
}
