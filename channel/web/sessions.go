package web

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

// sessionFilter is the chat log search.
type sessionFilter struct {
	Channel, Agent, State, Customer, From, To, Text string
}

type sessionRow struct {
	*store.Session
	Customer *store.Customer
	Channel  string
}

// LastActivity is when something last happened in the row's session.
func (r sessionRow) LastActivity() time.Time { return lastActivity(r.Session) }

type sessionsPage struct {
	Filter   sessionFilter
	Channels []*store.Channel
	Rows     []sessionRow
	Error    string
	More     bool
	// Zone names the time zone of the dates and times shown.
	Zone string
}

// maxScan bounds how many sessions one search reads.
const maxScan = 20000

func (w *Web) sessions(c *fiber.Ctx) error {
	f := sessionFilter{Channel: c.Query("channel"), Agent: strings.TrimSpace(c.Query("agent")), State: c.Query("state"),
		Customer: strings.TrimSpace(c.Query("customer")), From: c.Query("from"), To: c.Query("to"), Text: strings.TrimSpace(c.Query("q"))}
	p := &sessionsPage{Filter: f, Zone: zoneName(w.opts.Location, time.Now())}
	var from, to time.Time
	var err error
	if f.From != "" {
		if from, err = time.ParseInLocation(store.DayLayout, f.From, w.opts.Location); err != nil {
			p.Error = "From must be a date (YYYY-MM-DD)."
		}
	}
	if f.To != "" {
		if to, err = time.ParseInLocation(store.DayLayout, f.To, w.opts.Location); err != nil {
			p.Error = "To must be a date (YYYY-MM-DD)."
		}
		to = to.AddDate(0, 0, 1)
	}
	text := strings.ToLower(f.Text)
	cust := strings.ToLower(strings.TrimPrefix(f.Customer, "+"))
	scanned := 0
	err = w.st.View(func(tx *store.Tx) error {
		chs, err := tx.Channels()
		if err != nil {
			return err
		}
		p.Channels = chs
		names := map[string]string{}
		for _, ch := range chs {
			names[ch.ID] = ch.Name
		}
		if p.Error != "" {
			return nil
		}
		var inner error
		var found []sessionRow
		err = tx.Sessions(func(s *store.Session) bool {
			scanned++
			if scanned > maxScan {
				p.More = true
				return false
			}
			switch {
			case f.Channel != "" && s.ChannelID != f.Channel,
				f.Agent != "" && s.Agent != f.Agent && !slices.Contains(s.Alerted, f.Agent),
				f.State == "open" && !s.Open(), f.State != "" && f.State != "open" && s.State != f.State,
				!from.IsZero() && s.LastMessageAt.Before(from), !to.IsZero() && !s.CreatedAt.Before(to):
				return true
			}
			row := sessionRow{Session: s, Channel: names[s.ChannelID]}
			if cu, err := tx.Customer(s.ChannelID, s.CustomerKey); err == nil {
				row.Customer = cu
			} else if !errors.Is(err, store.ErrNotFound) {
				inner = err
				return false
			}
			if cust != "" {
				name := ""
				if row.Customer != nil {
					name = strings.ToLower(row.Customer.Name)
				}
				if !strings.Contains(strings.ToLower(s.CustomerKey), cust) && !strings.Contains(name, cust) {
					return true
				}
			}
			found = append(found, row)
			return true
		})
		if err != nil {
			return err
		}
		if inner != nil {
			return inner
		}
		// Most recently active first; the text search reads messages, so
		// it runs only until the page is full.
		slices.SortStableFunc(found, func(a, b sessionRow) int { return lastActivity(b.Session).Compare(lastActivity(a.Session)) })
		for _, row := range found {
			if text != "" {
				ms, err := tx.SessionMessages(row.ID)
				if err != nil {
					return err
				}
				if !slices.ContainsFunc(ms, func(m *store.Message) bool { return strings.Contains(strings.ToLower(m.Text), text) }) {
					continue
				}
			}
			if len(p.Rows) == 200 {
				p.More = true
				break
			}
			p.Rows = append(p.Rows, row)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, "sessions", &view{Title: "Sessions and chat logs", Nav: "sessions", Data: p})
}

// lastActivity is when something last happened in s: a message or a
// routing change.
func lastActivity(s *store.Session) time.Time {
	t := s.LastMessageAt
	if s.UpdatedAt.After(t) {
		t = s.UpdatedAt
	}
	if s.ClosedAt.After(t) {
		t = s.ClosedAt
	}
	return t
}

type sessionPage struct {
	S        *store.Session
	Customer *store.Customer
	Channel  *store.Channel
	Messages []msgView
	// Timeline is the messages and routing steps in time order.
	Timeline []timelineItem
	Queues   []*store.Queue
	Error    string
}

func (w *Web) loadSession(c *fiber.Ctx) (*sessionPage, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return nil, store.ErrNotFound
	}
	p := &sessionPage{}
	err = w.st.View(func(tx *store.Tx) error {
		s, err := tx.Session(id)
		if err != nil {
			return err
		}
		p.S = s
		if cu, err := tx.Customer(s.ChannelID, s.CustomerKey); err == nil {
			p.Customer = cu
		}
		if ch, err := tx.Channel(s.ChannelID); err == nil {
			p.Channel = ch
		}
		ms, err := tx.SessionMessages(id)
		if err != nil {
			return err
		}
		p.Messages = w.messageViews(ms)
		p.Timeline = timeline(p.Messages, s.History)
		p.Queues, err = tx.Queues()
		return err
	})
	return p, err
}

func (w *Web) session(c *fiber.Ctx) error {
	p, err := w.loadSession(c)
	if errors.Is(err, store.ErrNotFound) {
		return w.fail(c, fiber.StatusNotFound, "No such session.")
	}
	if err != nil {
		return err
	}
	p.Error = w.takeNotice(webSession(c), ":error")
	return w.render(c, fiber.StatusOK, "session", &view{Title: "Session #" + c.Params("id"), Nav: "sessions", Data: p})
}

func (w *Web) sessionClose(c *fiber.Ctx) error {
	id := c.Params("id")
	back := "/admin/sessions/" + url.PathEscape(id)
	if e := w.call("POST", "/api/v1/sessions/"+url.PathEscape(id)+"/close", nil, nil); e != nil {
		return w.redirectError(c, back, e.Message)
	}
	return w.redirectFlash(c, back, "Session closed.")
}

func (w *Web) sessionTransfer(c *fiber.Ctx) error {
	id := c.Params("id")
	back := "/admin/sessions/" + url.PathEscape(id)
	to := store.Destination{Type: c.FormValue("to_type"), ID: strings.TrimSpace(c.FormValue("to_id"))}
	if e := w.call("POST", "/api/v1/sessions/"+url.PathEscape(id)+"/transfer", map[string]any{"to": to, "hold": c.FormValue("hold") != ""}, nil); e != nil {
		return w.redirectError(c, back, e.Message)
	}
	return w.redirectFlash(c, back, "Session transferred to "+to.Type+" "+to.ID+".")
}
