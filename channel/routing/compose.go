package routing

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/wachan/wachan/channel/canned"
	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/store"
)

// defaultQuestion is the body of buttons and lists typed without one.
const defaultQuestion = "Please choose one:"

// choices splits "[question] A | B | C": the question is the first part
// up to its last ? or :, when there is one.
func choices(rest string) (question string, opts []string) {
	parts := strings.Split(rest, "|")
	first := parts[0]
	if i := strings.LastIndexAny(first, "?:"); i >= 0 {
		question, parts[0] = strings.TrimSpace(first[:i+1]), first[i+1:]
	}
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			opts = append(opts, p)
		}
	}
	if question == "" {
		question = defaultQuestion
	}
	return question, opts
}

// compose runs /buttons, /list and /r for ext.
func (r *Router) compose(tx *store.Tx, c *conv, ext, name, rest string) error {
	say := func(format string, a ...any) error {
		return r.notify(tx, c, ext, "[wachan] "+fmt.Sprintf(format, a...))
	}
	var req *outbox.Request
	switch name {
	case "/buttons", "/list":
		q, opts := choices(rest)
		max, maxTitle := cloudapi.MaxButtons, cloudapi.MaxButtonTitle
		if name == "/list" {
			max, maxTitle = cloudapi.MaxRows, cloudapi.MaxRowTitle
		}
		switch {
		case len(opts) == 0:
			return say("Usage: %s [question?] choice | choice | … (up to %d)", name, max)
		case len(opts) > max && name == "/buttons":
			return say("Not sent: WhatsApp allows at most %d buttons; use /list for up to %d choices.", max, cloudapi.MaxRows)
		case len(opts) > max:
			return say("Not sent: WhatsApp allows at most %d choices in a list.", max)
		}
		in := &cloudapi.Interactive{Type: cloudapi.InteractiveButton, Body: q}
		var rows []cloudapi.Row
		for _, o := range opts {
			if utf8.RuneCountInString(o) > maxTitle {
				return say("Not sent: %q is longer than the %d characters WhatsApp allows for a choice.", o, maxTitle)
			}
			in.Buttons = append(in.Buttons, cloudapi.Button{ID: o, Title: o})
			rows = append(rows, cloudapi.Row{ID: o, Title: o})
		}
		if name == "/list" {
			in.Type, in.Buttons, in.Button, in.Sections = cloudapi.InteractiveList, nil, "Choose", []cloudapi.Section{{Rows: rows}}
		}
		req = &outbox.Request{Message: &cloudapi.Message{Interactive: in}, Text: q + " [" + strings.Join(opts, " | ") + "]"}
	case "/r":
		shortcut := strings.TrimSpace(rest)
		if shortcut == "" {
			return say("%s", r.cannedList(tx, ext))
		}
		cr, err := canned.Find(tx, ext, shortcut)
		if errors.Is(err, store.ErrNotFound) {
			return say("No canned reply %q. %s", shortcut, r.cannedList(tx, ext))
		} else if err != nil {
			return err
		}
		text := canned.Expand(cr.Text, canned.Vars{Customer: c.cust, Channel: c.ch, Extension: ext})
		req = &outbox.Request{Message: &cloudapi.Message{Text: &cloudapi.Text{Body: text}}}
	}
	sent, err := r.sendAs(tx, c, ext, req, true)
	if sent {
		tx.OnCommit(r.opts.WakeOutbox)
	}
	return err
}

// cannedList names the canned replies ext can use.
func (r *Router) cannedList(tx *store.Tx, ext string) string {
	var names []string
	for _, owner := range []string{ext, ""} {
		cs, err := tx.CannedReplies(owner)
		if err != nil {
			r.log.Warn("listing canned replies", slog.Any("error", err))
		}
		for _, c := range cs {
			names = append(names, c.Shortcut)
		}
	}
	if len(names) == 0 {
		return "There are no canned replies yet."
	}
	return "Canned replies: " + strings.Join(names, ", ") + " (/r <shortcut>)."
}
