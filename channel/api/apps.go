package api

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/ingest"
	"github.com/wachan/wachan/store"
)

// WebhookView is a channel's (or app's) webhook health: when Meta last
// verified the callback URL, when a delivery was last accepted, what was
// refused in the last 24 hours and why, and the updates no channel owns.
type WebhookView struct {
	// State is "verified", "refusing" (deliveries refused in the last 24 h,
	// whatever the handshake said) or "not_verified".
	State          string     `json:"state"`
	VerifiedAt     *time.Time `json:"verified_at,omitempty"`
	LastAcceptedAt *time.Time `json:"last_accepted_at,omitempty"`
	Refused24h     int        `json:"refused_24h"`
	LastRefusal    string     `json:"last_refusal,omitempty"`
	LastRefusedAt  *time.Time `json:"last_refused_at,omitempty"`
	// Unrouted24h counts the app's updates of the last 24 h that no
	// channel owns (listed at /api/v1/unrouted).
	Unrouted24h int `json:"unrouted_24h"`
}

// AppView is a Meta app as the API shows it.
type AppView struct {
	ID          string      `json:"id"`
	WebhookURL  string      `json:"webhook_url"`
	VerifyToken string      `json:"verify_token"`
	AppSecret   string      `json:"app_secret"`
	Channels    []string    `json:"channels"`
	Webhook     WebhookView `json:"webhook"`
	CreatedAt   time.Time   `json:"created_at"`
}

// timePtr returns &t, or nil for the zero time.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// webhookView combines what the handshake, the webhook handler and the
// kept unrouted updates say about app key.
func (a *API) webhookView(key string, verified time.Time, unrouted map[string]int) WebhookView {
	var h ingest.AppHealth
	if a.opts.Health != nil {
		h = a.opts.Health.App(key)
	}
	v := WebhookView{
		VerifiedAt: timePtr(verified), LastAcceptedAt: timePtr(h.LastAcceptedAt), Refused24h: h.Refused24h,
		LastRefusal: h.LastRefusal, LastRefusedAt: timePtr(h.LastRefusedAt), Unrouted24h: unrouted[key],
	}
	switch {
	case h.Refused24h > 0:
		v.State = "refusing"
	case !verified.IsZero():
		v.State = "verified"
	default:
		v.State = "not_verified"
	}
	return v
}

// unroutedByApp counts the kept unrouted updates of the last 24 hours per
// app key.
func (a *API) unroutedByApp(tx *store.Tx) (map[string]int, error) {
	since := a.opts.Now().Add(-24 * time.Hour)
	out := map[string]int{}
	err := tx.EachUnrouted(func(u *store.Unrouted) bool {
		if u.ReceivedAt.Before(since) {
			return false
		}
		key := u.AppID
		if key == "" {
			key = "channel:" + u.Via
		}
		out[key]++
		return true
	})
	return out, err
}

// appURL is the callback URL of app id.
func (a *API) appURL(id string) string { return a.opts.PublicURL + "/webhook/app/" + id }

func (a *API) listApps(c *fiber.Ctx) error {
	var out []AppView
	err := a.store.View(func(tx *store.Tx) error {
		apps, err := tx.Apps()
		if err != nil {
			return err
		}
		out, err = viewsWith(a, tx, apps, a.appView)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"apps": out})
}

// viewsWith renders every item of list with view, reading the unrouted counts
// once; the result is never nil, so it encodes as [] when list is empty.
func viewsWith[T, V any](a *API, tx *store.Tx, list []T, view func(*store.Tx, T, map[string]int) (V, error)) ([]V, error) {
	unrouted, err := a.unroutedByApp(tx)
	if err != nil {
		return nil, err
	}
	out := make([]V, 0, len(list))
	for _, item := range list {
		v, err := view(tx, item, unrouted)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (a *API) appView(tx *store.Tx, app *store.App, unrouted map[string]int) (AppView, error) {
	chans, err := tx.AppChannels(app.ID)
	if err != nil {
		return AppView{}, err
	}
	v := AppView{ID: app.ID, WebhookURL: a.appURL(app.ID), VerifyToken: app.VerifyToken, Channels: []string{},
		Webhook: a.webhookView(app.ID, app.VerifiedAt, unrouted), CreatedAt: app.CreatedAt}
	for _, ch := range chans {
		v.Channels = append(v.Channels, ch.ID)
		v.AppSecret = Mask(ch.AppSecret)
	}
	return v, nil
}

// appTx reads app id, a typed not-found error when there is none.
func appTx(tx *store.Tx, id string) (*store.App, error) {
	app, err := tx.App(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("app", id)
	}
	return app, err
}

// appViewTx renders app with the unrouted counts as they are in tx.
func (a *API) appViewTx(tx *store.Tx, app *store.App) (AppView, error) {
	unrouted, err := a.unroutedByApp(tx)
	if err != nil {
		return AppView{}, err
	}
	return a.appView(tx, app, unrouted)
}

func (a *API) getApp(c *fiber.Ctx) error {
	id := c.Params("id")
	var v AppView
	err := a.store.View(func(tx *store.Tx) error {
		app, err := appTx(tx, id)
		if err != nil {
			return err
		}
		v, err = a.appViewTx(tx, app)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// patchApp sets the app secret of every channel of the app at once (after
// "Reset app secret" in Meta's dashboard).
func (a *API) patchApp(c *fiber.Ctx) error {
	var in struct {
		AppSecret *string `json:"app_secret"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	id := c.Params("id")
	var v AppView
	err := a.store.Update(func(tx *store.Tx) error {
		app, err := appTx(tx, id)
		if err != nil {
			return err
		}
		if in.AppSecret != nil {
			if err := a.setAppSecret(tx, id, in.AppSecret); err != nil {
				return err
			}
		}
		v, err = a.appViewTx(tx, app)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// setAppSecret sets secret, checked as a channel's, on every channel of
// app id.
func (a *API) setAppSecret(tx *store.Tx, id string, secret *string) error {
	chans, err := tx.AppChannels(id)
	if err != nil {
		return err
	}
	probe := &store.Channel{AppSecret: ""}
	if len(chans) > 0 {
		probe.AppSecret = chans[0].AppSecret
	}
	if err := (&channelInput{AppSecret: secret}).apply(probe); err != nil {
		return err
	}
	if probe.AppSecret == "" {
		return invalid("app_secret", "is required")
	}
	now := a.opts.Now().UTC()
	for _, ch := range chans {
		ch.AppSecret, ch.UpdatedAt = probe.AppSecret, now
		if err := tx.PutChannel(ch); err != nil {
			return err
		}
	}
	return nil
}

// UnroutedView is a kept update no channel owns, with what to do.
type UnroutedView struct {
	store.Unrouted
	Fix string `json:"fix"`
}

// unroutedFix tells the admin what to do about u.
func unroutedFix(u *store.Unrouted) string {
	switch {
	case u.PhoneNumberID != "":
		num := u.PhoneNumberID
		if u.DisplayPhoneNumber != "" {
			num += " (+" + u.DisplayPhoneNumber + ")"
		}
		return "Meta sends this app's webhooks for number " + num + " here, and no channel has it. If wachan should serve it, add a channel with phone number id " +
			u.PhoneNumberID + " and this app's id, then Replay: the kept updates go to it. If another system serves it, give that number a callback override pointing at that system (Connect on its channel there, or POST /{phone-number-id} with webhook_configuration.override_callback_uri)."
	case u.WABAID != "":
		return "No channel belongs to WhatsApp Business Account " + u.WABAID + ". Add a channel of a number of that account (then Replay), or, if wachan should not hear about it, unsubscribe this app from the account (DELETE /" + u.WABAID + "/subscribed_apps). Template and account updates always go to the app's callback URL."
	default:
		return "The channel that received it no longer exists: recreate it, or ignore this update."
	}
}

func (a *API) listUnrouted(c *fiber.Ctx) error {
	limit := 100
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return invalid("limit", "must be 1 to 1000")
		}
		limit = n
	}
	var (
		list  []*store.Unrouted
		total uint64
	)
	if err := a.store.View(func(tx *store.Tx) (err error) { list, total, err = tx.UnroutedList(limit); return }); err != nil {
		return err
	}
	out := make([]UnroutedView, 0, len(list))
	for _, u := range list {
		out = append(out, UnroutedView{Unrouted: *u, Fix: unroutedFix(u)})
	}
	return c.JSON(fiber.Map{"total": total, "updates": out})
}

// replayUnrouted hands the kept updates that a channel now owns (one the
// admin added since) to that channel.
func (a *API) replayUnrouted(c *fiber.Ctx) error {
	var n int
	if err := a.store.Update(func(tx *store.Tx) (err error) { n, err = ingest.Replay(tx, a.opts.Now()); return }); err != nil {
		return err
	}
	if n > 0 && a.opts.Journaled != nil {
		a.opts.Journaled()
	}
	return c.JSON(fiber.Map{"replayed": n})
}

func (a *API) deleteUnrouted(c *fiber.Ctx) error {
	seq, err := strconv.ParseUint(c.Params("seq"), 10, 64)
	if err != nil {
		return notFound("unrouted update", c.Params("seq"))
	}
	if err := a.store.Update(func(tx *store.Tx) error { return tx.DeleteUnrouted(seq) }); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
