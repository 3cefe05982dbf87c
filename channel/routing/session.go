package routing

import (
	"errors"
	"fmt"
	"slices"

	"github.com/wachan/wachan/store"
)

// conv is a session with what is needed to talk about it.
type conv struct {
	ch   *store.Channel
	cust *store.Customer
	sess *store.Session // nil when the customer has no open session
	addr string         // SIP user part, e.g. wa-1-447700900001
	from string         // SIP From for messages to agents
}

// conversation loads the channel, customer and address of a customer.
func (r *Router) conversation(tx *store.Tx, channel, customer string) (*conv, error) {
	ch, err := tx.Channel(channel)
	if err != nil {
		return nil, err
	}
	cust, err := tx.Customer(channel, customer)
	if err != nil {
		return nil, err
	}
	return r.conversationOf(tx, ch, cust)
}

func (r *Router) conversationOf(tx *store.Tx, ch *store.Channel, cust *store.Customer) (*conv, error) {
	addr, err := tx.CustomerAddress(ch.ID, cust.Key, cust.WaID)
	if err != nil {
		return nil, err
	}
	from := fmt.Sprintf(`"%s (WhatsApp)" <sip:%s@%s>`, displayName(cust), addr, r.opts.Host)
	return &conv{ch: ch, cust: cust, addr: addr, from: from}, nil
}

// load returns the conversation of session s.
func (r *Router) load(tx *store.Tx, s *store.Session) (*conv, error) {
	c, err := r.conversation(tx, s.ChannelID, s.CustomerKey)
	if err != nil {
		return nil, err
	}
	c.sess = s
	return c, nil
}

// notify queues body for ext from the customer's address, split into
// parts that fit the phone.
func (r *Router) notify(tx *store.Tx, c *conv, ext, body string) error {
	if ext == "" {
		return nil
	}
	if r.capture != nil && r.capture.ext == ext {
		r.capture.lines = append(r.capture.lines, body)
	}
	if r.pbx == nil {
		return nil // no phones: the console shows what the store holds
	}
	var sid uint64
	if c.sess != nil {
		sid = c.sess.ID
	}
	for _, part := range Split(body, r.opts.AgentMessageMax) {
		d := &store.Delivery{Ext: ext, From: c.from, Body: part, Vars: sessionVars(c.sess), SessionID: sid, CreatedAt: r.now()}
		if _, err := tx.AddDelivery(d); err != nil {
			return err
		}
	}
	return nil
}

// Session events passed to Options.SessionChanged.
const (
	EventOpened      = "opened"
	EventTaken       = "taken"
	EventReleased    = "released"
	EventTransferred = "transferred"
	EventClosed      = "closed"
	// EventOffered is recorded in a session's history only.
	EventOffered = "offered"
)

// putSession stores s and reports event to Options.SessionChanged.
func (r *Router) putSession(tx *store.Tx, s *store.Session, event string) error {
	if err := tx.PutSession(s); err != nil {
		return err
	}
	return r.sessionEvent(tx, s, event)
}

func (r *Router) sessionEvent(tx *store.Tx, s *store.Session, event string) error {
	if r.opts.SessionChanged == nil {
		return nil
	}
	return r.opts.SessionChanged(tx, s, event)
}

// messageLine is how a stored message shows on an agent's phone: its text,
// and for media its type, caption or file name and download link.
func (r *Router) messageLine(m *store.Message) string {
	text := m.Text
	if m.Media != nil || text == "" {
		text = mediaLine(m, r.mediaLink(m))
	}
	if m.Direction == store.Outbound {
		who := m.Agent
		switch {
		case m.Origin == store.OriginBusinessApp:
			who = "sent from the WhatsApp Business app"
		case who == "":
			who = "wachan"
		}
		return "[" + who + "] " + text
	}
	return text
}

// offer sends ext the header of a waiting or transferred session and its
// recent messages.
func (r *Router) offer(tx *store.Tx, c *conv, ext, header string) error {
	if c.sess.State == store.StateWaiting {
		r.note(c.sess, EventOffered, "", "to "+ext)
		if err := tx.PutSession(c.sess); err != nil {
			return err
		}
	}
	if err := r.notify(tx, c, ext, header); err != nil {
		return err
	}
	ms, err := tx.SessionMessages(c.sess.ID)
	if err != nil {
		return err
	}
	if len(ms) < historyDefault {
		// Too little in this session: add what came before.
		ms, err = tx.CustomerMessages(c.ch.ID, c.cust.Key, historyDefault)
		if err != nil {
			return err
		}
	}
	if len(ms) > historyDefault {
		earlier := len(ms) - historyDefault
		ms = ms[earlier:]
		if err := r.notify(tx, c, ext, fmt.Sprintf("[wachan] %d earlier messages: /history %d", earlier, min(earlier+historyDefault, historyMax))); err != nil {
			return err
		}
	}
	for _, m := range ms {
		if err := r.notify(tx, c, ext, r.messageLine(m)); err != nil {
			return err
		}
	}
	return nil
}

// take makes ext the owner of c's session, telling the others offered it.
// In a shared queue the others keep it: see share.
func (r *Router) take(tx *store.Tx, c *conv, ext string) error {
	s := c.sess
	if q := sessionQueue(tx, s); q != nil && q.Pickup == store.PickupShared {
		return r.share(tx, c, q, ext)
	}
	others := slices.DeleteFunc(slices.Clone(s.Alerted), func(e string) bool { return e == ext })
	s.State, s.Agent = store.StateActive, ext
	s.Alerted, s.Tried, s.RingUntil = nil, nil, zeroTime
	s.UpdatedAt = r.now()
	r.note(s, EventTaken, ext, "")
	if err := r.putSession(tx, s, EventTaken); err != nil {
		return err
	}
	if err := tx.SetLastAgent(c.ch.ID, c.cust.Key, ext, r.now()); err != nil {
		return err
	}
	for _, o := range others {
		if err := r.notify(tx, c, o, fmt.Sprintf("[wachan] Conversation #%d with %s was taken by %s.", s.ID, who(c.cust), ext)); err != nil {
			return err
		}
	}
	return nil
}

// closeSession closes c's session and tells its owner and those offered it.
func (r *Router) closeSession(tx *store.Tx, c *conv, reason string) error {
	s := c.sess
	tell := participants(s)
	s.State, s.ClosedAt, s.CloseReason, s.UpdatedAt = store.StateClosed, r.now(), reason, r.now()
	s.Alerted, s.RingUntil = nil, zeroTime
	r.note(s, EventClosed, "", reason)
	if err := r.putSession(tx, s, EventClosed); err != nil {
		return err
	}
	for _, ext := range tell {
		if err := r.notify(tx, c, ext, fmt.Sprintf("[wachan] Conversation #%d with %s %s.", s.ID, who(c.cust), reason)); err != nil {
			return err
		}
	}
	return nil
}

// transferExt gives c's session to ext with its recent history; it leaves
// its queue.
func (r *Router) transferExt(tx *store.Tx, c *conv, by, ext string) error {
	s := c.sess
	prev := s.Agent
	tell := slices.DeleteFunc(slices.Clone(s.Alerted), func(e string) bool { return e == ext })
	s.State, s.Agent, s.Queue, s.Alerted, s.Tried, s.RingUntil = store.StateActive, ext, "", nil, nil, zeroTime
	s.UpdatedAt = r.now()
	r.note(s, EventTransferred, by, "to extension "+ext)
	if err := r.putSession(tx, s, EventTransferred); err != nil {
		return err
	}
	if err := tx.SetLastAgent(c.ch.ID, c.cust.Key, ext, r.now()); err != nil {
		return err
	}
	if prev != "" && prev != ext && !slices.Contains(tell, prev) {
		tell = append(tell, prev)
	}
	for _, o := range tell {
		if err := r.notify(tx, c, o, fmt.Sprintf("[wachan] Conversation #%d with %s was transferred to %s by %s.", s.ID, who(c.cust), ext, by)); err != nil {
			return err
		}
	}
	return r.offer(tx, c, ext, fmt.Sprintf("[wachan] Conversation #%d with %s on %s was transferred to you by %s. Recent messages follow; reply to answer, /help for commands.",
		s.ID, who(c.cust), c.ch.Name, by))
}

// transferQueue puts c's session back to waiting on queue. The agent who
// had it is offered it again only after the queue's ring timeout, unless
// no other member is online.
func (r *Router) transferQueue(tx *store.Tx, c *conv, by, queue string) error {
	s := c.sess
	tell := participants(s)
	prev := s.Agent
	s.State, s.Agent, s.Queue, s.Alerted, s.Tried, s.RingUntil = store.StateWaiting, "", queue, nil, nil, zeroTime
	s.WaitingSince, s.UpdatedAt = r.now(), r.now()
	r.note(s, EventTransferred, by, "to queue "+queue)
	if q, err := tx.Queue(queue); err == nil && prev != "" && slices.ContainsFunc(q.Members, func(m string) bool { return m != prev && r.online[m] }) {
		s.Tried, s.RingUntil = []string{prev}, r.now().Add(ringTimeout(q))
	}
	if err := r.putSession(tx, s, EventTransferred); err != nil {
		return err
	}
	for _, o := range tell {
		if err := r.notify(tx, c, o, fmt.Sprintf("[wachan] Conversation #%d with %s was transferred to queue %s by %s.", s.ID, who(c.cust), queue, by)); err != nil {
			return err
		}
	}
	return nil
}

// newSession opens a session for c routed to the channel's destination:
// owned at once by a destination extension, waiting for a queue.
func (r *Router) newSession(tx *store.Tx, c *conv) error {
	now := r.now()
	dest := c.ch.Destination
	// A business-initiated message may have named where the reply goes.
	rt, err := tx.TakeReplyTo(c.ch.ID, c.cust.Key, now)
	switch {
	case err == nil && rt.Destination.Type == "queue":
		if _, qerr := tx.Queue(rt.Destination.ID); qerr == nil {
			dest = rt.Destination
		}
	case err == nil && rt.Destination.Type == "extension":
		dest = rt.Destination
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	return r.openTo(tx, c, dest)
}

// openTo opens a session for c routed to dest.
func (r *Router) openTo(tx *store.Tx, c *conv, dest store.Destination) error {
	now := r.now()
	s := &store.Session{ChannelID: c.ch.ID, CustomerKey: c.cust.Key, State: store.StateWaiting,
		CreatedAt: now, UpdatedAt: now, LastMessageAt: now, WaitingSince: now}
	switch dest.Type {
	case "queue":
		s.Queue = dest.ID
		r.note(s, EventOpened, "", "for queue "+dest.ID)
	default:
		s.State, s.Agent = store.StateActive, dest.ID
		r.note(s, EventOpened, "", "for extension "+dest.ID)
	}
	if _, err := tx.AddSession(s); err != nil {
		return err
	}
	if err := r.sessionEvent(tx, s, EventOpened); err != nil {
		return err
	}
	c.sess = s
	if s.Agent != "" {
		if err := tx.SetLastAgent(c.ch.ID, c.cust.Key, s.Agent, now); err != nil {
			return err
		}
	}
	return nil
}

// openSession returns c's open session, closing it first when it has been
// idle too long.
func (r *Router) openSession(tx *store.Tx, c *conv) error {
	s, err := tx.OpenSession(c.ch.ID, c.cust.Key)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	c.sess = s
	if r.now().Sub(s.LastMessageAt) >= r.opts.SessionIdle {
		if err := r.closeSession(tx, c, "closed after "+fmtDuration(r.opts.SessionIdle)+" without a message"); err != nil {
			return err
		}
		c.sess = nil
	}
	return nil
}

// pickup returns the pickup mode of c's session.
func pickup(tx *store.Tx, s *store.Session) string {
	q := sessionQueue(tx, s)
	if q == nil || q.Pickup == "" {
		return store.PickupFirstReply
	}
	return q.Pickup
}

// sessionQueue returns the queue s is routed through, nil when it has none
// (or it was deleted).
func sessionQueue(tx *store.Tx, s *store.Session) *store.Queue {
	if s == nil || s.Queue == "" {
		return nil
	}
	q, err := tx.Queue(s.Queue)
	if err != nil {
		return nil
	}
	return q
}

// participants are the owner of s and those offered it (in a shared
// session, those who share it).
func participants(s *store.Session) []string {
	out := slices.Clone(s.Alerted)
	if s.Agent != "" && !slices.Contains(out, s.Agent) {
		out = append(out, s.Agent)
	}
	return out
}

// mayAnswer reports whether ext may take or answer s: in a queue only its
// members and those s was given to (by a transfer or an overflow) may;
// without a queue, anyone.
func mayAnswer(tx *store.Tx, s *store.Session, ext string) bool {
	if slices.Contains(participants(s), ext) {
		return s.State == store.StateWaiting || s.Agent == ext || pickup(tx, s) == store.PickupShared
	}
	if s.State == store.StateActive && pickup(tx, s) != store.PickupShared {
		return false
	}
	q := sessionQueue(tx, s)
	return q == nil || slices.Contains(q.Members, ext)
}
