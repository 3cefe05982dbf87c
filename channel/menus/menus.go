// Package menus runs channels' chat menus: a new conversation's first
// message is answered with a list or buttons (and the same choices
// numbered, for customers who type "1"), and the choice routes the
// conversation to a queue or extension; a submenu can refine it once. A
// timeout or an unknown answer routes to the menu's default destination.
// Business hours pick between the menu and an out-of-hours answer, with
// an optional queue for next-day handling.
package menus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wachan/wachan/channel/actions"
	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/store"
)

// DefaultTimeout is how long a menu without its own timeout waits.
const DefaultTimeout = 10 * time.Minute

// routeTTL is how long a chosen destination waits for routing to use it.
const routeTTL = time.Hour

// Options wire a Service; zero values are usable.
type Options struct {
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// Wake is called after a commit that queued a menu or an answer.
	Wake func()
	// Release hands a held message to routing once its menu timed out
	// (the router's Inbound hook); nil only forgets the menu.
	Release func(tx *store.Tx, ch *store.Channel, cust *store.Customer, m *store.Message) error
	// Check is how often timeouts are looked for; 15 s by default.
	Check time.Duration
}

// Service answers new conversations with channels' menus.
type Service struct {
	st   *store.Store
	log  *slog.Logger
	opts Options
}

// New returns a Service over st; st and log must not be nil.
func New(st *store.Store, log *slog.Logger, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Check <= 0 {
		opts.Check = 15 * time.Second
	}
	return &Service{st: st, log: log, opts: opts}
}

// Hold is routing's hook for a customer message that would open a new
// conversation: it reports true when the menu keeps the message (a menu
// was sent, or a submenu), false to route it, after naming the chosen
// destination as the conversation's reply-to. Failures to send are
// logged and the message is routed as if there were no menu.
func (s *Service) Hold(tx *store.Tx, ch *store.Channel, cust *store.Customer, m *store.Message) (bool, error) {
	if cust == nil || m == nil || m.Direction != store.Inbound {
		return false, nil
	}
	menu, err := tx.Menu(ch.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	now := s.opts.Now()
	st, err := tx.MenuState(ch.ID, cust.Key)
	switch {
	case err == nil:
		return s.answer(tx, ch, cust, m, menu, st, now)
	case !errors.Is(err, store.ErrNotFound):
		return false, err
	}
	// A destination named already (a reply to a business message, a
	// button's route action, a timed-out menu) is where it goes.
	if _, err := tx.PendingReplyTo(ch.ID, cust.Key, now); err == nil {
		return false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	if h := menu.Hours; h != nil {
		open, err := IsOpen(h, now)
		if err != nil {
			s.log.Warn("checking business hours", slog.String("channel", ch.ID), slog.Any("error", err))
		} else if !open {
			return false, s.outOfHours(tx, ch, cust, h, now)
		}
	}
	if !menu.Enabled || len(menu.Options) == 0 {
		return false, nil
	}
	if err := s.sendMenu(tx, ch, cust, menu, -1, now); err != nil {
		s.log.Warn("sending the chat menu", slog.String("channel", ch.ID), slog.Any("error", err))
		return false, nil
	}
	if err := tx.IndexMessage(m); err != nil {
		return false, err
	}
	return true, tx.PutMenuState(&store.MenuState{ChannelID: ch.ID, CustomerKey: cust.Key, Path: -1, SentAt: now.UTC(), Held: []uint64{m.ID}})
}

// outOfHours sends the out-of-hours answer and, when the hours name a
// queue, routes the conversation there.
func (s *Service) outOfHours(tx *store.Tx, ch *store.Channel, cust *store.Customer, h *store.BusinessHours, now time.Time) error {
	msg := &cloudapi.Message{Text: &cloudapi.Text{Body: h.Text}}
	if h.Template != nil {
		var p templates.Params
		if len(h.Template.Params) > 0 {
			if err := json.Unmarshal(h.Template.Params, &p); err != nil {
				s.log.Warn("reading the out-of-hours template's params", slog.String("channel", ch.ID), slog.Any("error", err))
			}
		}
		var err error
		if msg, err = templates.Build(tx, ch.ID, h.Template.Name, h.Template.Language, p); err != nil {
			s.log.Warn("building the out-of-hours template", slog.String("channel", ch.ID), slog.Any("error", err))
			msg = nil
		}
	}
	if msg != nil && (msg.Template != nil || h.Text != "") {
		if err := s.send(tx, ch, cust, msg, "", now); err != nil {
			s.log.Warn("sending the out-of-hours answer", slog.String("channel", ch.ID), slog.Any("error", err))
		}
	}
	if h.Queue == "" {
		return nil
	}
	return route(tx, ch, cust, store.Destination{Type: "queue", ID: h.Queue}, now)
}

// route names dest as where the conversation routing opens next goes.
func route(tx *store.Tx, ch *store.Channel, cust *store.Customer, dest store.Destination, now time.Time) error {
	return tx.PutReplyTo(ch.ID, cust.Key, &store.ReplyTo{Destination: dest, ExpiresAt: now.Add(routeTTL).UTC()})
}

// level returns the options shown at path (-1: the top menu).
func level(menu *store.Menu, path int) (text string, opts []store.MenuOption) {
	if path >= 0 && path < len(menu.Options) {
		o := menu.Options[path]
		return o.Text, o.Options
	}
	return menu.Text, menu.Options
}

// optionID is the reply id of option i at path.
func optionID(path, i int) string {
	if path < 0 {
		return fmt.Sprintf("menu:%d", i+1)
	}
	return fmt.Sprintf("menu:%d.%d", path+1, i+1)
}

// sendMenu sends the options at path: reply buttons when they fit (up to
// three short titles), a list otherwise, with the choices numbered in the
// text for customers who type their answer.
func (s *Service) sendMenu(tx *store.Tx, ch *store.Channel, cust *store.Customer, menu *store.Menu, path int, now time.Time) error {
	text, opts := level(menu, path)
	var b strings.Builder
	b.WriteString(text)
	b.WriteString("\n")
	buttons := len(opts) <= cloudapi.MaxButtons
	for i, o := range opts {
		fmt.Fprintf(&b, "\n%d. %s", i+1, o.Title)
		buttons = buttons && utf8.RuneCountInString(o.Title) <= cloudapi.MaxButtonTitle
	}
	b.WriteString("\n\nTap a choice or reply with its number.")
	in := &cloudapi.Interactive{Type: cloudapi.InteractiveButton, Body: b.String()}
	var rows []cloudapi.Row
	for i, o := range opts {
		in.Buttons = append(in.Buttons, cloudapi.Button{ID: optionID(path, i), Title: o.Title})
		rows = append(rows, cloudapi.Row{ID: optionID(path, i), Title: o.Title})
	}
	if !buttons {
		label := menu.Button
		if label == "" {
			label = "Choose"
		}
		in.Type, in.Buttons, in.Button, in.Sections = cloudapi.InteractiveList, nil, label, []cloudapi.Section{{Rows: rows}}
	}
	return s.send(tx, ch, cust, &cloudapi.Message{Interactive: in}, b.String(), now)
}

// send queues msg to the customer.
func (s *Service) send(tx *store.Tx, ch *store.Channel, cust *store.Customer, msg *cloudapi.Message, text string, now time.Time) error {
	if cust.WaID != "" {
		msg.To = cust.WaID
	} else {
		msg.Recipient = cust.UserID
	}
	if _, err := outbox.Enqueue(tx, &outbox.Request{ChannelID: ch.ID, CustomerKey: cust.Key, Agent: "menu", Message: msg, Text: text}, now); err != nil {
		return err
	}
	if s.opts.Wake != nil {
		tx.OnCommit(s.opts.Wake)
	}
	return nil
}

// choice returns the index of the option m picks at path, or -1.
func choice(m *store.Message, path int, opts []store.MenuOption) int {
	if tap := actions.TapOf(m); tap != nil {
		for i := range opts {
			if tap.Trigger == optionID(path, i) {
				return i
			}
		}
		return -1
	}
	text := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(m.Text), ".)"))
	if n, err := strconv.Atoi(text); err == nil && n >= 1 && n <= len(opts) {
		return n - 1
	}
	for i, o := range opts {
		if strings.EqualFold(text, o.Title) {
			return i
		}
	}
	return -1
}

// answer applies m to the menu the customer was sent.
func (s *Service) answer(tx *store.Tx, ch *store.Channel, cust *store.Customer, m *store.Message, menu *store.Menu, st *store.MenuState, now time.Time) (bool, error) {
	if err := tx.DeleteMenuState(ch.ID, cust.Key); err != nil {
		return false, err
	}
	if now.Sub(st.SentAt) >= timeout(menu) {
		return false, route(tx, ch, cust, menu.Default, now)
	}
	_, opts := level(menu, st.Path)
	i := choice(m, st.Path, opts)
	switch {
	case i < 0:
		return false, route(tx, ch, cust, menu.Default, now)
	case opts[i].Destination != nil:
		return false, route(tx, ch, cust, *opts[i].Destination, now)
	case st.Path < 0 && len(opts[i].Options) > 0:
		if err := s.sendMenu(tx, ch, cust, menu, i, now); err != nil {
			s.log.Warn("sending the chat submenu", slog.String("channel", ch.ID), slog.Any("error", err))
			return false, route(tx, ch, cust, menu.Default, now)
		}
		if err := tx.IndexMessage(m); err != nil {
			return false, err
		}
		st.Path, st.SentAt, st.Held = i, now.UTC(), append(st.Held, m.ID)
		return true, tx.PutMenuState(st)
	}
	return false, route(tx, ch, cust, menu.Default, now)
}

func timeout(menu *store.Menu) time.Duration {
	if menu.TimeoutMinutes > 0 {
		return time.Duration(menu.TimeoutMinutes) * time.Minute
	}
	return DefaultTimeout
}

// Run routes, until ctx ends, the conversations whose menu timed out to
// the menu's default destination, releasing their last held message.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.opts.Check)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Expire(); err != nil {
				s.log.Warn("expiring chat menus", slog.Any("error", err))
			}
		}
	}
}

// Expire routes the conversations whose menu timed out now. It writes
// only when some menu waits.
func (s *Service) Expire() error {
	now := s.opts.Now()
	var waiting int
	if err := s.st.View(func(tx *store.Tx) error {
		states, err := tx.MenuStates()
		waiting = len(states)
		return err
	}); err != nil || waiting == 0 {
		return err
	}
	return s.st.Update(func(tx *store.Tx) error {
		states, err := tx.MenuStates()
		if err != nil {
			return err
		}
		for _, st := range states {
			if err := s.expire(tx, st, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Service) expire(tx *store.Tx, st *store.MenuState, now time.Time) error {
	menu, err := tx.Menu(st.ChannelID)
	if errors.Is(err, store.ErrNotFound) {
		return tx.DeleteMenuState(st.ChannelID, st.CustomerKey)
	} else if err != nil {
		return err
	}
	if now.Sub(st.SentAt) < timeout(menu) {
		return nil
	}
	if err := tx.DeleteMenuState(st.ChannelID, st.CustomerKey); err != nil {
		return err
	}
	ch, err1 := tx.Channel(st.ChannelID)
	cust, err2 := tx.Customer(st.ChannelID, st.CustomerKey)
	if err1 != nil || err2 != nil || len(st.Held) == 0 {
		return nil
	}
	if err := route(tx, ch, cust, menu.Default, now); err != nil {
		return err
	}
	m, err := tx.Message(st.Held[len(st.Held)-1])
	if err != nil || s.opts.Release == nil {
		return nil
	}
	s.log.Info("chat menu timed out; routing to the default", slog.String("channel", ch.ID))
	return s.opts.Release(tx, ch, cust, m)
}
