package api

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/connect"
	"github.com/wachan/wachan/channel/ingest"
	"github.com/wachan/wachan/store"
)

// check runs Connect (in.Fix) or Test Connection on channel id and keeps
// the report with the channel.
func (a *API) check(ctx context.Context, id string, in connect.Input) (*store.CheckReport, error) {
	ch, err := a.channel(id)
	if err != nil {
		return nil, err
	}
	in.ChannelURL = a.opts.PublicURL + "/webhook/" + ch.ID
	in.VerifiedAt = ch.VerifiedAt
	if ch.AppID != "" {
		in.AppURL = a.appURL(ch.AppID)
		var app *store.App
		if err := a.store.View(func(tx *store.Tx) (err error) { app, err = tx.App(ch.AppID); return }); err == nil && app.VerifiedAt.After(in.VerifiedAt) {
			in.VerifiedAt = app.VerifiedAt
		}
	}
	if a.opts.Health != nil {
		h := a.opts.Health.App(ingest.AppKey(ch))
		in.Refused24h, in.LastRefusal = h.Refused24h, h.LastRefusal
	}
	in.Now = a.opts.Now
	ctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	rep, err := connect.Run(ctx, a.graph, ch, in)
	if errors.Is(err, connect.ErrBadPIN) {
		return nil, invalid("pin", "%s", err.Error())
	}
	if err != nil {
		return nil, err
	}
	err = a.store.Update(func(tx *store.Tx) error {
		cur, err := tx.Channel(id)
		if err != nil {
			return err
		}
		cur.Check = rep
		return tx.PutChannel(cur)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("channel", id)
	}
	return rep, err
}

// connectChannel is Connect: it checks and fixes what Meta needs for the
// channel, body {"pin"?, "override"?}.
func (a *API) connectChannel(c *fiber.Ctx) error {
	var in struct {
		PIN      string `json:"pin"`
		Override bool   `json:"override"`
	}
	if len(c.Body()) > 0 {
		if err := decode(c, &in); err != nil {
			return err
		}
	}
	// Copied: fiber reuses the buffer behind Params once the handler returns.
	id := string([]byte(c.Params("id")))
	rep, err := a.check(c.UserContext(), id, connect.Input{Fix: true, PIN: in.PIN, Override: in.Override})
	if err != nil {
		return err
	}
	if rep.OK {
		a.outbox.Wake() // a registered number may unblock parked sends
	}
	return c.JSON(rep)
}

// testChannel is Test Connection: Connect without changing anything. Its
// answer keeps the older shape (connected, verified_name, quality_rating
// or error) with the whole report in "check".
func (a *API) testChannel(c *fiber.Ctx) error {
	id := string([]byte(c.Params("id")))
	rep, err := a.check(c.UserContext(), id, connect.Input{})
	if err != nil {
		return err
	}
	out := fiber.Map{"connected": rep.Connected, "check": rep}
	if rep.Connected {
		out["display_phone_number"], out["verified_name"], out["quality_rating"] = rep.DisplayPhoneNumber, rep.VerifiedName, rep.QualityRating
	} else if len(rep.Steps) > 0 {
		s := rep.Steps[0]
		out["error"] = fiber.Map{"code": s.Code, "message": s.Detail, "explanation": s.Fix}
	}
	return c.JSON(out)
}
