package wa

import "strings"

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
	return firstNonEmpty(ev.Field, string(ev.Kind))
}
