package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/ingest"
	"github.com/wachan/wachan/store"
)

// channelInput is the body of POST and PATCH; nil fields are left alone by
// PATCH.
type channelInput struct {
	Name          *string            `json:"name"`
	Number        *string            `json:"number"`
	PhoneNumberID *string            `json:"phone_number_id"`
	WABAID        *string            `json:"waba_id"`
	AppID         *string            `json:"app_id"`
	AccessToken   *string            `json:"access_token"`
	AppSecret     *string            `json:"app_secret"`
	Destination   *store.Destination `json:"destination"`
	SendRate      *int               `json:"send_rate"`
}

// ChannelView is a channel as the API shows it, secrets masked (also
// decoded by the web panel).
type ChannelView struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	Number        string            `json:"number"`
	PhoneNumberID string            `json:"phone_number_id"`
	WABAID        string            `json:"waba_id"`
	AppID         string            `json:"app_id"`
	AccessToken   string            `json:"access_token"`
	AppSecret     string            `json:"app_secret"`
	WebhookURL    string            `json:"webhook_url"`
	VerifyToken   string            `json:"verify_token"`
	Destination   store.Destination `json:"destination"`
	SendRate      int               `json:"send_rate"`
	// AppWebhookURL and AppVerifyToken are the callback URL of the
	// channel's Meta app, shared by its channels (empty without app_id).
	AppWebhookURL  string `json:"app_webhook_url,omitempty"`
	AppVerifyToken string `json:"app_verify_token,omitempty"`
	// Verified is true only when Meta verified the channel's or its app's
	// URL and no delivery was refused in the last 24 hours.
	Verified   bool        `json:"webhook_verified"`
	VerifiedAt *time.Time  `json:"webhook_verified_at,omitempty"`
	Webhook    WebhookView `json:"webhook"`
	// Check is the last Connect or Test Connection, kept with the channel.
	Check     *store.CheckReport `json:"check,omitempty"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
}

// Mask hides a secret, keeping its last four characters when it is long
// enough for that to reveal nothing useful.
func Mask(s string) string {
	switch {
	case s == "":
		return ""
	case len(s) < 16:
		return "********"
	default:
		return "********" + s[len(s)-4:]
	}
}

// view shows ch; app is its Meta app (nil without app_id) and unrouted
// the recent unrouted updates per app key.
func (a *API) view(ch *store.Channel, app *store.App, unrouted map[string]int) ChannelView {
	v := ChannelView{
		ID: ch.ID, Name: ch.Name, Number: ch.Number, PhoneNumberID: ch.PhoneNumberID,
		WABAID: ch.WABAID, AppID: ch.AppID, AccessToken: Mask(ch.AccessToken), AppSecret: Mask(ch.AppSecret),
		WebhookURL: a.opts.PublicURL + "/webhook/" + ch.ID, VerifyToken: ch.VerifyToken,
		Destination: ch.Destination, SendRate: ch.SendRate, CreatedAt: ch.CreatedAt, UpdatedAt: ch.UpdatedAt,
		Check: ch.Check,
	}
	verified := ch.VerifiedAt
	if app != nil {
		v.AppWebhookURL, v.AppVerifyToken = a.appURL(app.ID), app.VerifyToken
		if app.VerifiedAt.After(verified) {
			verified = app.VerifiedAt
		}
	}
	v.Webhook = a.webhookView(ingest.AppKey(ch), verified, unrouted)
	v.VerifiedAt = v.Webhook.VerifiedAt
	v.Verified = v.Webhook.State == "verified"
	return v
}

// viewTx shows ch reading what view needs inside tx.
func (a *API) viewTx(tx *store.Tx, ch *store.Channel) (ChannelView, error) {
	unrouted, err := a.unroutedByApp(tx)
	if err != nil {
		return ChannelView{}, err
	}
	return a.viewWith(tx, ch, unrouted)
}

func (a *API) viewWith(tx *store.Tx, ch *store.Channel, unrouted map[string]int) (ChannelView, error) {
	var app *store.App
	if ch.AppID != "" {
		var err error
		app, err = tx.App(ch.AppID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return ChannelView{}, err
		}
	}
	return a.view(ch, app, unrouted), nil
}

// shareApp makes ch one of its app's channels: the app exists, and every
// channel of the app has one secret, the one just given (secretGiven) or
// else the app's.
func (a *API) shareApp(tx *store.Tx, ch *store.Channel, secretGiven bool) error {
	if ch.AppID == "" {
		return nil
	}
	if _, err := tx.EnsureApp(ch.AppID, a.opts.Now()); err != nil {
		return err
	}
	others, err := tx.AppChannels(ch.AppID)
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.ID == ch.ID {
			continue
		}
		if !secretGiven {
			ch.AppSecret = o.AppSecret
			return nil
		}
		if o.AppSecret != ch.AppSecret {
			o.AppSecret, o.UpdatedAt = ch.AppSecret, a.opts.Now().UTC()
			if err := tx.PutChannel(o); err != nil {
				return err
			}
			a.log.Info("app secret changed for another channel of the same Meta app", "app", ch.AppID, "channel", o.ID)
		}
	}
	return nil
}

var (
	digits   = regexp.MustCompile(`^[0-9]{1,32}$`)
	destID   = regexp.MustCompile(`^[A-Za-z0-9_.+-]{1,64}$`)
	noSpaces = regexp.MustCompile(`^\S+$`)
)

// apply copies in onto ch, validating every field it sets; secrets equal
// to their masked form are left unchanged so a panel can post back what it
// was shown.
func (in *channelInput) apply(ch *store.Channel) error {
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		if n == "" || len(n) > 100 {
			return invalid("name", "must be 1 to 100 characters")
		}
		ch.Name = n
	}
	if in.Number != nil {
		e164, err := parseE164(*in.Number)
		if err != nil {
			return invalid("number", "%s", err.Error())
		}
		ch.Number = e164
	}
	for _, f := range []struct {
		name string
		in   *string
		out  *string
	}{{"phone_number_id", in.PhoneNumberID, &ch.PhoneNumberID}, {"waba_id", in.WABAID, &ch.WABAID}, {"app_id", in.AppID, &ch.AppID}} {
		if f.in == nil {
			continue
		}
		v := strings.TrimSpace(*f.in)
		if v != "" && !digits.MatchString(v) {
			return invalid(f.name, "must be the numeric id shown in Meta's WhatsApp Manager, got %q", v)
		}
		*f.out = v
	}
	for _, f := range []struct {
		name string
		in   *string
		out  *string
	}{{"access_token", in.AccessToken, &ch.AccessToken}, {"app_secret", in.AppSecret, &ch.AppSecret}} {
		if f.in == nil || (*f.in == Mask(*f.out) && *f.out != "") {
			continue
		}
		v := strings.TrimSpace(*f.in)
		if !noSpaces.MatchString(v) || len(v) > 1024 {
			return invalid(f.name, "must be a single word of at most 1024 characters")
		}
		*f.out = v
	}
	if in.Destination != nil {
		d := *in.Destination
		if d.Type != "extension" && d.Type != "queue" {
			return invalid("destination.type", `must be "extension" or "queue", got %q`, d.Type)
		}
		if !destID.MatchString(d.ID) {
			return invalid("destination.id", "must be an extension number or queue name (letters, digits, _ . + -), got %q", d.ID)
		}
		ch.Destination = d
	}
	if in.SendRate != nil {
		if *in.SendRate < 0 || *in.SendRate > 1000 {
			return invalid("send_rate", "must be 0 (default) to 1000 messages per second, got %d", *in.SendRate)
		}
		ch.SendRate = *in.SendRate
	}
	return nil
}

// secretGiven reports whether in sets a new app secret on ch (not empty
// and not ch's secret masked, as a panel posts it back).
func (in *channelInput) secretGiven(ch *store.Channel) bool {
	if in.AppSecret == nil {
		return false
	}
	v := strings.TrimSpace(*in.AppSecret)
	return v != "" && !(ch.AppSecret != "" && v == Mask(ch.AppSecret))
}

// required checks the fields a channel cannot work without.
func required(ch *store.Channel) error {
	for _, f := range []struct{ name, v string }{
		{"name", ch.Name}, {"number", ch.Number}, {"phone_number_id", ch.PhoneNumberID},
		{"waba_id", ch.WABAID}, {"access_token", ch.AccessToken}, {"app_secret", ch.AppSecret},
		{"destination.id", ch.Destination.ID},
	} {
		if f.v == "" {
			return invalid(f.name, "is required")
		}
	}
	return nil
}

// unique refuses ch when another channel already has its phone number
// id: Meta's webhooks name the number by that id, so two channels with it
// could not be told apart.
func unique(tx *store.Tx, ch *store.Channel) error {
	list, err := tx.Channels()
	if err != nil {
		return err
	}
	for _, o := range list {
		if o.ID != ch.ID && o.PhoneNumberID == ch.PhoneNumberID {
			return &Error{Status: ErrDuplicate.Status, Code: ErrDuplicate.Code, Field: "phone_number_id",
				Message: fmt.Sprintf("phone_number_id: %s is already the number of channel %q (id %s); edit that channel instead", ch.PhoneNumberID, o.Name, o.ID)}
		}
	}
	return nil
}

func parseE164(s string) (string, error) { return cloudapi.ParseNumber(s) }

func decode(c *fiber.Ctx, v any) error {
	if err := json.Unmarshal(c.Body(), v); err != nil {
		msg := err.Error()
		if len(msg) > 120 {
			// Decoder errors may quote the offending value in full.
			msg = strings.ToValidUTF8(msg[:120], "") + "…"
		}
		return &Error{Status: ErrBadJSON.Status, Code: ErrBadJSON.Code, Message: "request body is not valid JSON: " + msg}
	}
	return nil
}

func (a *API) createChannel(c *fiber.Ctx) error {
	var in channelInput
	if err := decode(c, &in); err != nil {
		return err
	}
	now := a.opts.Now().UTC()
	ch := &store.Channel{ID: NewToken(10), VerifyToken: NewToken(20), CreatedAt: now, UpdatedAt: now}
	if in.Destination == nil {
		return invalid("destination", "is required: {\"type\":\"extension\"|\"queue\",\"id\":\"…\"}")
	}
	if err := in.apply(ch); err != nil {
		return err
	}
	var v ChannelView
	err := a.store.Update(func(tx *store.Tx) (err error) {
		if err := a.shareApp(tx, ch, in.secretGiven(ch)); err != nil {
			return err
		}
		if err := required(ch); err != nil {
			return err
		}
		if err := unique(tx, ch); err != nil {
			return err
		}
		if err := tx.PutChannel(ch); err != nil {
			return err
		}
		v, err = a.viewTx(tx, ch)
		return err
	})
	if err != nil {
		return err
	}
	a.log.Info("channel created", "channel", ch.ID, "number", ch.Number)
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (a *API) listChannels(c *fiber.Ctx) error {
	var out []ChannelView
	err := a.store.View(func(tx *store.Tx) error {
		list, err := tx.Channels()
		if err != nil {
			return err
		}
		out, err = viewsWith(a, tx, list, a.viewWith)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"channels": out})
}

func (a *API) channel(id string) (*store.Channel, error) {
	var ch *store.Channel
	err := a.store.View(func(tx *store.Tx) (err error) { ch, err = tx.Channel(id); return })
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("channel", id)
	}
	return ch, err
}

func (a *API) getChannel(c *fiber.Ctx) error {
	ch, err := a.channel(c.Params("id"))
	if err != nil {
		return err
	}
	var v ChannelView
	if err := a.store.View(func(tx *store.Tx) (err error) { v, err = a.viewTx(tx, ch); return }); err != nil {
		return err
	}
	return c.JSON(v)
}

func (a *API) patchChannel(c *fiber.Ctx) error {
	var in channelInput
	if err := decode(c, &in); err != nil {
		return err
	}
	id := c.Params("id")
	var v ChannelView
	err := a.store.Update(func(tx *store.Tx) error {
		ch, err := tx.Channel(id)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("channel", id)
		}
		if err != nil {
			return err
		}
		given := in.secretGiven(ch)
		if err := in.apply(ch); err != nil {
			return err
		}
		if err := a.shareApp(tx, ch, given); err != nil {
			return err
		}
		if err := required(ch); err != nil {
			return err
		}
		if err := unique(tx, ch); err != nil {
			return err
		}
		ch.UpdatedAt = a.opts.Now().UTC()
		if err := tx.PutChannel(ch); err != nil {
			return err
		}
		v, err = a.viewTx(tx, ch)
		return err
	})
	if err != nil {
		return err
	}
	a.outbox.Wake() // a replaced token may unblock parked sends
	return c.JSON(v)
}

func (a *API) deleteChannel(c *fiber.Ctx) error {
	id := c.Params("id")
	err := a.store.Update(func(tx *store.Tx) error { return tx.DeleteChannel(id) })
	if errors.Is(err, store.ErrNotFound) {
		return notFound("channel", id)
	}
	if err != nil {
		return err
	}
	a.log.Info("channel deleted", "channel", id)
	return c.SendStatus(fiber.StatusNoContent)
}
