// Package actions runs what a channel's buttons do: when a customer taps
// a template quick-reply button or an interactive reply button or list
// row, the payload or id picks the channel's action, which routes the
// conversation, answers with a text or a template, opts the customer out
// or posts a signed integration event for the integration to decide.
package actions

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/ingest"
	"github.com/wachan/wachan/channel/optout"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/store"
)

// EventName is the integration event an event action posts.
const EventName = "button.action"

// RouteTTL is how long a route action waits for the conversation it
// routes to open.
const RouteTTL = time.Hour

// Emitter records an integration event inside tx;
// (*integration.Service).Record satisfies it.
type Emitter func(tx *store.Tx, channelID, name string, data any) error

// Options wire a Service; zero values are usable.
type Options struct {
	// Emit posts event actions' events; nil drops them (logged).
	Emit Emitter
	// Wake is called after a commit that queued an answer (the outbox's
	// Wake); nil does nothing.
	Wake func()
	// Now is the clock; time.Now by default.
	Now func() time.Time
}

// Service runs button actions from the ingest pipeline.
type Service struct {
	log  *slog.Logger
	opts Options
}

// New returns a Service; log must not be nil.
func New(log *slog.Logger, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{log: log, opts: opts}
}

// Hooks returns the ingest hook that runs the action of each tapped
// button, in the transaction storing the tap. It must come before the
// routing hooks, so that a route action decides where the conversation
// it opens goes. A failing action is logged and never fails the webhook.
func (s *Service) Hooks() ingest.Hooks {
	return ingest.Hooks{Inbound: s.inbound}
}

// Tap is what a customer tapped, read from an inbound message.
type Tap struct {
	// Trigger is the quick-reply payload or the reply or row id.
	Trigger string `json:"trigger"`
	// Title is the button's or row's text.
	Title string `json:"title,omitempty"`
	// Kind is "quick_reply", "button_reply" or "list_reply".
	Kind string `json:"kind"`
	// Context is the wamid of the business message tapped.
	Context string `json:"context,omitempty"`
}

// TapOf returns the tap m carries, or nil when m is no tap.
func TapOf(m *store.Message) *Tap {
	if len(m.Raw) == 0 || (m.Type != "button" && m.Type != "interactive") {
		return nil
	}
	var w struct {
		Context struct {
			ID string `json:"id"`
		} `json:"context"`
		Button struct {
			Payload string `json:"payload"`
			Text    string `json:"text"`
		} `json:"button"`
		Interactive struct {
			Type        string `json:"type"`
			ButtonReply struct {
				ID, Title string
			} `json:"button_reply"`
			ListReply struct {
				ID, Title string
			} `json:"list_reply"`
		} `json:"interactive"`
	}
	if json.Unmarshal(m.Raw, &w) != nil {
		return nil
	}
	t := &Tap{Context: w.Context.ID}
	switch {
	case m.Type == "button":
		t.Kind, t.Trigger, t.Title = "quick_reply", w.Button.Payload, w.Button.Text
	case w.Interactive.Type == "button_reply":
		t.Kind, t.Trigger, t.Title = "button_reply", w.Interactive.ButtonReply.ID, w.Interactive.ButtonReply.Title
	case w.Interactive.Type == "list_reply":
		t.Kind, t.Trigger, t.Title = "list_reply", w.Interactive.ListReply.ID, w.Interactive.ListReply.Title
	}
	if t.Trigger == "" {
		return nil
	}
	return t
}

// EventData is the data of a button.action integration event.
type EventData struct {
	Event     string    `json:"event"`
	Tap       Tap       `json:"tap"`
	ChannelID string    `json:"channel_id"`
	Customer  string    `json:"customer"`
	Name      string    `json:"name,omitempty"`
	MessageID uint64    `json:"message_id"`
	WAMID     string    `json:"wamid"`
	Timestamp time.Time `json:"timestamp"`
}

func (s *Service) inbound(tx *store.Tx, ch *store.Channel, cust *store.Customer, m *store.Message) error {
	tap := TapOf(m)
	if tap == nil || cust == nil {
		return nil
	}
	a, err := tx.ButtonAction(ch.ID, tap.Trigger)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	if err := s.run(tx, ch, cust, m, tap, a); err != nil {
		s.log.Warn("button action failed", slog.String("channel", ch.ID), slog.String("trigger", tap.Trigger),
			slog.String("kind", a.Kind), slog.Any("error", err))
		return nil
	}
	s.log.Info("button action run", slog.String("channel", ch.ID), slog.String("trigger", tap.Trigger), slog.String("kind", a.Kind))
	return nil
}

// run does a for the tap in message m.
func (s *Service) run(tx *store.Tx, ch *store.Channel, cust *store.Customer, m *store.Message, tap *Tap, a *store.ButtonAction) error {
	now := s.opts.Now()
	switch a.Kind {
	case store.ActionRoute:
		if a.Destination == nil {
			return errors.New("route action without destination")
		}
		if _, err := tx.OpenSession(ch.ID, cust.Key); err == nil {
			return errors.New("the customer is already in a conversation; it keeps its agent")
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.PutReplyTo(ch.ID, cust.Key, &store.ReplyTo{Destination: *a.Destination, ExpiresAt: now.Add(RouteTTL).UTC()})
	case store.ActionText:
		return s.answer(tx, ch, cust, &cloudapi.Message{Text: &cloudapi.Text{Body: a.Text}}, now)
	case store.ActionTemplate:
		if a.Template == nil {
			return errors.New("template action without template")
		}
		var p templates.Params
		if len(a.Template.Params) > 0 {
			if err := json.Unmarshal(a.Template.Params, &p); err != nil {
				return fmt.Errorf("reading template params: %w", err)
			}
		}
		msg, err := templates.Build(tx, ch.ID, a.Template.Name, a.Template.Language, p)
		if err != nil {
			return err
		}
		return s.answer(tx, ch, cust, msg, now)
	case store.ActionOptOut:
		_, err := optout.Add(tx, ch.ID, cust.Key, "button:"+tap.Trigger, now)
		return err
	case store.ActionEvent:
		if s.opts.Emit == nil {
			return errors.New("no integration to post the event to")
		}
		return s.opts.Emit(tx, ch.ID, EventName, EventData{Event: a.Event, Tap: *tap, ChannelID: ch.ID, Customer: cust.Key,
			Name: cust.Name, MessageID: m.ID, WAMID: m.WAMID, Timestamp: m.Timestamp})
	}
	return fmt.Errorf("unknown action kind %q", a.Kind)
}

// answer queues msg to the customer.
func (s *Service) answer(tx *store.Tx, ch *store.Channel, cust *store.Customer, msg *cloudapi.Message, now time.Time) error {
	if cust.WaID != "" {
		msg.To = cust.WaID
	} else {
		msg.Recipient = cust.UserID
	}
	if _, err := outbox.Enqueue(tx, &outbox.Request{ChannelID: ch.ID, CustomerKey: cust.Key, Agent: "action", Message: msg}, now); err != nil {
		return err
	}
	if s.opts.Wake != nil {
		tx.OnCommit(s.opts.Wake)
	}
	return nil
}
