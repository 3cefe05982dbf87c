package wa

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Notice returns one line describing an event that is not a message or a
// status (errors, template, quality and account updates…) for the
// admin's event list.
func (ev *Event) Notice() string {
	switch {
	case ev.Kind == KindError:
		texts := make([]string, len(ev.Errors))
		for i, e := range ev.Errors {
			texts[i] = e.Text()
		}
		return "Meta reported " + strings.Join(texts, "; ")
	case ev.Template != nil:
		t := ev.Template
		what := firstNonEmpty(t.Event, t.NewQuality, t.NewCategory, "updated")
		s := "template " + firstNonEmpty(t.Name, t.ID) + " (" + firstNonEmpty(t.Language, "all languages") + "): " + what
		if t.Reason != "" && t.Reason != "NONE" {
			s += " (" + t.Reason + ")"
		}
		return s
	case ev.PhoneQuality != nil:
		q := ev.PhoneQuality
		s := "phone number " + firstNonEmpty(q.DisplayPhoneNumber, ev.DisplayPhoneNumber) + ": " + firstNonEmpty(q.Event, "quality update")
		if q.CurrentLimit != "" {
			s += ", limit " + q.CurrentLimit
		}
		return s
	case ev.Preference != nil:
		p := ev.Preference
		s := "customer " + firstNonEmpty(p.CustomerKey(), "unknown") + ": " + firstNonEmpty(p.Category, "preference") + " " + firstNonEmpty(p.Value, "changed")
		if p.Detail != "" {
			s += " (" + p.Detail + ")"
		}
		return s
	case ev.Account != nil:
		return "account: " + firstNonEmpty(ev.Account.Event, "update")
	}
	switch ev.Field {
	case "history":
		return historyNotice(ev.Raw)
	case "smb_app_state_sync":
		return stateSyncNotice(ev.Raw)
	}
	return firstNonEmpty(ev.Field, string(ev.Kind))
}

// historyNotice counts what a Business app history sync carried.
func historyNotice(raw []byte) string {
	var v struct {
		History []struct {
			Metadata struct {
				Phase    flexString `json:"phase"`
				Progress flexString `json:"progress"`
			} `json:"metadata"`
			Threads []struct {
				Messages []json.RawMessage `json:"messages"`
			} `json:"threads"`
			Errors []errorWire `json:"errors"`
		} `json:"history"`
	}
	decodeLoose(raw, &v)
	chats, msgs := 0, 0
	var phase, progress string
	var errs []string
	for _, h := range v.History {
		chats += len(h.Threads)
		for _, t := range h.Threads {
			msgs += len(t.Messages)
		}
		phase, progress = string(h.Metadata.Phase), string(h.Metadata.Progress)
		for _, e := range convertErrors(h.Errors) {
			errs = append(errs, e.Text())
		}
	}
	s := "Business app history: " + strconv.Itoa(msgs) + " messages in " + strconv.Itoa(chats) + " chats"
	if phase != "" || progress != "" {
		s += " (phase " + firstNonEmpty(phase, "?") + ", " + firstNonEmpty(progress, "?") + "%)"
	}
	if len(errs) > 0 {
		s += "; " + strings.Join(errs, "; ")
	}
	return s
}

// stateSyncNotice counts the contacts a Business app state sync carried.
func stateSyncNotice(raw []byte) string {
	var v struct {
		StateSync []struct {
			Type   string `json:"type"`
			Action string `json:"action"`
		} `json:"state_sync"`
	}
	decodeLoose(raw, &v)
	actions := map[string]int{}
	var order []string
	for _, s := range v.StateSync {
		a := firstNonEmpty(s.Type, "item") + " " + firstNonEmpty(s.Action, "sync")
		if actions[a] == 0 {
			order = append(order, a)
		}
		actions[a]++
	}
	parts := make([]string, len(order))
	for i, a := range order {
		parts[i] = strconv.Itoa(actions[a]) + " × " + a
	}
	if len(parts) == 0 {
		return "Business app contacts sync: nothing"
	}
	return "Business app contacts sync: " + strings.Join(parts, ", ")
}
