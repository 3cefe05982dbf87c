package web

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/store"
)

// channelAPI is a channel as the admin API shows it.
type channelAPI = api.ChannelView

type channelRow struct {
	channelAPI
	Today store.Counts
}

func (w *Web) channels(c *fiber.Ctx) error {
	var list struct{ Channels []channelAPI }
	if e := w.call("GET", "/api/v1/channels", nil, &list); e != nil {
		return w.fail(c, e.Status, e.Message)
	}
	today := localDay(time.Now(), w.opts.Location) // the wall clock, as the API counts days
	rows := make([]channelRow, 0, len(list.Channels))
	err := w.st.View(func(tx *store.Tx) error {
		for _, ch := range list.Channels {
			counts, err := tx.SumCounts(ch.ID, today, today, w.opts.Location)
			if err != nil {
				return err
			}
			rows = append(rows, channelRow{channelAPI: ch, Today: counts})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, "channels", &view{Title: "Channels", Nav: "channels", Data: rows})
}

// channelForm is the create and edit form.
type channelForm struct {
	New    bool
	Ch     channelAPI
	Errors map[string]string
	Error  string
	// Events are Meta's latest notices about the number, newest first.
	Events []*store.Event
}

func (w *Web) channelNew(c *fiber.Ctx) error {
	f := &channelForm{New: true, Ch: channelAPI{Destination: store.Destination{Type: "extension"}}}
	return w.render(c, fiber.StatusOK, "channel", &view{Title: "New channel", Nav: "channels", Data: f})
}

// formChannel reads the form into the API's body and into ch (to show it
// back on error).
func formChannel(c *fiber.Ctx, ch *channelAPI) (map[string]any, map[string]string) {
	body := map[string]any{}
	for _, f := range []struct {
		key string
		out *string
	}{
		{"name", &ch.Name}, {"number", &ch.Number}, {"phone_number_id", &ch.PhoneNumberID}, {"waba_id", &ch.WABAID},
		{"app_id", &ch.AppID}, {"access_token", &ch.AccessToken}, {"app_secret", &ch.AppSecret},
	} {
		v := c.FormValue(f.key)
		*f.out = v
		body[f.key] = v
	}
	ch.Destination = store.Destination{Type: c.FormValue("destination_type"), ID: strings.TrimSpace(c.FormValue("destination_id"))}
	body["destination"] = ch.Destination
	if v := strings.TrimSpace(c.FormValue("send_rate")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, map[string]string{"send_rate": "send_rate: must be a whole number of messages per second"}
		}
		ch.SendRate = n
		body["send_rate"] = n
	} else {
		body["send_rate"] = 0
	}
	return body, nil
}

func (w *Web) channelCreate(c *fiber.Ctx) error {
	f := &channelForm{New: true}
	body, errs := formChannel(c, &f.Ch)
	if errs == nil {
		var out channelAPI
		e := w.call("POST", "/api/v1/channels", body, &out)
		if e == nil {
			w.log.Info("channel created in the web panel", "channel", out.ID)
			return w.redirectFlash(c, "/admin/channels/"+url.PathEscape(out.ID), "Channel created. Paste the Callback URL and Verify Token into Meta's app dashboard (WhatsApp → Configuration → Webhook), subscribe to the messages field, then use Connect.")
		}
		errs, f.Error = fieldErrors(e)
	}
	f.Errors = errs
	return w.render(c, fiber.StatusUnprocessableEntity, "channel", &view{Title: "New channel", Nav: "channels", Data: f})
}

func (w *Web) channelEdit(c *fiber.Ctx) error {
	f := &channelForm{}
	if e := w.call("GET", "/api/v1/channels/"+url.PathEscape(c.Params("id")), nil, &f.Ch); e != nil {
		return w.fail(c, e.Status, e.Message)
	}
	if err := w.st.View(func(tx *store.Tx) (err error) { f.Events, err = tx.Events(f.Ch.ID, 10); return err }); err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, "channel", &view{Title: f.Ch.Name, Nav: "channels", Data: f})
}

func (w *Web) channelSave(c *fiber.Ctx) error {
	id := c.Params("id")
	f := &channelForm{}
	if e := w.call("GET", "/api/v1/channels/"+url.PathEscape(id), nil, &f.Ch); e != nil {
		return w.fail(c, e.Status, e.Message)
	}
	body, errs := formChannel(c, &f.Ch)
	if errs == nil {
		e := w.call("PATCH", "/api/v1/channels/"+url.PathEscape(id), body, nil)
		if e == nil {
			return w.redirectFlash(c, "/admin/channels/"+url.PathEscape(id), "Channel saved.")
		}
		errs, f.Error = fieldErrors(e)
	}
	f.Errors = errs
	return w.render(c, fiber.StatusUnprocessableEntity, "channel", &view{Title: f.Ch.Name, Nav: "channels", Data: f})
}

// channelTest is Test Connection; the daemon keeps its report with the
// channel.
func (w *Web) channelTest(c *fiber.Ctx) error {
	id := c.Params("id")
	if e := w.call("POST", "/api/v1/channels/"+url.PathEscape(id)+"/test", nil, nil); e != nil {
		return w.fail(c, e.Status, e.Message)
	}
	return c.Redirect("/admin/channels/"+url.PathEscape(id)+"#test", fiber.StatusSeeOther)
}

// channelConnect is Connect: it checks and fixes what Meta needs, with the
// PIN and override the admin gave.
func (w *Web) channelConnect(c *fiber.Ctx) error {
	id := c.Params("id")
	body := map[string]any{"pin": strings.TrimSpace(c.FormValue("pin")), "override": c.FormValue("override") == "on"}
	if e := w.call("POST", "/api/v1/channels/"+url.PathEscape(id)+"/connect", body, nil); e != nil {
		if e.Field == "pin" {
			return w.redirectFlash(c, "/admin/channels/"+url.PathEscape(id)+"#test", "Not connected: the PIN must be the number's six digits.")
		}
		return w.fail(c, e.Status, e.Message)
	}
	return c.Redirect("/admin/channels/"+url.PathEscape(id)+"#test", fiber.StatusSeeOther)
}

func (w *Web) channelDelete(c *fiber.Ctx) error {
	if e := w.call("DELETE", "/api/v1/channels/"+url.PathEscape(c.Params("id")), nil, nil); e != nil {
		return w.fail(c, e.Status, e.Message)
	}
	return w.redirectFlash(c, "/admin/channels", "Channel deleted.")
}
