// Package cannedapi serves canned replies on the admin API.
package cannedapi

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/canned"
	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// Handlers serves the canned reply routes.
type Handlers struct {
	store *store.Store
	now   func() time.Time
}

// New returns the handlers of the replies kept in st (not nil).
func New(st *store.Store) *Handlers { return &Handlers{store: st, now: time.Now} }

// Mount adds, for the admin: GET /canned-replies[?owner=], PUT and
// DELETE /canned-replies/:shortcut[?owner=] and
// POST /canned-replies/:shortcut/expand.
func (h *Handlers) Mount(r fiber.Router) {
	r.Get("/canned-replies", api.AdminOnly, h.list)
	r.Put("/canned-replies/:shortcut", api.AdminOnly, h.put)
	r.Delete("/canned-replies/:shortcut", api.AdminOnly, h.remove)
	r.Post("/canned-replies/:shortcut/expand", api.AdminOnly, h.expand)
}

// target returns the shortcut of the path and the owner of the query:
// "" for shared replies, an extension for personal ones.
func target(c *fiber.Ctx) (owner, shortcut string, err error) {
	shortcut = strings.ToLower(api.PathParam(c, "shortcut"))
	if err := canned.CheckShortcut(shortcut); err != nil {
		return "", "", api.Invalid("shortcut", "%s", err.Error())
	}
	return strings.Clone(c.Query("owner")), shortcut, nil
}

func (h *Handlers) list(c *fiber.Ctx) error {
	owner := strings.Clone(c.Query("owner"))
	out := fiber.Map{"variables": canned.Variables}
	err := h.store.View(func(tx *store.Tx) error {
		shared, err := tx.CannedReplies("")
		if err != nil {
			return err
		}
		out["shared"] = nonNil(shared)
		if owner != "" {
			mine, err := tx.CannedReplies(owner)
			if err != nil {
				return err
			}
			out["personal"] = nonNil(mine)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func nonNil(cs []*store.CannedReply) []*store.CannedReply {
	if cs == nil {
		return []*store.CannedReply{}
	}
	return cs
}

func (h *Handlers) put(c *fiber.Ctx) error {
	owner, shortcut, err := target(c)
	if err != nil {
		return err
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(c.Body(), &in); err != nil {
		return api.Invalid("body", "must be {\"text\": \"…\"}")
	}
	switch n := utf8.RuneCountInString(in.Text); {
	case strings.TrimSpace(in.Text) == "" || n > cloudapi.MaxTextBody:
		return api.Invalid("text", "must be 1 to %d characters", cloudapi.MaxTextBody)
	}
	if err := canned.CheckText(in.Text); err != nil {
		return api.Invalid("text", "%s", err.Error())
	}
	r := &store.CannedReply{Owner: owner, Shortcut: shortcut, Text: in.Text, UpdatedAt: h.now().UTC()}
	if err := h.store.Update(func(tx *store.Tx) error { return tx.PutCannedReply(r) }); err != nil {
		return err
	}
	return c.JSON(r)
}

func (h *Handlers) remove(c *fiber.Ctx) error {
	owner, shortcut, err := target(c)
	if err != nil {
		return err
	}
	return h.store.Update(func(tx *store.Tx) error {
		ok, err := tx.DeleteCannedReply(owner, shortcut)
		if err != nil {
			return err
		}
		if !ok {
			return api.NotFound("canned reply", shortcut)
		}
		return c.SendStatus(fiber.StatusNoContent)
	})
}

// expand fills a reply for a conversation: {"channel_id","customer",
// "extension"} → {"shortcut","text"}; the extension's own reply comes
// before the shared one.
func (h *Handlers) expand(c *fiber.Ctx) error {
	_, shortcut, err := target(c)
	if err != nil {
		return err
	}
	var in struct {
		ChannelID string `json:"channel_id"`
		Customer  string `json:"customer"`
		Extension string `json:"extension"`
	}
	if err := json.Unmarshal(c.Body(), &in); err != nil {
		return api.Invalid("body", "must be {\"channel_id\",\"customer\",\"extension\"}")
	}
	var text string
	err = h.store.View(func(tx *store.Tx) error {
		r, err := canned.Find(tx, in.Extension, shortcut)
		if errors.Is(err, store.ErrNotFound) {
			return api.NotFound("canned reply", shortcut)
		} else if err != nil {
			return err
		}
		v := canned.Vars{Extension: in.Extension}
		if in.ChannelID != "" {
			if v.Channel, err = tx.Channel(in.ChannelID); errors.Is(err, store.ErrNotFound) {
				return api.NotFound("channel", in.ChannelID)
			} else if err != nil {
				return err
			}
			if in.Customer != "" {
				if v.Customer, err = tx.Customer(in.ChannelID, in.Customer); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
		}
		text = canned.Expand(r.Text, v)
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"shortcut": shortcut, "text": text})
}
