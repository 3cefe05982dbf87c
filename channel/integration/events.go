package integration

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/ingest"
	"github.com/wachan/wachan/channel/routing"
	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// Event names an API key may subscribe to.
const (
	EventInbound       = "message.inbound"
	EventStatus        = "message.status"
	EventSessionOpened = "session.opened"
	EventSessionClosed = "session.closed"
	// EventEcho is a message the business typed in the WhatsApp
	// Business app (a number used in the app and the API at once).
	EventEcho = "message.echo"
	// EventError is an error Meta reported about the account, app or
	// system rather than one message (a webhook's value-level errors).
	EventError = "channel.error"
	// EventButtonAction is a customer's tap on a button whose action is to
	// tell the integration.
	EventButtonAction = "button.action"
)

// Events lists every event name, in order.
var Events = []string{EventInbound, EventStatus, EventSessionOpened, EventSessionClosed, EventEcho, EventError, EventButtonAction}

// Envelope is the JSON body of every event webhook.
type Envelope struct {
	// ID is unique per event; a redelivered event keeps its id.
	ID        string          `json:"id"`
	Event     string          `json:"event"`
	CreatedAt time.Time       `json:"created_at"`
	ChannelID string          `json:"channel_id"`
	Data      json.RawMessage `json:"data"`
}

// MessageData is the data of message.inbound and message.status events.
type MessageData struct {
	ID        uint64 `json:"id"`
	ChannelID string `json:"channel_id"`
	Customer  string `json:"customer"`
	Name      string `json:"customer_name,omitempty"`
	// Phone and UserID are the customer's number and business-scoped
	// user id, as far as Meta told them (inbound and echo events).
	Phone       string              `json:"customer_phone,omitempty"`
	UserID      string              `json:"customer_user_id,omitempty"`
	SessionID   uint64              `json:"session_id,omitempty"`
	Direction   string              `json:"direction"`
	Type        string              `json:"type"`
	Text        string              `json:"text,omitempty"`
	Status      string              `json:"status,omitempty"`
	StatusAt    time.Time           `json:"status_at,omitzero"`
	WAMID       string              `json:"wamid,omitempty"`
	KeyID       string              `json:"key_id,omitempty"`
	Error       *store.MessageError `json:"error,omitempty"`
	Timestamp   time.Time           `json:"timestamp"`
	Media       *MediaData          `json:"media,omitempty"`
	CampaignID  uint64              `json:"campaign_id,omitempty"`
	Agent       string              `json:"agent,omitempty"`
	Explanation string              `json:"explanation,omitempty"`
	// FlowResponse is the customer's answer to a Flow (interactive
	// nfm_reply), parsed from Meta's response_json.
	FlowResponse json.RawMessage `json:"flow_response,omitempty"`
	// Origin is "business_app" for a message typed in the WhatsApp
	// Business app.
	Origin string `json:"origin,omitempty"`
}

// MediaData describes an inbound message's file.
type MediaData struct {
	MIME     string `json:"mime_type,omitempty"`
	Filename string `json:"filename,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Size     int64  `json:"size,omitempty"`
}

// SessionData is the data of session.opened and session.closed events.
type SessionData struct {
	ID          uint64    `json:"id"`
	ChannelID   string    `json:"channel_id"`
	Customer    string    `json:"customer"`
	State       string    `json:"state"`
	Agent       string    `json:"agent,omitempty"`
	Queue       string    `json:"queue,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	CloseReason string    `json:"close_reason,omitempty"`
}

// ErrorData is the data of channel.error events.
type ErrorData struct {
	ChannelID string      `json:"channel_id"`
	Field     string      `json:"field"`
	Text      string      `json:"text"`
	Errors    []ErrorItem `json:"errors"`
	At        time.Time   `json:"at,omitzero"`
}

// ErrorItem is one error as Meta reported it.
type ErrorItem struct {
	Code    int    `json:"code"`
	Title   string `json:"title,omitempty"`
	Message string `json:"message,omitempty"`
	Details string `json:"details,omitempty"`
	Href    string `json:"href,omitempty"`
}

// Hooks returns the ingest hooks that record message.inbound,
// message.status and channel.error events, and wake the runner after
// each batch.
func (s *Service) Hooks() ingest.Hooks {
	return ingest.Hooks{
		Inbound: func(tx *store.Tx, ch *store.Channel, cust *store.Customer, m *store.Message) error {
			return s.record(tx, ch.ID, EventInbound, func() any {
				d := messageData(m)
				if cust != nil {
					d.Name, d.Phone, d.UserID = cust.Name, cust.WaID, cust.UserID
				}
				return d
			})
		},
		Status: func(tx *store.Tx, ch *store.Channel, m *store.Message) error {
			return s.record(tx, ch.ID, EventStatus, func() any { return messageData(m) })
		},
		Echo: func(tx *store.Tx, ch *store.Channel, cust *store.Customer, m *store.Message) error {
			return s.record(tx, ch.ID, EventEcho, func() any {
				d := messageData(m)
				d.Name, d.Phone, d.UserID = cust.Name, cust.WaID, cust.UserID
				return d
			})
		},
		Other: func(tx *store.Tx, ch *store.Channel, ev *wa.Event) error {
			if ev.Kind != wa.KindError {
				return nil
			}
			return s.record(tx, ch.ID, EventError, func() any { return errorData(ch.ID, ev) })
		},
		Committed: s.Wake,
	}
}

// Finished records a message.status event ("accepted" or "failed") for a
// send the outbox finished; it is an outbox Finished hook, called in the
// outbox's transaction.
func (s *Service) Finished(tx *store.Tx, ch *store.Channel, m *store.Message) error {
	if m.Status != "accepted" && m.Status != "failed" {
		// A status webhook got there first and was reported already.
		return nil
	}
	if err := s.record(tx, ch.ID, EventStatus, func() any { return messageData(m) }); err != nil {
		return err
	}
	tx.OnCommit(s.Wake)
	return nil
}

// SessionChanged records session.opened and session.closed events; it is
// a routing SessionChanged hook, called in the router's transaction.
func (s *Service) SessionChanged(tx *store.Tx, sess *store.Session, event string) error {
	var name string
	switch event {
	case routing.EventOpened:
		name = EventSessionOpened
	case routing.EventClosed:
		name = EventSessionClosed
	default:
		return nil
	}
	data := func() any {
		return SessionData{ID: sess.ID, ChannelID: sess.ChannelID, Customer: sess.CustomerKey, State: sess.State,
			Agent: sess.Agent, Queue: sess.Queue, CreatedAt: sess.CreatedAt, ClosedAt: sess.ClosedAt, CloseReason: sess.CloseReason}
	}
	if err := s.record(tx, sess.ChannelID, name, data); err != nil {
		return err
	}
	tx.OnCommit(s.Wake)
	return nil
}

// Record queues event name with data for every key subscribed to it
// that may use channel, inside tx, and wakes the runner after the commit.
func (s *Service) Record(tx *store.Tx, channel, name string, data any) error {
	if err := s.record(tx, channel, name, func() any { return data }); err != nil {
		return err
	}
	tx.OnCommit(s.Wake)
	return nil
}

func errorData(channel string, ev *wa.Event) ErrorData {
	d := ErrorData{ChannelID: channel, Field: ev.Field, Text: ev.Notice(), At: ev.Time}
	for _, e := range ev.Errors {
		d.Errors = append(d.Errors, ErrorItem{Code: e.Code, Title: e.Title, Message: e.Message, Details: e.Details, Href: e.Href})
	}
	return d
}

func messageData(m *store.Message) MessageData {
	d := MessageData{ID: m.ID, ChannelID: m.ChannelID, Customer: m.CustomerKey, SessionID: m.SessionID,
		Direction: m.Direction, Type: m.Type, Text: m.Text, Status: m.Status, StatusAt: m.StatusAt,
		WAMID: m.WAMID, KeyID: m.KeyID, Error: m.Error, Timestamp: m.Timestamp, CampaignID: m.CampaignID, Agent: m.Agent}
	if m.Media != nil {
		d.Media = &MediaData{MIME: m.Media.MIME, Filename: m.Media.Filename, Caption: m.Media.Caption, Size: m.Media.Size}
	}
	if m.Error != nil {
		d.Explanation = explain(m.Error)
	}
	d.Origin = m.Origin
	if m.Type == "interactive" && m.Direction == store.Inbound {
		d.FlowResponse = wa.FlowResponse(m.Raw)
	}
	return d
}

// record queues event name for every live key subscribed to it that may
// use channel, inside tx; data builds the payload, only when some key
// wants it (this runs for every webhook).
func (s *Service) record(tx *store.Tx, channel, name string, data func() any) error {
	keys, err := tx.APIKeys()
	if err != nil {
		return err
	}
	var raw json.RawMessage
	now := s.opts.Now().UTC()
	for _, k := range keys {
		if k.Revoked() || k.WebhookURL == "" || !slices.Contains(k.Events, name) || !slices.Contains(k.Channels, channel) {
			continue
		}
		if raw == nil {
			if raw, err = json.Marshal(data()); err != nil {
				return fmt.Errorf("encoding %s event: %w", name, err)
			}
		}
		env := Envelope{ID: newEventID(), Event: name, CreatedAt: now, ChannelID: channel, Data: raw}
		body, err := json.Marshal(env)
		if err != nil {
			return fmt.Errorf("encoding %s event: %w", name, err)
		}
		if _, err := tx.AddHookDelivery(&store.HookDelivery{KeyID: k.ID, EventID: env.ID, Event: name, Body: body, CreatedAt: now}); err != nil {
			return err
		}
	}
	return nil
}

func newEventID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "evt_" + hex.EncodeToString(b)
}

// explain is the plain-English reason for a failed message.
func explain(e *store.MessageError) string {
	return cloudapi.ExplainMeta(e.Code, e.Title, e.Details)
}
