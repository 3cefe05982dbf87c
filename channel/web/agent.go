package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

// Window is how long after a customer's last message free text may be sent.
const Window = 24 * time.Hour

// inboxItem is one conversation in an agent's inbox.
type inboxItem struct {
	S        *store.Session
	Customer string
	Channel  string
	Last     string
	Unread   int
}

type inboxData struct {
	Ext     string
	Waiting []inboxItem
	Mine    []inboxItem
}

// offered reports whether ext may see session s (Options.Visible).
func (w *Web) offered(tx *store.Tx, s *store.Session, ext string) bool {
	if w.opts.Visible == nil {
		return ext != "" && s.Agent == ext
	}
	return w.opts.Visible(tx, s, ext)
}

func customerName(cu *store.Customer, key string) string {
	if cu != nil && cu.Name != "" {
		return cu.Name + " (+" + key + ")"
	}
	return "+" + key
}

func (w *Web) inboxData(ext string) (d *inboxData, err error) {
	err = w.st.View(func(tx *store.Tx) (err error) { d, err = w.inboxIn(tx, ext); return })
	return d, err
}

// inboxIn reads ext's inbox in tx.
func (w *Web) inboxIn(tx *store.Tx, ext string) (*inboxData, error) {
	d := &inboxData{Ext: ext}
	err := func() error {
		open, err := w.openSessions(tx)
		if err != nil {
			return err
		}
		for _, s := range open {
			if !w.offered(tx, s, ext) || (s.State == store.StateActive && s.Agent != ext) {
				continue
			}
			it := inboxItem{S: s}
			cu, _ := tx.Customer(s.ChannelID, s.CustomerKey)
			it.Customer = customerName(cu, s.CustomerKey)
			if ch, err := tx.Channel(s.ChannelID); err == nil {
				it.Channel = ch.Name
			}
			ms, err := tx.SessionMessages(s.ID)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if m.Direction == store.Inbound {
					it.Unread++
				} else {
					it.Unread = 0
				}
			}
			if len(ms) > 0 {
				it.Last = preview(ms[len(ms)-1])
			}
			if s.State == store.StateWaiting {
				d.Waiting = append(d.Waiting, it)
			} else {
				d.Mine = append(d.Mine, it)
			}
		}
		return nil
	}()
	return d, err
}

// preview is a message's first 80 characters for the inbox.
func preview(m *store.Message) string {
	s := m.Text
	if s == "" && m.Media != nil {
		s = "[" + m.Type + "] " + m.Media.Caption
	}
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return s
}

func (w *Web) inbox(c *fiber.Ctx) error {
	s := webSession(c)
	d, err := w.inboxData(s.Extension)
	if err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, "inbox", &view{Title: "Inbox", Nav: "inbox", Data: d})
}

// convData is the conversation view.
type convData struct {
	Ext        string
	S          *store.Session
	Customer   string
	Channel    string
	Messages   []msgView
	WindowOpen bool
	WindowLeft string
	Mine       bool
	Waiting    bool
	Notices    []string
	Error      string
	Text       string
	NoPBX      bool
	// Templates are offered when the window has closed.
	Templates []templateOption
	// Canned are the canned replies offered while the window is open.
	Canned []cannedOption
}

var errNotYours = errors.New("not offered to this extension")

func (w *Web) convData(ext string, id uint64) (d *convData, err error) {
	err = w.st.View(func(tx *store.Tx) (err error) { d, err = w.convIn(tx, ext, id); return })
	return d, err
}

// convIn reads conversation id as ext sees it in tx.
func (w *Web) convIn(tx *store.Tx, ext string, id uint64) (*convData, error) {
	d := &convData{Ext: ext, NoPBX: !w.pbxStatus().Configured}
	err := func() error {
		s, err := tx.Session(id)
		if err != nil {
			return err
		}
		if !w.offered(tx, s, ext) {
			return errNotYours
		}
		d.S, d.Mine, d.Waiting = s, s.State == store.StateActive && s.Agent == ext, s.State == store.StateWaiting
		cu, _ := tx.Customer(s.ChannelID, s.CustomerKey)
		d.Customer = customerName(cu, s.CustomerKey)
		if ch, err := tx.Channel(s.ChannelID); err == nil {
			d.Channel = ch.Name
		}
		if cu != nil {
			if left := Window - w.opts.Now().Sub(cu.LastInAt); left > 0 {
				d.WindowOpen = true
				d.WindowLeft = fmt.Sprintf("%dh%02dm", int(left.Hours()), int(left.Minutes())%60)
			}
		}
		if !d.WindowOpen {
			if d.Templates, err = approvedTemplates(tx, s.ChannelID); err != nil {
				return err
			}
		} else if d.Canned, err = cannedOptions(tx, ext, s.ChannelID, cu); err != nil {
			return err
		}
		ms, err := tx.CustomerMessages(s.ChannelID, s.CustomerKey, 200)
		if err != nil {
			return err
		}
		d.Messages = w.messageViews(ms)
		now := time.Now()
		for i := range d.Messages {
			d.Messages[i].Now = now
		}
		return addRetries(tx, d.Messages)
	}()
	return d, err
}

func (w *Web) loadConv(c *fiber.Ctx) (*convData, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return nil, w.fail(c, fiber.StatusNotFound, "No such conversation.")
	}
	d, err := w.convData(webSession(c).Extension, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, w.fail(c, fiber.StatusNotFound, "No such conversation.")
	case errors.Is(err, errNotYours):
		return nil, w.fail(c, fiber.StatusForbidden, "This conversation is not offered to your extension.")
	case err != nil:
		return nil, err
	}
	return d, nil
}

func (w *Web) conversation(c *fiber.Ctx) error {
	d, err := w.loadConv(c)
	if d == nil {
		return err
	}
	if f, ok := w.takeFlash(webSession(c), d.S.ID); ok {
		d.Notices, d.Error, d.Text = f.Notices, f.Error, f.Text
	}
	w.seen(d)
	return w.render(c, fiber.StatusOK, "conversation", &view{Title: d.Customer, Nav: "inbox", Data: d})
}

// seen tells Options.Seen that the agent who has d's session is looking at
// it, when its newest customer message is not marked read yet.
func (w *Web) seen(d *convData) {
	if !d.Mine || w.opts.Seen == nil {
		return
	}
	for i := len(d.Messages) - 1; i >= 0; i-- {
		if m := d.Messages[i]; m.In && m.WAMID != "" {
			if m.ReadAt.IsZero() {
				w.opts.Seen(d.S.ID)
			}
			return
		}
	}
}

// transferTarget reports whether s is "<extension>" or "queue <name>".
func transferTarget(s string) bool {
	f := strings.Fields(s)
	switch {
	case len(f) == 1:
		return f[0] != "queue" && validExt.MatchString(f[0])
	case len(f) == 2 && f[0] == "queue":
		return validExt.MatchString(f[1])
	case len(f) == 2 && f[1] == "hold":
		return f[0] != "queue" && validExt.MatchString(f[0])
	}
	return false
}

// say runs the console's action (a reply or a chat command) through the
// router exactly as if typed on the agent's phone.
func (w *Web) say(c *fiber.Ctx) error {
	d, err := w.loadConv(c)
	if d == nil {
		return err
	}
	ext := webSession(c).Extension
	var text string
	switch action := c.FormValue("action"); action {
	case "send":
		text = strings.TrimSpace(c.FormValue("text"))
		switch {
		case text == "":
			d.Error = "Type a message first."
		case !d.WindowOpen && !strings.HasPrefix(text, "/"):
			d.Error = "The customer's last message is more than 24 hours old: WhatsApp only lets a template reach them now."
			d.Text = text
		}
	case "take", "release", "close":
		text = "/" + action
	case "transfer":
		to := strings.TrimSpace(c.FormValue("to"))
		if !transferTarget(to) {
			d.Error = "Transfer to: an extension (e.g. 1002; \"1002 hold\" when it is away) or \"queue <name>\"."
		}
		text = "/transfer " + to
	default:
		d.Error = "Unknown action."
	}
	if d.Error == "" && w.opts.Agent == nil {
		d.Error = "Conversations cannot be handled here: routing is not running."
	}
	if d.Error != "" {
		return w.afterAction(c, d)
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 10*time.Second)
	defer cancel()
	notices, err := w.opts.Agent.AgentSay(ctx, ext, d.S.ChannelID, d.S.CustomerKey, text)
	if err != nil {
		w.log.Error("console action failed", slog.String("ext", ext), slog.Uint64("session", d.S.ID), slog.Any("error", err))
		d.Error = "The action could not be completed; see the daemon's log."
		d.Text = c.FormValue("text")
	}
	for _, n := range notices {
		d.Notices = append(d.Notices, strings.TrimPrefix(n, "[wachan] "))
	}
	if _, err := w.convData(ext, d.S.ID); errors.Is(err, errNotYours) {
		// Handed to someone else: back to the inbox, saying so.
		msg := "Conversation #" + strconv.FormatUint(d.S.ID, 10) + " is no longer yours."
		if len(d.Notices) > 0 {
			msg = strings.Join(d.Notices, " ")
		}
		return w.redirectFlash(c, "/agent/", msg)
	}
	return w.afterAction(c, d)
}

// events streams the inbox (?view=inbox) or a conversation's thread
// (?view=conversation&id=N) as HTML re-rendered on every change.
func (w *Web) events(c *fiber.Ctx) error {
	ext := webSession(c).Extension
	var (
		render func(tx *store.Tx) ([]byte, error)
		key    string // the view, as this agent sees it
	)
	switch c.Query("view") {
	case "inbox":
		key = "inbox|" + ext
		render = func(tx *store.Tx) ([]byte, error) {
			d, err := w.inboxIn(tx, ext)
			if err != nil {
				return nil, err
			}
			return w.fragment("inbox", "inbox-list", d)
		}
	case "conversation":
		id, err := strconv.ParseUint(c.Query("id"), 10, 64)
		if err != nil {
			return c.SendStatus(fiber.StatusNoContent)
		}
		key = "conversation|" + ext + "|" + strconv.FormatUint(id, 10)
		render = func(tx *store.Tx) ([]byte, error) {
			d, err := w.convIn(tx, ext, id)
			if err != nil {
				return nil, err
			}
			w.seen(d)
			return w.fragment("conversation", "thread", d)
		}
	default:
		return c.SendStatus(fiber.StatusNotFound)
	}
	if err := w.st.View(func(tx *store.Tx) error { _, err := render(tx); return err }); err != nil {
		// No longer visible to this agent: 204 stops EventSource.
		return c.SendStatus(fiber.StatusNoContent)
	}
	release, ok := w.live.admit(webSession(c).User)
	if !ok {
		// EventSource does not retry a 429: the page stays as it is.
		w.log.Warn("console live view refused: too many open", slog.String("user", webSession(c).User))
		c.Set(fiber.HeaderRetryAfter, "60")
		return c.Status(fiber.StatusTooManyRequests).SendString("Too many live views are open; close some tabs.")
	}
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	done := c.Context().Done()
	c.Context().SetBodyStreamWriter(func(bw *bufio.Writer) {
		defer release()
		// An open console page is what makes its agent present.
		w.presence.open(ext)
		defer w.presence.close(ext)
		w.live.stream(bw, done, key, render)
	})
	return nil
}
