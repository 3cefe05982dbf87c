// Package actionsapi serves channels' button actions on the admin API.
package actionsapi

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/store"
)

// maxTrigger bounds a trigger: reply ids and quick-reply payloads are at
// most 256 characters.
const maxTrigger = 256

var eventLabel = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

// Handlers serves the button action routes.
type Handlers struct {
	store *store.Store
	now   func() time.Time
}

// New returns the handlers of the actions kept in st (not nil).
func New(st *store.Store) *Handlers { return &Handlers{store: st, now: time.Now} }

// Mount adds, for the admin, GET /channels/:id/button-actions and PUT and
// DELETE /channels/:id/button-actions/:trigger to r.
func (h *Handlers) Mount(r fiber.Router) {
	r.Get("/channels/:id/button-actions", api.AdminOnly, h.list)
	r.Put("/channels/:id/button-actions/:trigger", api.AdminOnly, h.put)
	r.Delete("/channels/:id/button-actions/:trigger", api.AdminOnly, h.remove)
}

func (h *Handlers) list(c *fiber.Ctx) error {
	out := []*store.ButtonAction{}
	err := h.store.View(func(tx *store.Tx) error {
		id, err := api.ChannelParam(c, tx)
		if err != nil {
			return err
		}
		all, err := tx.ButtonActions(id)
		if len(all) > 0 {
			out = all
		}
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"button_actions": out})
}

// input is an action as the API takes it.
type input struct {
	Kind        string                `json:"kind"`
	Destination *store.Destination    `json:"destination,omitempty"`
	Text        string                `json:"text,omitempty"`
	Template    *store.ButtonTemplate `json:"template,omitempty"`
	Event       string                `json:"event,omitempty"`
}

// check validates in against tx (queues and templates must exist).
func (in *input) check(tx *store.Tx, channelID string) error {
	switch in.Kind {
	case store.ActionRoute:
		return api.CheckDestination(tx, "destination", in.Destination)
	case store.ActionText:
		if n := utf8.RuneCountInString(in.Text); strings.TrimSpace(in.Text) == "" || n > cloudapi.MaxTextBody {
			return api.Invalid("text", "must be 1 to %d characters", cloudapi.MaxTextBody)
		}
	case store.ActionTemplate:
		if in.Template == nil || in.Template.Name == "" {
			return api.Invalid("template.name", "is required")
		}
		t, err := templates.Lookup(tx, channelID, in.Template.Name, in.Template.Language)
		if err != nil {
			var te *templates.Error
			if errors.As(err, &te) {
				return api.Invalid("template."+te.Field, "%s", te.Message)
			}
			return err
		}
		var p templates.Params
		if len(in.Template.Params) > 0 && json.Unmarshal(in.Template.Params, &p) != nil {
			return api.Invalid("template.params", "must be the params of a template send")
		}
		if t.Status == "APPROVED" {
			if _, err := templates.BuildFrom(t, p); err != nil {
				var te *templates.Error
				if errors.As(err, &te) {
					return api.Invalid("template.params", "%s", te.Message)
				}
				return err
			}
		}
	case store.ActionOptOut:
	case store.ActionEvent:
		if !eventLabel.MatchString(in.Event) {
			return api.Invalid("event", "a label of 1 to 64 letters, digits and _ . : - (such as confirm_order)")
		}
	default:
		return api.Invalid("kind", "must be route, text, template, opt_out or event")
	}
	return nil
}

func (h *Handlers) put(c *fiber.Ctx) error {
	trigger, err := triggerOf(c)
	if err != nil {
		return err
	}
	var in input
	if err := json.Unmarshal(c.Body(), &in); err != nil {
		return api.Invalid("body", "not an action: %s", err.Error())
	}
	var a *store.ButtonAction
	err = h.store.Update(func(tx *store.Tx) error {
		id, err := api.ChannelParam(c, tx)
		if err != nil {
			return err
		}
		if err := in.check(tx, id); err != nil {
			return err
		}
		a = &store.ButtonAction{ChannelID: id, Trigger: trigger, Kind: in.Kind, Destination: in.Destination,
			Text: in.Text, Template: in.Template, Event: in.Event, UpdatedAt: h.now().UTC()}
		return tx.PutButtonAction(a)
	})
	if err != nil {
		return err
	}
	return c.JSON(a)
}

func (h *Handlers) remove(c *fiber.Ctx) error {
	trigger, err := triggerOf(c)
	if err != nil {
		return err
	}
	return h.store.Update(func(tx *store.Tx) error {
		id, err := api.ChannelParam(c, tx)
		if err != nil {
			return err
		}
		ok, err := tx.DeleteButtonAction(id, trigger)
		if err != nil {
			return err
		}
		if !ok {
			return api.NotFound("button action", trigger)
		}
		return c.SendStatus(fiber.StatusNoContent)
	})
}

// triggerOf returns the unescaped trigger of the path.
func triggerOf(c *fiber.Ctx) (string, error) {
	t := api.PathParam(c, "trigger")
	if t == "" || utf8.RuneCountInString(t) > maxTrigger {
		return "", api.Invalid("trigger", "must be 1 to %d characters: the button's payload or reply id", maxTrigger)
	}
	return t, nil
}
