// Package menusapi serves channels' chat menus and business hours on the
// admin API.
package menusapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/menus"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/store"
)

// Handlers serves the menu routes.
type Handlers struct {
	store *store.Store
	now   func() time.Time
}

// New returns the handlers of the menus kept in st (not nil).
func New(st *store.Store) *Handlers { return &Handlers{store: st, now: time.Now} }

// Mount adds GET, PUT and DELETE /channels/:id/menu for the admin.
func (h *Handlers) Mount(r fiber.Router) {
	r.Get("/channels/:id/menu", api.AdminOnly, h.get)
	r.Put("/channels/:id/menu", api.AdminOnly, h.put)
	r.Delete("/channels/:id/menu", api.AdminOnly, h.remove)
}

func (h *Handlers) get(c *fiber.Ctx) error {
	var m *store.Menu
	err := h.store.View(func(tx *store.Tx) error {
		id, err := api.ChannelParam(c, tx)
		if err != nil {
			return err
		}
		m, err = tx.Menu(id)
		if errors.Is(err, store.ErrNotFound) {
			return api.NotFound("menu of channel", id)
		}
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (h *Handlers) remove(c *fiber.Ctx) error {
	return h.store.Update(func(tx *store.Tx) error {
		id, err := api.ChannelParam(c, tx)
		if err != nil {
			return err
		}
		if err := tx.DeleteMenu(id); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	})
}

func (h *Handlers) put(c *fiber.Ctx) error {
	var m store.Menu
	if err := json.Unmarshal(c.Body(), &m); err != nil {
		return api.Invalid("body", "not a menu: %s", err.Error())
	}
	err := h.store.Update(func(tx *store.Tx) error {
		id, err := api.ChannelParam(c, tx)
		if err != nil {
			return err
		}
		if err := check(tx, id, &m); err != nil {
			return err
		}
		m.ChannelID, m.UpdatedAt = id, h.now().UTC()
		return tx.PutMenu(&m)
	})
	if err != nil {
		return err
	}
	return c.JSON(&m)
}

// checkOptions checks the options at field; sub allows submenus.
func checkOptions(tx *store.Tx, field string, opts []store.MenuOption, sub bool) error {
	if len(opts) == 0 || len(opts) > cloudapi.MaxRows {
		return api.Invalid(field, "1 to %d options", cloudapi.MaxRows)
	}
	for i, o := range opts {
		f := fmt.Sprintf("%s[%d]", field, i)
		if n := utf8.RuneCountInString(o.Title); strings.TrimSpace(o.Title) == "" || n > cloudapi.MaxRowTitle {
			return api.Invalid(f+".title", "must be 1 to %d characters", cloudapi.MaxRowTitle)
		}
		switch {
		case len(o.Options) > 0 && !sub:
			return api.Invalid(f+".options", "menus nest one level only")
		case len(o.Options) > 0 && o.Destination != nil:
			return api.Invalid(f+".destination", "an option has a destination or a submenu, not both")
		case len(o.Options) > 0:
			if err := checkText(f+".text", o.Text); err != nil {
				return err
			}
			if err := checkOptions(tx, f+".options", o.Options, false); err != nil {
				return err
			}
		default:
			if err := api.CheckDestination(tx, f+".destination", o.Destination); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkText(field, text string) error {
	// The numbered choices are added below the text.
	if n := utf8.RuneCountInString(text); strings.TrimSpace(text) == "" || n > cloudapi.MaxInteractiveBody-400 {
		return api.Invalid(field, "must be 1 to %d characters", cloudapi.MaxInteractiveBody-400)
	}
	return nil
}

// check validates m for channel id.
func check(tx *store.Tx, id string, m *store.Menu) error {
	if m.Enabled || len(m.Options) > 0 {
		if err := checkText("text", m.Text); err != nil {
			return err
		}
		if err := checkOptions(tx, "options", m.Options, true); err != nil {
			return err
		}
		if err := api.CheckDestination(tx, "default", &m.Default); err != nil {
			return err
		}
	}
	if m.TimeoutMinutes < 0 || m.TimeoutMinutes > 24*60 {
		return api.Invalid("timeout_minutes", "must be 0 (10 minutes) to 1440")
	}
	if utf8.RuneCountInString(m.Button) > cloudapi.MaxListButton {
		return api.Invalid("button", "at most %d characters", cloudapi.MaxListButton)
	}
	h := m.Hours
	if h == nil {
		return nil
	}
	if field, err := menus.CheckHours(h); err != nil {
		return api.Invalid(field, "%s", err.Error())
	}
	if h.Template != nil {
		if _, err := templates.Lookup(tx, id, h.Template.Name, h.Template.Language); err != nil {
			var te *templates.Error
			if errors.As(err, &te) {
				return api.Invalid("business_hours.template."+te.Field, "%s", te.Message)
			}
			return err
		}
	}
	if h.Queue != "" {
		return api.CheckDestination(tx, "business_hours.queue", &store.Destination{Type: "queue", ID: h.Queue})
	}
	return nil
}
