package api

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

// EventView is one account, template, quality or error notice from Meta
// as the admin API shows it.
type EventView struct {
	Seq  uint64          `json:"seq"`
	Kind string          `json:"kind"`
	At   time.Time       `json:"at"`
	Text string          `json:"text,omitempty"`
	Raw  json.RawMessage `json:"raw,omitempty"`
}

// channelEvents lists a channel's latest notices from Meta, newest first:
// ?limit= (1–500, default 50), ?kind= to keep one kind ("error"…).
func (a *API) channelEvents(c *fiber.Ctx) error {
	id := c.Params("id")
	if _, err := a.channel(id); err != nil {
		return err
	}
	limit := c.QueryInt("limit", 50)
	if limit < 1 || limit > 500 {
		return Invalid("limit", "must be between 1 and 500")
	}
	kind := c.Query("kind")
	var list []*store.Event
	err := a.store.View(func(tx *store.Tx) (err error) {
		list, err = tx.Events(id, 2000)
		return err
	})
	if err != nil {
		return err
	}
	out := make([]EventView, 0, min(limit, len(list)))
	for _, e := range list {
		if len(out) == limit {
			break
		}
		if kind != "" && e.Kind != kind {
			continue
		}
		out = append(out, EventView{Seq: e.Seq, Kind: e.Kind, At: e.At, Text: e.Text, Raw: e.Raw})
	}
	return c.JSON(fiber.Map{"events": out})
}
