package web

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

// queueAPI is a queue as the admin API shows it (durations in seconds).
type queueAPI struct {
	Name              string             `json:"name"`
	Members           []string           `json:"members"`
	Strategy          string             `json:"strategy"`
	Pickup            string             `json:"pickup"`
	RingTimeout       int                `json:"ring_timeout"`
	StickyDays        int                `json:"sticky_days"`
	MaxConversations  int                `json:"max_conversations"`
	AwayMessage       string             `json:"away_message"`
	UnansweredTimeout int                `json:"unanswered_timeout"`
	Overflow          *store.Destination `json:"overflow"`
	MemberStates      []memberState      `json:"member_states"`
}

// memberState is where a queue member is present, as the API reports it.
type memberState struct {
	Ext     string `json:"ext"`
	Missing bool   `json:"missing"`
	Phone   bool   `json:"phone"`
	Console bool   `json:"console"`
	Login   bool   `json:"login"`
}

// Words says the member's state: "phone and console", "away, no console
// login", "not on the PBX".
func (m memberState) Words() string {
	switch {
	case m.Missing:
		return "not on the PBX"
	case m.Phone && m.Console:
		return "present: phone and console"
	case m.Phone:
		return "present: phone"
	case m.Console:
		return "present: console"
	case !m.Login:
		return "away, no console login"
	}
	return "away"
}

type queueForm struct {
	New    bool
	Q      queueAPI
	Errors map[string]string
	Error  string
}

func (w *Web) queues(c *fiber.Ctx) error {
	var list struct{ Queues []queueAPI }
	if e := w.call("GET", "/api/v1/queues", nil, &list); e != nil {
		return w.fail(c, e.Status, e.Message)
	}
	return w.render(c, fiber.StatusOK, "queues", &view{Title: "Message queues", Nav: "queues", Data: list.Queues})
}

func (w *Web) queueNew(c *fiber.Ctx) error {
	f := &queueForm{New: true, Q: queueAPI{Strategy: store.RingAll, Pickup: store.PickupFirstReply, RingTimeout: 20}}
	return w.render(c, fiber.StatusOK, "queue", &view{Title: "New queue", Nav: "queues", Data: f})
}

func (w *Web) queueEdit(c *fiber.Ctx) error {
	f := &queueForm{}
	if e := w.call("GET", "/api/v1/queues/"+url.PathEscape(c.Params("name")), nil, &f.Q); e != nil {
		return w.fail(c, e.Status, e.Message)
	}
	return w.render(c, fiber.StatusOK, "queue", &view{Title: "Queue " + f.Q.Name, Nav: "queues", Data: f})
}

// queueSave creates (no name in the path) or replaces a queue.
func (w *Web) queueSave(c *fiber.Ctx) error {
	name := c.Params("name")
	f := &queueForm{New: name == ""}
	q := &f.Q
	q.Name = strings.TrimSpace(c.FormValue("name"))
	if name != "" {
		q.Name = name
	}
	q.Members = strings.FieldsFunc(c.FormValue("members"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
	q.Strategy, q.Pickup, q.AwayMessage = c.FormValue("strategy"), c.FormValue("pickup"), c.FormValue("away_message")
	body := map[string]any{"name": q.Name, "members": q.Members, "strategy": q.Strategy, "pickup": q.Pickup, "away_message": q.AwayMessage}
	errs := map[string]string{}
	for _, n := range []struct {
		key string
		out *int
	}{{"ring_timeout", &q.RingTimeout}, {"sticky_days", &q.StickyDays}, {"max_conversations", &q.MaxConversations}, {"unanswered_timeout", &q.UnansweredTimeout}} {
		v := strings.TrimSpace(c.FormValue(n.key))
		if v == "" {
			v = "0"
			if n.key == "ring_timeout" {
				v = "20"
			}
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			errs[n.key] = n.key + ": must be a whole number"
			continue
		}
		*n.out = i
		body[n.key] = i
	}
	if id := strings.TrimSpace(c.FormValue("overflow_id")); id != "" {
		q.Overflow = &store.Destination{Type: c.FormValue("overflow_type"), ID: id}
		body["overflow"] = q.Overflow
	}
	if msg, err := w.consoleMembersError(q.Members); err != nil {
		return err
	} else if msg != "" {
		errs["members"] = msg
	}
	if len(errs) == 0 {
		method, path := "POST", "/api/v1/queues"
		if name != "" {
			method, path = "PUT", "/api/v1/queues/"+url.PathEscape(name)
		}
		e := w.call(method, path, body, nil)
		if e == nil {
			return w.redirectFlash(c, "/admin/queues", "Queue "+q.Name+" saved.")
		}
		errs, f.Error = fieldErrors(e)
	}
	f.Errors = errs
	return w.render(c, fiber.StatusUnprocessableEntity, "queue", &view{Title: "Queue", Nav: "queues", Data: f})
}

func (w *Web) queueDelete(c *fiber.Ctx) error {
	if e := w.call("DELETE", "/api/v1/queues/"+url.PathEscape(c.Params("name")), nil, nil); e != nil {
		return w.fail(c, e.Status, e.Message)
	}
	return w.redirectFlash(c, "/admin/queues", "Queue "+c.Params("name")+" deleted.")
}
