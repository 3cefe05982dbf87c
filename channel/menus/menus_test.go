package menus_test

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/menus"
	"github.com/wachan/wachan/store"
)

const ch = "sales"

// Monday 2 Nov 2026, 10:00 in London.
var monday10 = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

func hours() *store.BusinessHours {
	return &store.BusinessHours{TimeZone: "Europe/London", Weekly: map[string][]string{"mon": {"09:00-12:30", "13:30-17:00"}, "sat": {"10:00-14:00"}},
		Holidays: []string{"2026-12-25"}, Text: "We are closed; we answer from 9:00.", Queue: "nextday"}
}

func TestIsOpen(t *testing.T) {
	tests := []struct {
		at   time.Time
		want bool
	}{
		{monday10, true},
		{time.Date(2026, 11, 2, 12, 45, 0, 0, time.UTC), false}, // lunch
		{time.Date(2026, 11, 2, 16, 59, 0, 0, time.UTC), true},
		{time.Date(2026, 11, 2, 17, 0, 0, 0, time.UTC), false},
		{time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC), false},  // Tuesday: closed
		{time.Date(2026, 12, 26, 10, 0, 0, 0, time.UTC), true},  // a Saturday
		{time.Date(2026, 12, 25, 10, 0, 0, 0, time.UTC), false}, // holiday
		{time.Date(2026, 7, 6, 8, 30, 0, 0, time.UTC), true},    // 09:30 BST
	}
	for _, tt := range tests {
		if got, err := menus.IsOpen(hours(), tt.at); err != nil || got != tt.want {
			t.Errorf("IsOpen(%s) = %v %v, want %v", tt.at, got, err, tt.want)
		}
	}
	for field, h := range map[string]*store.BusinessHours{
		"business_hours.time_zone":  {TimeZone: "Mars/Olympus", Text: "x"},
		"business_hours.weekly":     {TimeZone: "UTC", Weekly: map[string][]string{"monday": {"09:00-10:00"}}, Text: "x"},
		"business_hours.weekly.mon": {TimeZone: "UTC", Weekly: map[string][]string{"mon": {"10:00-09:00"}}, Text: "x"},
		"business_hours.holidays":   {TimeZone: "UTC", Holidays: []string{"25/12/2026"}, Text: "x"},
		"business_hours.text":       {TimeZone: "UTC"},
	} {
		if got, err := menus.CheckHours(h); got != field || err == nil {
			t.Errorf("CheckHours(%+v) = %q %v, want %s", h, got, err, field)
		}
	}
}

// env is a real store with a channel, customers and a menu.
type env struct {
	st  *store.Store
	svc *menus.Service
	now time.Time
}

func newEnv(t *testing.T, menu *store.Menu) *env {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{Timeout: time.Second}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{st: st, now: monday10}
	e.svc = menus.New(st, slog.New(slog.DiscardHandler), menus.Options{Now: func() time.Time { return e.now }})
	err = st.Update(func(tx *store.Tx) error {
		if err := tx.PutChannel(&store.Channel{ID: ch, Name: "Sales"}); err != nil {
			return err
		}
		menu.ChannelID = ch
		return tx.PutMenu(menu)
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func menu() *store.Menu {
	return &store.Menu{Enabled: true, Text: "How can we help?", TimeoutMinutes: 5,
		Default: store.Destination{Type: "extension", ID: "1001"},
		Options: []store.MenuOption{
			{Title: "Sales", Destination: &store.Destination{Type: "queue", ID: "sales"}},
			{Title: "Support", Text: "Which product?", Options: []store.MenuOption{
				{Title: "Phones", Destination: &store.Destination{Type: "queue", ID: "phones"}},
				{Title: "Laptops", Destination: &store.Destination{Type: "extension", ID: "1005"}},
			}},
			{Title: "Billing", Destination: &store.Destination{Type: "extension", ID: "1009"}},
		}}
}

// says stores an inbound message of customer and asks the menu about it.
func (e *env) says(t *testing.T, customer, typ, text, raw string) bool {
	t.Helper()
	var held bool
	err := e.st.Update(func(tx *store.Tx) error {
		cust := &store.Customer{ChannelID: ch, Key: customer, WaID: customer, Name: "Ann", LastInAt: e.now}
		if err := tx.PutCustomer(cust); err != nil {
			return err
		}
		c, _ := tx.Channel(ch)
		m := &store.Message{ChannelID: ch, CustomerKey: customer, Direction: store.Inbound, Type: typ, Text: text, Raw: []byte(raw), Timestamp: e.now}
		if _, err := tx.AddMessage(m); err != nil {
			return err
		}
		var err error
		held, err = e.svc.Hold(tx, c, cust, m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return held
}

// routed returns where the customer's next conversation goes, or "".
func (e *env) routed(t *testing.T, customer string) string {
	t.Helper()
	var out string
	e.st.Update(func(tx *store.Tx) error {
		rt, err := tx.TakeReplyTo(ch, customer, e.now)
		if err == nil {
			out = rt.Destination.Type + " " + rt.Destination.ID
		} else if !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return nil
	})
	return out
}

// sent returns the bodies queued so far.
func (e *env) sent(t *testing.T) []string {
	t.Helper()
	var out []string
	e.st.View(func(tx *store.Tx) error {
		js, err := tx.Jobs()
		for _, j := range js {
			out = append(out, string(j.Payload))
		}
		return err
	})
	return out
}

func TestMenuChoices(t *testing.T) {
	e := newEnv(t, menu())
	// A first message gets the menu, as buttons with numbered choices.
	if !e.says(t, "4477009441", "text", "Hello", `{"type":"text"}`) {
		t.Fatal("first message not held")
	}
	if s := e.sent(t); len(s) != 1 || !strings.Contains(s[0], `"type":"button"`) || !strings.Contains(s[0], `1. Sales\n2. Support\n3. Billing`) ||
		!strings.Contains(s[0], `"id":"menu:2","title":"Support"`) {
		t.Fatalf("menu = %v", s)
	}
	// Typing the number picks the option.
	if e.says(t, "4477009441", "text", "1", `{"type":"text"}`) || e.routed(t, "4477009441") != "queue sales" {
		t.Fatal("typed 1 not routed to sales")
	}
	// A tap on a submenu shows it; a tap inside routes.
	e.says(t, "4477009442", "text", "Hi", `{"type":"text"}`)
	if !e.says(t, "4477009442", "interactive", "[button] Support", `{"type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"menu:2","title":"Support"}}}`) {
		t.Fatal("submenu answer not held")
	}
	if s := e.sent(t); len(s) != 3 || !strings.Contains(s[2], "Which product?") || !strings.Contains(s[2], `"id":"menu:2.1"`) {
		t.Fatalf("submenu = %v", s)
	}
	if e.says(t, "4477009442", "text", "laptops", `{"type":"text"}`) || e.routed(t, "4477009442") != "extension 1005" {
		t.Fatal("typed title not routed")
	}
	// An unknown answer goes to the default.
	e.says(t, "4477009443", "text", "Hi", `{"type":"text"}`)
	if e.says(t, "4477009443", "text", "what?", `{"type":"text"}`) || e.routed(t, "4477009443") != "extension 1001" {
		t.Fatal("unknown answer not routed to the default")
	}
	// So does an answer after the timeout.
	e.says(t, "4477009444", "text", "Hi", `{"type":"text"}`)
	e.now = e.now.Add(6 * time.Minute)
	if e.says(t, "4477009444", "text", "1", `{"type":"text"}`) || e.routed(t, "4477009444") != "extension 1001" {
		t.Fatal("late answer not routed to the default")
	}
	// A conversation whose destination is named already skips the menu.
	e.st.Update(func(tx *store.Tx) error {
		return tx.PutReplyTo(ch, "4477009445", &store.ReplyTo{Destination: store.Destination{Type: "queue", ID: "sales"}, ExpiresAt: e.now.Add(time.Hour)})
	})
	if e.says(t, "4477009445", "text", "Re: your offer", `{"type":"text"}`) {
		t.Fatal("a reply to a business message got the menu")
	}
}

func TestMenuOutOfHoursAndTimeout(t *testing.T) {
	m := menu()
	m.Options = m.Options[:1]
	m.Options = append(m.Options, store.MenuOption{Title: "Speak to a person now", Destination: &store.Destination{Type: "extension", ID: "1002"}})
	m.Hours = hours()
	e := newEnv(t, m)
	e.now = time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC) // Tuesday: closed
	if e.says(t, "4477009451", "text", "Hello", `{"type":"text"}`) {
		t.Fatal("out-of-hours message held")
	}
	if s := e.sent(t); len(s) != 1 || !strings.Contains(s[0], "We are closed") || e.routed(t, "4477009451") != "queue nextday" {
		t.Fatalf("out of hours = %v", s)
	}
	// In hours, a title too long for a button makes it a list; nobody
	// answers, and the timeout releases the message to the default.
	e.now = monday10
	var released []string
	e.svc = menus.New(e.st, slog.New(slog.DiscardHandler), menus.Options{Now: func() time.Time { return e.now },
		Release: func(tx *store.Tx, c *store.Channel, cust *store.Customer, msg *store.Message) error {
			rt, err := tx.PendingReplyTo(c.ID, cust.Key, e.now)
			if err != nil {
				return err
			}
			released = append(released, msg.Text+" -> "+rt.Destination.ID)
			return nil
		}})
	if !e.says(t, "4477009452", "text", "Anyone?", `{"type":"text"}`) {
		t.Fatal("not held")
	}
	if s := e.sent(t); len(s) != 2 || !strings.Contains(s[1], `"type":"list"`) || !strings.Contains(s[1], `"button":"Choose"`) {
		t.Fatalf("list menu = %v", s)
	}
	if err := e.svc.Expire(); err != nil || len(released) != 0 {
		t.Fatalf("expired early: %v %v", released, err)
	}
	e.now = e.now.Add(5 * time.Minute)
	if err := e.svc.Expire(); err != nil || strings.Join(released, ",") != "Anyone? -> 1001" {
		t.Fatalf("released = %v %v", released, err)
	}
	if err := e.svc.Expire(); err != nil || len(released) != 1 {
		t.Fatalf("released twice: %v", released)
	}
}
