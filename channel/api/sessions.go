package api

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/routing"
	"github.com/wachan/wachan/store"
)

// Sessions is what the API needs from the router.
type Sessions interface {
	Close(ctx context.Context, id uint64) error
	Transfer(ctx context.Context, id uint64, to store.Destination, hold bool) error
	Poke()
}

// ErrNoPBX is returned by session actions when routing is not running
// (Options.Sessions is nil); the daemon always runs it, with or without
// a PBX.
var ErrNoPBX = &Error{Status: fiber.StatusServiceUnavailable, Code: "no_pbx", Message: "sessions cannot be changed: routing is not running"}

func (a *API) listSessions(c *fiber.Ctx) error {
	state, channel, agent := c.Query("state"), c.Query("channel"), c.Query("agent")
	switch state {
	case "", "open", store.StateWaiting, store.StateActive, store.StateClosed:
	default:
		return invalid("state", `must be "open", "waiting", "active" or "closed", got %q`, state)
	}
	limit := 100
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return invalid("limit", "must be 1 to 1000, got %q", v)
		}
		limit = n
	}
	out := []*store.Session{}
	err := a.store.View(func(tx *store.Tx) error {
		return tx.Sessions(func(s *store.Session) bool {
			switch {
			case state == "open" && !s.Open(), state != "" && state != "open" && s.State != state:
			case channel != "" && s.ChannelID != channel:
			case agent != "" && s.Agent != agent:
			default:
				out = append(out, s)
			}
			return len(out) < limit
		})
	})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"sessions": out})
}

func sessionID(c *fiber.Ctx) (uint64, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return 0, notFound("session", c.Params("id"))
	}
	return id, nil
}

func (a *API) getSession(c *fiber.Ctx) error {
	id, err := sessionID(c)
	if err != nil {
		return err
	}
	var s *store.Session
	err = a.store.View(func(tx *store.Tx) (err error) { s, err = tx.Session(id); return })
	if errors.Is(err, store.ErrNotFound) {
		return notFound("session", c.Params("id"))
	}
	if err != nil {
		return err
	}
	return c.JSON(s)
}

func (a *API) sessionMessages(c *fiber.Ctx) error {
	id, err := sessionID(c)
	if err != nil {
		return err
	}
	var ms []*store.Message
	err = a.store.View(func(tx *store.Tx) error {
		if _, err := tx.Session(id); err != nil {
			return err
		}
		ms, err = tx.SessionMessages(id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return notFound("session", c.Params("id"))
	}
	if err != nil {
		return err
	}
	out := make([]fiber.Map, 0, len(ms))
	for _, m := range ms {
		v := messageView(m)
		v["session_id"] = m.SessionID
		if m.Agent != "" {
			v["agent"] = m.Agent
		}
		out = append(out, v)
	}
	return c.JSON(fiber.Map{"messages": out})
}

// sessionError maps router errors to API errors.
func sessionError(c *fiber.Ctx, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return notFound("session", c.Params("id"))
	case errors.Is(err, routing.ErrNotOpen):
		return &Error{Status: fiber.StatusConflict, Code: "session_closed", Message: "session " + c.Params("id") + " is already closed"}
	case errors.Is(err, routing.ErrNoTarget):
		return invalid("to", "%s", err.Error())
	case errors.Is(err, routing.ErrOffline):
		return &Error{Status: fiber.StatusConflict, Code: "extension_offline", Field: "to",
			Message: err.Error() + `: its messages would wait until its phone registers; send "hold": true to transfer anyway, or choose another destination`}
	}
	return err
}

func (a *API) closeSession(c *fiber.Ctx) error {
	if a.opts.Sessions == nil {
		return ErrNoPBX
	}
	id, err := sessionID(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 10*time.Second)
	defer cancel()
	if err := sessionError(c, a.opts.Sessions.Close(ctx, id)); err != nil {
		return err
	}
	return a.getSession(c)
}

type transferInput struct {
	To store.Destination `json:"to"`
	// Hold transfers to an offline extension, holding its messages.
	Hold bool `json:"hold"`
}

func (a *API) transferSession(c *fiber.Ctx) error {
	if a.opts.Sessions == nil {
		return ErrNoPBX
	}
	id, err := sessionID(c)
	if err != nil {
		return err
	}
	var in transferInput
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.To.Type != "extension" && in.To.Type != "queue" {
		return invalid("to.type", `must be "extension" or "queue", got %q`, in.To.Type)
	}
	if !extension.MatchString(in.To.ID) {
		return invalid("to.id", "must be an extension or queue name, got %q", in.To.ID)
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 10*time.Second)
	defer cancel()
	if err := sessionError(c, a.opts.Sessions.Transfer(ctx, id, in.To, in.Hold)); err != nil {
		return err
	}
	return a.getSession(c)
}
