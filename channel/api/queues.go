package api

import (
	"errors"
	"regexp"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/routing"
	"github.com/wachan/wachan/store"
)

var (
	queueName = regexp.MustCompile(`^[A-Za-z0-9_.+-]{1,64}$`)
	extension = regexp.MustCompile(`^[A-Za-z0-9_.+-]{1,64}$`)
)

// queueInput is the body of POST and PUT /queues; durations are seconds.
type queueInput struct {
	Name              string             `json:"name"`
	Members           []string           `json:"members"`
	Strategy          string             `json:"strategy"`
	Pickup            string             `json:"pickup"`
	RingTimeout       *int               `json:"ring_timeout"`
	StickyDays        int                `json:"sticky_days"`
	MaxConversations  int                `json:"max_conversations"`
	AwayMessage       string             `json:"away_message"`
	UnansweredTimeout int                `json:"unanswered_timeout"`
	Overflow          *store.Destination `json:"overflow"`
}

// queueView is a queue as the API shows it; durations are seconds.
type queueView struct {
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
	CreatedAt         time.Time          `json:"created_at"`
	UpdatedAt         time.Time          `json:"updated_at"`
	// MemberStates say where each member is present.
	MemberStates []routing.AgentState `json:"member_states,omitempty"`
}

func viewQueue(q *store.Queue) queueView {
	return queueView{Name: q.Name, Members: q.Members, Strategy: q.Strategy, Pickup: q.Pickup,
		RingTimeout: int(q.RingTimeout / time.Second), StickyDays: q.StickyDays, MaxConversations: q.MaxConversations, AwayMessage: q.AwayMessage,
		UnansweredTimeout: int(q.UnansweredTimeout / time.Second), Overflow: q.Overflow,
		CreatedAt: q.CreatedAt, UpdatedAt: q.UpdatedAt}
}

// queue validates in and builds the queue it describes.
func (in *queueInput) queue() (*store.Queue, error) {
	if !queueName.MatchString(in.Name) {
		return nil, invalid("name", "must be 1 to 64 letters, digits or _ . + -, got %q", in.Name)
	}
	if len(in.Members) == 0 {
		return nil, invalid("members", "must list at least one extension")
	}
	for _, m := range in.Members {
		if !extension.MatchString(m) {
			return nil, invalid("members", "%q is not an extension", m)
		}
	}
	q := &store.Queue{Name: in.Name, Members: slices.Compact(slices.Clone(in.Members)), Strategy: in.Strategy, Pickup: in.Pickup,
		StickyDays: in.StickyDays, MaxConversations: in.MaxConversations, AwayMessage: in.AwayMessage}
	if q.Strategy == "" {
		q.Strategy = store.RingAll
	}
	if !slices.Contains([]string{store.RingAll, store.RoundRobin, store.LeastBusy}, q.Strategy) {
		return nil, invalid("strategy", `must be "ringall", "roundrobin" or "leastbusy", got %q`, q.Strategy)
	}
	if q.Pickup == "" {
		q.Pickup = store.PickupFirstReply
	}
	if !slices.Contains([]string{store.PickupFirstReply, store.PickupTakeOnly, store.PickupShared}, q.Pickup) {
		return nil, invalid("pickup", `must be "first_reply", "take_only" or "shared", got %q`, q.Pickup)
	}
	ring := 20
	if in.RingTimeout != nil {
		ring = *in.RingTimeout
	}
	if ring < 5 || ring > 3600 {
		return nil, invalid("ring_timeout", "must be 5 to 3600 seconds, got %d", ring)
	}
	q.RingTimeout = time.Duration(ring) * time.Second
	if q.StickyDays < 0 || q.StickyDays > 365 {
		return nil, invalid("sticky_days", "must be 0 (off) to 365, got %d", q.StickyDays)
	}
	if q.MaxConversations < 0 || q.MaxConversations > 1000 {
		return nil, invalid("max_conversations", "must be 0 (no limit) to 1000, got %d", q.MaxConversations)
	}
	if len(q.AwayMessage) > 4096 {
		return nil, invalid("away_message", "must be at most 4096 bytes")
	}
	if in.UnansweredTimeout < 0 || in.UnansweredTimeout > 7*24*3600 {
		return nil, invalid("unanswered_timeout", "must be 0 (off) to 604800 seconds, got %d", in.UnansweredTimeout)
	}
	q.UnansweredTimeout = time.Duration(in.UnansweredTimeout) * time.Second
	if in.Overflow != nil && in.Overflow.ID != "" {
		o := *in.Overflow
		if o.Type != "extension" && o.Type != "queue" {
			return nil, invalid("overflow.type", `must be "extension" or "queue", got %q`, o.Type)
		}
		if !extension.MatchString(o.ID) {
			return nil, invalid("overflow.id", "must be an extension or queue name, got %q", o.ID)
		}
		if o.Type == "queue" && o.ID == q.Name {
			return nil, invalid("overflow.id", "must not be the queue itself")
		}
		q.Overflow = &o
	}
	if q.UnansweredTimeout > 0 && q.Overflow == nil {
		return nil, invalid("overflow", "is required with unanswered_timeout")
	}
	return q, nil
}

func (a *API) listQueues(c *fiber.Ctx) error {
	var qs []*store.Queue
	if err := a.store.View(func(tx *store.Tx) (err error) { qs, err = tx.Queues(); return }); err != nil {
		return err
	}
	out := make([]queueView, 0, len(qs))
	for _, q := range qs {
		out = append(out, viewQueue(q))
	}
	if err := a.addMemberStates(c.UserContext(), out); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"queues": out})
}

func (a *API) getQueue(c *fiber.Ctx) error {
	var q *store.Queue
	err := a.store.View(func(tx *store.Tx) (err error) { q, err = tx.Queue(c.Params("name")); return })
	if errors.Is(err, store.ErrNotFound) {
		return notFound("queue", c.Params("name"))
	}
	if err != nil {
		return err
	}
	v := []queueView{viewQueue(q)}
	if err := a.addMemberStates(c.UserContext(), v); err != nil {
		return err
	}
	return c.JSON(v[0])
}

func (a *API) createQueue(c *fiber.Ctx) error {
	var in queueInput
	if err := decode(c, &in); err != nil {
		return err
	}
	q, err := in.queue()
	if err != nil {
		return err
	}
	if err := a.checkMembers(c.UserContext(), q.Members); err != nil {
		return err
	}
	now := a.opts.Now().UTC()
	q.CreatedAt, q.UpdatedAt = now, now
	err = a.store.Update(func(tx *store.Tx) error {
		if _, err := tx.Queue(q.Name); err == nil {
			return &Error{Status: fiber.StatusConflict, Code: "conflict", Field: "name", Message: "name: queue " + q.Name + " already exists"}
		}
		return tx.PutQueue(q)
	})
	if err != nil {
		return err
	}
	a.pokeSessions()
	return c.Status(fiber.StatusCreated).JSON(viewQueue(q))
}

// putQueue replaces a queue; the name in the path wins.
func (a *API) putQueue(c *fiber.Ctx) error {
	var in queueInput
	if err := decode(c, &in); err != nil {
		return err
	}
	in.Name = c.Params("name")
	q, err := in.queue()
	if err != nil {
		return err
	}
	if err := a.checkMembers(c.UserContext(), q.Members); err != nil {
		return err
	}
	err = a.store.Update(func(tx *store.Tx) error {
		old, err := tx.Queue(q.Name)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("queue", q.Name)
		}
		if err != nil {
			return err
		}
		q.CreatedAt, q.UpdatedAt = old.CreatedAt, a.opts.Now().UTC()
		return tx.PutQueue(q)
	})
	if err != nil {
		return err
	}
	a.pokeSessions()
	return c.JSON(viewQueue(q))
}

func (a *API) deleteQueue(c *fiber.Ctx) error {
	err := a.store.Update(func(tx *store.Tx) error { return tx.DeleteQueue(c.Params("name")) })
	if errors.Is(err, store.ErrNotFound) {
		return notFound("queue", c.Params("name"))
	}
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *API) pokeSessions() {
	if a.opts.Sessions != nil {
		a.opts.Sessions.Poke()
	}
}
