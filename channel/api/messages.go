package api

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/store"
)

// Window is how long after a customer's last message free text may be sent.
const Window = 24 * time.Hour

type sendInput struct {
	ChannelID string `json:"channel_id"`
	To        string `json:"to"`
	Text      string `json:"text"`
}

// sendMessage queues free text to a customer inside their service window.
func (a *API) sendMessage(c *fiber.Ctx) error {
	var in sendInput
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.ChannelID == "" {
		return invalid("channel_id", "is required")
	}
	to := strings.TrimPrefix(strings.TrimSpace(in.To), "+")
	if to == "" {
		return invalid("to", "is required (the customer's wa_id or number)")
	}
	if strings.TrimSpace(in.Text) == "" {
		return invalid("text", "is required")
	}
	if len(in.Text) > cloudapi.MaxTextBody {
		return invalid("text", "must be at most %d bytes", cloudapi.MaxTextBody)
	}
	now := a.opts.Now()
	var m *store.Message
	err := a.store.Update(func(tx *store.Tx) error {
		if _, err := tx.Channel(in.ChannelID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return notFound("channel", in.ChannelID)
			}
			return err
		}
		cust, err := tx.Customer(in.ChannelID, to)
		if errors.Is(err, store.ErrNotFound) || (err == nil && now.Sub(cust.LastInAt) > Window) {
			return ErrWindowClosed
		}
		if err != nil {
			return err
		}
		msg := &cloudapi.Message{Text: &cloudapi.Text{Body: in.Text}}
		if cust.WaID != "" {
			msg.To = cust.WaID
		} else {
			msg.Recipient = cust.UserID
		}
		m, err = outbox.Enqueue(tx, &outbox.Request{ChannelID: in.ChannelID, CustomerKey: cust.Key, Agent: "api", Message: msg}, now)
		if errors.Is(err, cloudapi.ErrInvalidMessage) {
			return invalid("text", "%s", err.Error())
		}
		return err
	})
	if err != nil {
		return err
	}
	a.outbox.Wake()
	return c.Status(fiber.StatusAccepted).JSON(messageView(m))
}

func (a *API) getMessage(c *fiber.Ctx) error {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return notFound("message", c.Params("id"))
	}
	var m *store.Message
	err = a.store.View(func(tx *store.Tx) (err error) { m, err = tx.Message(id); return })
	if errors.Is(err, store.ErrNotFound) {
		return notFound("message", c.Params("id"))
	}
	if err != nil {
		return err
	}
	return c.JSON(messageView(m))
}

func messageView(m *store.Message) fiber.Map {
	v := fiber.Map{
		"id": m.ID, "channel_id": m.ChannelID, "customer": m.CustomerKey, "direction": m.Direction,
		"type": m.Type, "text": m.Text, "status": m.Status, "timestamp": m.Timestamp,
	}
	if m.WAMID != "" {
		v["wamid"] = m.WAMID
	}
	if m.Error != nil {
		v["error"] = m.Error
	}
	return v
}
