package routing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/media"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/pbx"
	"github.com/wachan/wachan/store"
)

const (
	historyDefault = 10
	historyMax     = 50
)

// HelpText lists the chat commands.
const HelpText = `[wachan] Commands:
/take - take this conversation
/release - give it back to the queue
/transfer <ext> - hand it to another extension (add "hold" if it is offline)
/transfer queue <name> - hand it to a queue
/close - end the conversation
/reopen - open a closed conversation again (routed like a new one)
/history [n] - show the last n messages (default 10, at most 50)
/send <link> [caption] - send the file at link (image, audio, video, document)
/template <name> [language] <value> | <value> - send an approved template
/buttons [question?] Yes | No | Later - send up to 3 reply buttons
/list [question?] choice | choice | … - send a list of up to 10 choices
/r <shortcut> - send a canned reply (/r alone lists them)
/info - channel, customer and time left to answer
/help - this list
Anything else you type is sent to the customer on WhatsApp.
To write to a new number, message wa-<channel>-<number>, e.g. wa-1-447700900123.`

// captured is what the router told one extension during AgentSay.
type captured struct {
	ext   string
	lines []string
}

// AgentSay handles text typed by extension ext in a web console's chat
// with a customer exactly as if it came from ext's phone: a reply, or a
// chat command. It returns the notices the router gave ext (they also go
// to the phone).
func (r *Router) AgentSay(ctx context.Context, ext, channelID, customerKey, text string) ([]string, error) {
	var lines []string
	err := r.do(ctx, func() error {
		var addr string
		if err := r.store.View(func(tx *store.Tx) error {
			c, err := r.conversation(tx, channelID, customerKey)
			if err != nil {
				return err
			}
			addr = c.addr
			return nil
		}); err != nil {
			return err
		}
		r.capture = &captured{ext: ext}
		defer func() { lines, r.capture = r.capture.lines, nil }()
		if !r.agentMessage(pbx.TextMessage{From: ext, To: addr, Body: text}) {
			return errors.New("handling agent message: see the daemon's log")
		}
		return nil
	})
	return lines, err
}

// agentMessage handles one message an agent typed to a customer address;
// it reports whether the change was stored.
func (r *Router) agentMessage(m pbx.TextMessage) bool {
	sent := false
	ok := r.update("handling agent message", func(tx *store.Tx) (err error) {
		sent, err = r.handleAgent(tx, m)
		return err
	})
	if sent {
		r.opts.WakeOutbox()
	}
	return ok
}

// agentReplies handles plain replies (no commands) in one transaction, so
// a busy PBX does not wait for one disk sync per message. If the
// transaction fails, each is handled on its own.
func (r *Router) agentReplies(ms []pbx.TextMessage) {
	if len(ms) == 1 {
		r.agentMessage(ms[0])
		return
	}
	sent := false
	ok := r.update("handling agent messages", func(tx *store.Tx) error {
		sent = false
		for _, m := range ms {
			s, err := r.handleAgent(tx, m)
			if err != nil {
				return err
			}
			sent = sent || s
		}
		return nil
	})
	if !ok {
		for _, m := range ms {
			r.agentMessage(m)
		}
		return
	}
	if sent {
		r.opts.WakeOutbox()
	}
}

// isCommand reports whether an agent's message is a chat command.
func isCommand(m pbx.TextMessage) bool {
	return strings.HasPrefix(strings.TrimSpace(m.Body), "/")
}

// handleAgent applies one message an agent typed inside tx and reports
// whether a message to a customer was queued.
func (r *Router) handleAgent(tx *store.Tx, m pbx.TextMessage) (sent bool, err error) {
	ext := m.From
	r.log.Debug("agent message", slog.String("ext", ext), slog.String("to", m.To), slog.Int("bytes", len(m.Body)))
	err = func() error {
		channel, customer, err := tx.AddressOwner(m.To)
		if errors.Is(err, store.ErrNotFound) {
			channel, customer, err = r.newCustomer(tx, m.To)
		}
		if bad, ok := errors.AsType[*badNumberError](err); ok {
			r.log.Warn("message to an impossible phone number", slog.String("ext", ext), slog.String("to", m.To))
			return r.notify(tx, &conv{from: fmt.Sprintf("<sip:%s@%s>", m.To, r.opts.Host)}, ext,
				"[wachan] Not sent: "+bad.Error()+".")
		}
		if errors.Is(err, store.ErrNotFound) {
			r.log.Warn("message to an unknown customer address", slog.String("ext", ext), slog.String("to", m.To))
			return r.notify(tx, &conv{from: fmt.Sprintf("<sip:%s@%s>", m.To, r.opts.Host)}, ext,
				"[wachan] Not sent: "+m.To+" is not a known WhatsApp customer address.")
		}
		if err != nil {
			return err
		}
		c, err := r.conversation(tx, channel, customer)
		if err != nil {
			return err
		}
		if err := r.openSession(tx, c); err != nil {
			return err
		}
		if m.Oversize {
			return r.notify(tx, c, ext, fmt.Sprintf("[wachan] Not sent: your message was too long (%d bytes; the PBX drops messages of 1024 bytes or more). Send it in shorter parts.", m.ContentLength))
		}
		text := strings.TrimSpace(m.Body)
		if text == "" {
			return nil
		}
		if strings.HasPrefix(text, "/") {
			return r.command(tx, c, ext, text)
		}
		sent, err = r.reply(tx, c, ext, m.Body)
		return err
	}()
	return sent, err
}

// newCustomer creates the customer an agent addressed as
// wa-<channel index>-<E.164 digits> without having heard from them, so the
// agent can reach them with a template. The digits follow the channels'
// rule (cloudapi.ParseNumber): any number possible for its country code,
// written in E.164 without the "+"; anything else is a *badNumberError.
func (r *Router) newCustomer(tx *store.Tx, addr string) (channel, customer string, err error) {
	idx, digits, ok := store.ParseNumberAddress(addr)
	if !ok {
		return "", "", store.ErrNotFound
	}
	if err := checkNumber(idx, digits); err != nil {
		return "", "", &badNumberError{addr: addr, digits: digits, reason: err}
	}
	channel, err = tx.ChannelByIndex(idx)
	if err != nil {
		return "", "", err
	}
	if c, err := tx.Customer(channel, digits); err == nil {
		return channel, c.Key, nil // perhaps known by their user id
	}
	c := &store.Customer{ChannelID: channel, Key: digits, WaID: digits, CreatedAt: r.now()}
	if err := tx.PutCustomer(c); err != nil {
		return "", "", err
	}
	if _, err := tx.CustomerAddress(channel, digits, digits); err != nil {
		return "", "", err
	}
	r.log.Info("agent addressed a new WhatsApp number", slog.String("channel", channel))
	return channel, digits, nil
}

// badNumberError is an agent's wa-<n>-<digits> address whose digits
// cannot be a phone number.
type badNumberError struct {
	addr, digits string
	reason       error
}

func (e *badNumberError) Error() string {
	return fmt.Sprintf("%s: +%s %v", e.addr, e.digits, e.reason)
}

func (e *badNumberError) Unwrap() error { return e.reason }

// checkNumber returns why digits, addressed on channel index idx, are not
// a phone number in E.164 (without its "+"), or nil.
func checkNumber(idx uint64, digits string) error {
	e164, err := cloudapi.ParseNumber("+" + digits)
	if err != nil {
		return err
	}
	if e164[1:] != digits {
		return fmt.Errorf("is written %s in E.164: write to %s%d-%s", e164, store.AddressPrefix, idx, e164[1:])
	}
	return nil
}

// reply sends an agent's text to the customer if the agent may answer and
// the service window is open; it reports whether a message was queued.
func (r *Router) reply(tx *store.Tx, c *conv, ext, text string) (bool, error) {
	return r.sendAs(tx, c, ext, &outbox.Request{Message: &cloudapi.Message{Text: &cloudapi.Text{Body: text}}}, true)
}

// sendAs queues req for c's customer on behalf of ext if ext may answer,
// and, when needWindow is set, only inside the 24 h service window
// (templates need none). A customer without an open session gets one owned
// by ext. It reports whether a message was queued.
func (r *Router) sendAs(tx *store.Tx, c *conv, ext string, req *outbox.Request, needWindow bool) (bool, error) {
	s := c.sess
	windowShut := needWindow && (c.cust.LastInAt.IsZero() || r.now().Sub(c.cust.LastInAt) >= Window)
	refuseWindow := func() (bool, error) {
		if c.cust.LastInAt.IsZero() {
			return false, r.notify(tx, c, ext, fmt.Sprintf("[wachan] Not sent: %s has never written to %s, and WhatsApp lets a business start a new conversation only with an approved template: /template <name> [language] <value> | <value>.", who(c.cust), c.ch.Name))
		}
		return false, r.notify(tx, c, ext, "[wachan] Not sent: the customer last wrote more than 24 hours ago, so WhatsApp only allows an approved template message now (/template <name> [language] <values separated by |>).")
	}
	switch {
	case s == nil && windowShut:
		return refuseWindow()
	case s == nil && needWindow:
		return false, r.notify(tx, c, ext, fmt.Sprintf("[wachan] Not sent: the conversation with %s is closed. Type /reopen to open it again (it goes where the channel sends new conversations), then send your message; or send a template (/template <name> [language] <value> | <value>).", who(c.cust)))
	case s == nil:
		// The agent starts a conversation with a template: it is theirs.
		now := r.now()
		s = &store.Session{ChannelID: c.ch.ID, CustomerKey: c.cust.Key, State: store.StateActive, Agent: ext,
			CreatedAt: now, UpdatedAt: now, LastMessageAt: now}
		r.note(s, EventOpened, ext, "by writing to the customer")
		if _, err := tx.AddSession(s); err != nil {
			return false, err
		}
		if err := r.sessionEvent(tx, s, EventOpened); err != nil {
			return false, err
		}
		c.sess = s
	default:
		switch answerRule(tx, s, ext) {
		case outsider:
			return false, r.notify(tx, c, ext, fmt.Sprintf("[wachan] Not sent: conversation #%d belongs to queue %s, and only its members may answer it.", s.ID, s.Queue))
		case takeOnly:
			return false, r.notify(tx, c, ext, "[wachan] Not sent: type /take first to take this conversation.")
		case take:
			if err := r.take(tx, c, ext); err != nil {
				return false, err
			}
		case others:
			return false, r.notify(tx, c, ext, fmt.Sprintf("[wachan] Not sent: conversation #%d is handled by %s.", s.ID, s.Agent))
		}
	}
	if windowShut {
		return refuseWindow()
	}
	msg := *req.Message
	msg.To, msg.Recipient = "", ""
	if c.cust.WaID != "" {
		msg.To = c.cust.WaID
	} else {
		msg.Recipient = c.cust.UserID
	}
	q := *req
	q.ChannelID, q.CustomerKey, q.SessionID, q.Agent, q.Message = c.ch.ID, c.cust.Key, s.ID, ext, &msg
	m, err := outbox.Enqueue(tx, &q, r.now())
	if errors.Is(err, cloudapi.ErrInvalidMessage) {
		return false, r.notify(tx, c, ext, "[wachan] Not sent: "+err.Error())
	}
	if err != nil {
		return false, err
	}
	if err := tx.IndexMessage(m); err != nil {
		return false, err
	}
	if s.State == store.StateActive && pickup(tx, s) == store.PickupShared {
		if err := r.echoShared(tx, c, ext, m); err != nil {
			return false, err
		}
	}
	s.LastMessageAt, s.UpdatedAt = r.now(), r.now()
	if err := tx.PutSession(s); err != nil {
		return false, err
	}
	r.idleDue(tx, s)
	return true, tx.SetLastAgent(c.ch.ID, c.cust.Key, ext, r.now())
}

// command runs a chat command typed by ext.
func (r *Router) command(tx *store.Tx, c *conv, ext, text string) error {
	f := strings.Fields(text)
	name, args := strings.ToLower(f[0]), f[1:]
	s := c.sess
	say := func(format string, a ...any) error {
		return r.notify(tx, c, ext, "[wachan] "+fmt.Sprintf(format, a...))
	}
	needOwner := func() error {
		switch {
		case s == nil:
			return say("There is no open conversation with %s.", who(c.cust))
		case s.State == store.StateWaiting:
			return say("Conversation #%d is waiting for an agent; /take it first.", s.ID)
		case s.Agent != ext:
			return say("Conversation #%d is handled by %s.", s.ID, s.Agent)
		}
		return nil
	}
	// In a shared queue everyone sharing the session may steer it.
	owner := s != nil && s.State == store.StateActive &&
		(s.Agent == ext || slices.Contains(participants(s), ext) && pickup(tx, s) == store.PickupShared)
	switch name {
	case "/help":
		return r.notify(tx, c, ext, HelpText)
	case "/reopen":
		return r.reopen(tx, c, ext)
	case "/template":
		rest := strings.TrimSpace(text[len(f[0]):])
		msg, err := templates.BuildCommand(tx, c.ch.ID, rest)
		if err != nil {
			var te *templates.Error
			if errors.As(err, &te) {
				return say("Not sent: %s", te.Message)
			}
			return err
		}
		name, lang, values, _ := templates.ResolveCommand(tx, c.ch.ID, rest)
		req := &outbox.Request{Message: msg, Text: "[template " + templates.FormatCommand(name, lang, values) + "]"}
		sent, err := r.sendAs(tx, c, ext, req, false)
		if sent {
			tx.OnCommit(r.opts.WakeOutbox)
		}
		return err
	case "/buttons", "/list", "/r":
		return r.compose(tx, c, ext, name, strings.TrimSpace(text[len(f[0]):]))
	case "/send":
		if len(args) == 0 {
			return say("Usage: /send <https link to a file> [caption]")
		}
		if r.opts.SendURL == nil {
			return say("Sending files is not available.")
		}
		if s != nil && s.Open() && answerRule(tx, s, ext) == others {
			return needOwner() // another agent's conversation: fetch nothing
		}
		caption := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text[len(f[0]):]), args[0]))
		r.fetchAndSend(c.ch.ID, c.cust.Key, ext, args[0], caption)
		return say("Fetching %s…", args[0])
	case "/take":
		switch {
		case s == nil:
			return say("There is no open conversation with %s.", who(c.cust))
		case owner:
			return say("Conversation #%d is already yours.", s.ID)
		case s.State == store.StateActive:
			return say("Conversation #%d is handled by %s.", s.ID, s.Agent)
		case !mayAnswer(tx, s, ext):
			return say("You cannot take conversation #%d: it waits in queue %s, and only its members may take it.", s.ID, s.Queue)
		}
		if err := r.take(tx, c, ext); err != nil {
			return err
		}
		return say("You took conversation #%d with %s.", s.ID, who(c.cust))
	case "/release":
		if !owner {
			return needOwner()
		}
		queue := s.Queue
		if queue == "" && c.ch.Destination.Type == "queue" {
			queue = c.ch.Destination.ID
		}
		others := slices.DeleteFunc(participants(s), func(e string) bool { return e == ext })
		s.State, s.Agent, s.Queue, s.Alerted, s.Tried, s.RingUntil = store.StateWaiting, "", queue, nil, []string{ext}, zeroTime
		s.WaitingSince, s.UpdatedAt = r.now(), r.now()
		if q, err := tx.Queue(queue); err == nil {
			// Offered to the others first; back to ext only after a ring.
			s.RingUntil = r.now().Add(ringTimeout(q))
		}
		r.note(s, EventReleased, ext, "")
		if err := r.putSession(tx, s, EventReleased); err != nil {
			return err
		}
		for _, o := range others {
			// Those sharing it are offered it again by the queue.
			if err := r.notify(tx, c, o, fmt.Sprintf("[wachan] %s released conversation #%d with %s; it waits for an agent.", ext, s.ID, who(c.cust))); err != nil {
				return err
			}
		}
		return say("You released conversation #%d; it waits for another agent.", s.ID)
	case "/transfer":
		if !owner {
			return needOwner()
		}
		hold := len(args) == 2 && strings.EqualFold(args[1], "hold")
		switch {
		case (len(args) == 1 || hold) && args[0] != ext && !strings.EqualFold(args[0], "queue"):
			if !r.extensionExists(args[0]) {
				if _, err := tx.Queue(args[0]); err == nil {
					return say("Cannot transfer: extension %s does not exist. To hand it to queue %s, type /transfer queue %s", args[0], args[0], args[0])
				}
				return say("Cannot transfer: extension %s does not exist.", args[0])
			}
			if !hold && !r.online[args[0]] {
				return say("Not transferred: %s is offline (no phone registered, no console open), so it would see the conversation only when it is back. Type /transfer %s hold to hand it over anyway, or choose another extension or /transfer queue <name>.", args[0], args[0])
			}
			return r.transferExt(tx, c, ext, args[0])
		case (len(args) == 1 || hold) && args[0] == ext:
			return say("Conversation #%d is already yours.", s.ID)
		case len(args) == 2 && strings.EqualFold(args[0], "queue"):
			if _, err := tx.Queue(args[1]); errors.Is(err, store.ErrNotFound) {
				return say("Cannot transfer: there is no queue %q.", args[1])
			} else if err != nil {
				return err
			}
			if err := r.transferQueue(tx, c, ext, args[1]); err != nil {
				return err
			}
			return nil
		}
		return say("Usage: /transfer <extension> [hold] or /transfer queue <name>")
	case "/close":
		if !owner {
			return needOwner()
		}
		return r.closeSession(tx, c, "was closed by "+ext)
	case "/history":
		n := historyDefault
		if len(args) > 0 {
			v, err := strconv.Atoi(args[0])
			if err != nil || v < 1 || v > historyMax || len(args) > 1 {
				return say("Usage: /history [n], n from 1 to %d.", historyMax)
			}
			n = v
		}
		ms, err := tx.CustomerMessages(c.ch.ID, c.cust.Key, n)
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			return say("No messages with %s yet.", who(c.cust))
		}
		var b strings.Builder
		fmt.Fprintf(&b, "[wachan] Last %d messages with %s:", len(ms), who(c.cust))
		for _, m := range ms {
			b.WriteString("\n")
			b.WriteString(m.Timestamp.Format("Jan 2 15:04") + " ")
			if m.Direction == store.Inbound {
				b.WriteString("customer: " + m.Text)
			} else {
				b.WriteString(r.messageLine(m))
			}
		}
		return r.notify(tx, c, ext, b.String())
	case "/info":
		var b strings.Builder
		fmt.Fprintf(&b, "[wachan] Channel: %s (%s)\nCustomer: %s", c.ch.Name, c.ch.Number, who(c.cust))
		if c.cust.UserID != "" {
			fmt.Fprintf(&b, " [user id %s]", c.cust.UserID)
		}
		if s != nil {
			fmt.Fprintf(&b, "\nConversation #%d: %s", s.ID, s.State)
			if s.Agent != "" {
				fmt.Fprintf(&b, ", agent %s", s.Agent)
			}
			if s.Queue != "" {
				fmt.Fprintf(&b, ", queue %s", s.Queue)
			}
		} else {
			b.WriteString("\nNo open conversation.")
		}
		if left := Window - r.now().Sub(c.cust.LastInAt); !c.cust.LastInAt.IsZero() && left > 0 {
			fmt.Fprintf(&b, "\nReply window: %s left.", fmtDuration(left))
		} else {
			b.WriteString("\nReply window: closed (only a template message can reach the customer).")
		}
		return r.notify(tx, c, ext, b.String())
	}
	return r.notify(tx, c, ext, fmt.Sprintf("[wachan] Unknown command %s.\n", snippet(name))+strings.TrimPrefix(HelpText, "[wachan] "))
}

// fetchAndSend fetches the file at rawURL for ext's chat with a customer,
// away from the router's goroutine, then queues it as ext's reply (or
// tells ext why not).
func (r *Router) fetchAndSend(channelID, customerKey, ext, rawURL, caption string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		out, ferr := r.opts.SendURL(ctx, channelID, rawURL, caption)
		sent := false
		err := r.do(ctx, func() error {
			ok := r.update("sending a file", func(tx *store.Tx) error {
				c, err := r.conversation(tx, channelID, customerKey)
				if err != nil {
					return err
				}
				if err := r.openSession(tx, c); err != nil {
					return err
				}
				var refusal *media.Refusal
				switch {
				case errors.As(ferr, &refusal):
					return r.notify(tx, c, ext, "[wachan] Not sent: "+refusal.Reason)
				case ferr != nil:
					r.log.Warn("fetching a file for an agent", slog.String("ext", ext), slog.Any("error", ferr))
					return r.notify(tx, c, ext, "[wachan] Not sent: the file could not be fetched.")
				}
				sent, err = r.sendAs(tx, c, ext, &outbox.Request{Message: out.Message, Media: out.Media, Text: out.Text}, true)
				return err
			})
			if !ok {
				return errors.New("sending a file failed")
			}
			return nil
		})
		if err != nil {
			r.log.Warn("sending a file for an agent", slog.String("ext", ext), slog.Any("error", err))
		}
		if sent {
			r.opts.WakeOutbox()
		}
	}()
}

// MediaFailed tells the agents of a customer's session that the media of
// message msgID could not be fetched. It may be called from any goroutine
// and does not wait.
func (r *Router) MediaFailed(msgID uint64, reason string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		r.do(ctx, func() error {
			r.update("telling agents about failed media", func(tx *store.Tx) error {
				m, err := tx.Message(msgID)
				if err != nil {
					return err
				}
				c, err := r.conversation(tx, m.ChannelID, m.CustomerKey)
				if err != nil {
					return err
				}
				s, err := tx.OpenSession(m.ChannelID, m.CustomerKey)
				if errors.Is(err, store.ErrNotFound) {
					return nil
				}
				if err != nil {
					return err
				}
				c.sess = s
				tell := slices.Clone(s.Alerted)
				if s.Agent != "" && !slices.Contains(tell, s.Agent) {
					tell = append(tell, s.Agent)
				}
				for _, ext := range tell {
					if err := r.notify(tx, c, ext, fmt.Sprintf("[wachan] The %s from %s could not be fetched: %s", m.Type, who(c.cust), reason)); err != nil {
						return err
					}
				}
				return nil
			})
			return nil
		})
	}()
}
