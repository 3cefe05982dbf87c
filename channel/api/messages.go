package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/optout"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/store"
)

// Window is how long after a customer's last message free text may be sent.
const Window = 24 * time.Hour

// ReplyToTTL is how long a send's reply_to waits for the customer's
// answer.
const ReplyToTTL = 7 * 24 * time.Hour

// HeaderIdempotencyKey makes a send safe to retry: the same key (per
// credential) and body return the first send's message.
const HeaderIdempotencyKey = "Idempotency-Key"

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// maxIdempotencyKey bounds an Idempotency-Key's length.
const maxIdempotencyKey = 255

// ErrIdempotencyMismatch answers a reused Idempotency-Key with another
// body.
var ErrIdempotencyMismatch = &Error{Status: fiber.StatusUnprocessableEntity, Code: "idempotency_mismatch",
	Message: "this Idempotency-Key was already used with a different request body; use a new key for a new message"}

type sendInput struct {
	ChannelID string          `json:"channel_id"`
	To        string          `json:"to"`
	Text      string          `json:"text,omitempty"`
	Template  json.RawMessage `json:"template,omitempty"`
	// Interactive and Location are free-form messages, like Text.
	Interactive *interactiveInput `json:"interactive,omitempty"`
	Location    *locationInput    `json:"location,omitempty"`
	// ReplyTo is where the customer's answer opens a session; nil uses the
	// channel's destination.
	ReplyTo *store.Destination `json:"reply_to,omitempty"`
}

// hash identifies the request for Idempotency-Key checks.
func (in *sendInput) hash() string {
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// sendMessage queues free text to a customer inside their service window,
// or a template at any time.
func (a *API) sendMessage(c *fiber.Ctx) error {
	p := PrincipalOf(c)
	var in sendInput
	if err := decode(c, &in); err != nil {
		return err
	}
	idemKey := c.Get(HeaderIdempotencyKey)
	if len(idemKey) > maxIdempotencyKey || strings.ContainsFunc(idemKey, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		return invalid(HeaderIdempotencyKey, "must be at most %d printable ASCII characters", maxIdempotencyKey)
	}
	if in.ChannelID == "" {
		return invalid("channel_id", "is required")
	}
	if !p.CanUse(in.ChannelID) {
		return ErrForbidden
	}
	in.To = strings.TrimPrefix(strings.TrimSpace(in.To), "+")
	if in.To == "" {
		return invalid("to", "is required (the customer's wa_id or number)")
	}
	if err := in.checkKind(); err != nil {
		return err
	}
	if len(in.Text) > cloudapi.MaxTextBody {
		return invalid("text", "must be at most %d bytes", cloudapi.MaxTextBody)
	}
	if in.ReplyTo != nil {
		if in.ReplyTo.Type != "extension" && in.ReplyTo.Type != "queue" {
			return invalid("reply_to.type", "must be \"extension\" or \"queue\"")
		}
		if strings.TrimSpace(in.ReplyTo.ID) == "" {
			return invalid("reply_to.id", "is required")
		}
	}
	owner := p.KeyID
	if p.Admin {
		owner = "admin"
	}
	hash := in.hash()
	now := a.opts.Now()
	var (
		m      *store.Message
		replay bool
	)
	err := a.store.Update(func(tx *store.Tx) error {
		if idemKey != "" {
			rec, err := tx.Idempotency(owner, idemKey)
			if err == nil && now.Sub(rec.CreatedAt) >= IdempotencyTTL {
				// Expired, not yet swept: the key is free again.
				err = store.ErrNotFound
			}
			switch {
			case err == nil && rec.BodyHash != hash:
				return ErrIdempotencyMismatch
			case err == nil:
				replay = true
				m, err = tx.Message(rec.MessageID)
				return err
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		var err error
		if m, err = a.enqueue(tx, &in, p, now); err != nil {
			return err
		}
		if idemKey != "" {
			if err := tx.PutIdempotency(owner, idemKey, &store.Idempotency{MessageID: m.ID, BodyHash: hash, CreatedAt: now.UTC()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if replay {
		c.Set("Idempotent-Replayed", "true")
		return c.JSON(messageView(m))
	}
	a.outbox.Wake()
	return c.Status(fiber.StatusAccepted).JSON(messageView(m))
}

// phoneDigits returns the digits of a phone number written with a leading
// + and common separators, or false when s is not such a number.
func phoneDigits(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && b.Len() == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return "", false
		}
	}
	d := b.String()
	return d, len(d) >= 7 && len(d) <= 15
}

// enqueue checks in against the store and queues it inside tx.
func (a *API) enqueue(tx *store.Tx, in *sendInput, p *Principal, now time.Time) (*store.Message, error) {
	ch, err := tx.Channel(in.ChannelID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("channel", in.ChannelID)
	}
	if err != nil {
		return nil, err
	}
	if in.ReplyTo != nil && in.ReplyTo.Type == "queue" {
		if _, err := tx.Queue(in.ReplyTo.ID); errors.Is(err, store.ErrNotFound) {
			return nil, invalid("reply_to.id", "no queue %q", in.ReplyTo.ID)
		} else if err != nil {
			return nil, err
		}
	}
	to := in.To
	if digits, ok := phoneDigits(in.To); ok {
		to = digits // "+44 7911 123456" names the customer 447911123456
	}
	cust, err := tx.Customer(ch.ID, to)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if cust != nil {
		to = cust.Key
	}
	if o, err := optout.Get(tx, ch.ID, to); err != nil {
		return nil, err
	} else if o != nil {
		return nil, &Error{Status: ErrOptedOut.Status, Code: ErrOptedOut.Code,
			Message: fmt.Sprintf("the customer opted out (%s) on %s: integrations and campaigns do not message them", o.Word, o.At.Format("2006-01-02"))}
	}
	var (
		msg     *cloudapi.Message
		summary string
	)
	if len(in.Template) > 0 && string(in.Template) != "null" {
		if msg, err = buildTemplate(tx, ch.ID, in.Template); err != nil {
			return nil, err
		}
	} else {
		if cust == nil || now.Sub(cust.LastInAt) > Window {
			return nil, ErrWindowClosed
		}
		msg, summary = in.freeForm()
	}
	key := to
	switch {
	case cust != nil && cust.WaID != "":
		key, msg.To = cust.Key, cust.WaID
	case cust != nil:
		key, msg.Recipient = cust.Key, cust.UserID
	case isDigits(to):
		msg.To = to
	default:
		msg.Recipient = to
	}
	m, err := outbox.Enqueue(tx, &outbox.Request{ChannelID: ch.ID, CustomerKey: key, Agent: "api", Message: msg, Text: summary, KeyID: p.KeyID}, now)
	if errors.Is(err, cloudapi.ErrInvalidMessage) {
		var ie *cloudapi.ValidationError
		if errors.As(err, &ie) {
			return nil, invalid(ie.Field, "%s", ie.Reason)
		}
		return nil, invalid("message", "%s", err.Error())
	}
	if err != nil {
		return nil, err
	}
	if in.ReplyTo == nil {
		return m, tx.DeleteReplyTo(ch.ID, key)
	}
	return m, tx.PutReplyTo(ch.ID, key, &store.ReplyTo{Destination: *in.ReplyTo, KeyID: p.KeyID, MessageID: m.ID, ExpiresAt: now.Add(ReplyToTTL).UTC()})
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
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
	if p := PrincipalOf(c); !p.CanUse(m.ChannelID) && (p.KeyID == "" || m.KeyID != p.KeyID) {
		return ErrForbidden
	}
	return c.JSON(messageView(m))
}

// errorView is a message error with its plain-English explanation.
type errorView struct {
	*store.MessageError
	Explanation string `json:"explanation"`
}

func explainError(e *store.MessageError) *errorView {
	if e == nil {
		return nil
	}
	return &errorView{MessageError: e, Explanation: cloudapi.Explain(e.Code, 0, e.Details)}
}

type trailView struct {
	Status string     `json:"status"`
	At     time.Time  `json:"at"`
	Error  *errorView `json:"error,omitempty"`
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
		v["error"] = explainError(m.Error)
	}
	if m.KeyID != "" {
		v["key_id"] = m.KeyID
	}
	if m.SessionID != 0 {
		v["session_id"] = m.SessionID
	}
	trail := make([]trailView, 0, len(m.Trail))
	for _, s := range m.Trail {
		trail = append(trail, trailView{Status: s.Status, At: s.At, Error: explainError(s.Error)})
	}
	v["trail"] = trail
	return v
}

// templateInput is a send's "template" object.
type templateInput struct {
	Name       string           `json:"name"`
	Language   string           `json:"language"`
	Params     templates.Params `json:"params"`
	Components json.RawMessage  `json:"components"`
}

// buildTemplate returns the template message raw asks for, checked
// against channelID's stored templates.
func buildTemplate(tx *store.Tx, channelID string, raw json.RawMessage) (*cloudapi.Message, error) {
	var t templateInput
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, invalid("template", "must be {\"name\",\"language\",\"params\"}: %s", err.Error())
	}
	if len(t.Components) > 0 {
		return nil, invalid("template.components", "give params instead; wachan builds the components from the stored template")
	}
	if t.Name == "" {
		return nil, invalid("template.name", "is required")
	}
	m, err := templates.Build(tx, channelID, t.Name, t.Language, t.Params)
	var te *templates.Error
	if errors.As(err, &te) {
		e := &Error{Status: te.HTTPStatus(), Code: te.Code, Message: te.Message}
		if te.Field != "" {
			e.Field = "template." + te.Field
		}
		return nil, e
	}
	return m, err
}
