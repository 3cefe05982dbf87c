package wa

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrNotEnvelope reports a body that is valid JSON but not a webhook
// envelope (no "entry" array).
var ErrNotEnvelope = errors.New("not a webhook envelope")

// Parse normalizes a webhook body into a flat slice of events, in the
// order they appear. It fails only when body is not a JSON object of the
// envelope's shape; unknown fields, message types and change fields never
// fail and are kept as raw JSON. Parse does not check the signature.
func Parse(body []byte) ([]Event, error) {
	var env envelopeWire
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("decoding webhook body: %w", err)
	}
	if env.Entry == nil {
		return nil, ErrNotEnvelope
	}
	var events []Event
	for _, entry := range env.Entry {
		for _, ch := range entry.Changes {
			base := Event{Field: ch.Field, WABAID: string(entry.ID), Time: entry.Time.time()}
			events = appendChange(events, base, ch.Value)
		}
	}
	return events, nil
}

// appendChange appends the events of one change value to events.
func appendChange(events []Event, base Event, raw json.RawMessage) []Event {
	var v valueWire
	decodeLoose(raw, &v)
	base.PhoneNumberID = v.Metadata.PhoneNumberID
	base.DisplayPhoneNumber = v.Metadata.DisplayPhoneNumber
	base.Errors = convertErrors(v.Errors)

	switch base.Field {
	case "message_template_status_update":
		return append(events, templateEvent(base, KindTemplateStatus, &v, raw))
	case "message_template_quality_update":
		return append(events, templateEvent(base, KindTemplateQuality, &v, raw))
	case "template_category_update":
		return append(events, templateEvent(base, KindTemplateCategory, &v, raw))
	case "message_template_components_update":
		return append(events, templateEvent(base, KindTemplateComponents, &v, raw))
	case "phone_number_quality_update":
		e := base
		e.Kind, e.Raw = KindPhoneQuality, raw
		if e.DisplayPhoneNumber == "" {
			e.DisplayPhoneNumber = v.DisplayPhoneNumber
		}
		e.PhoneQuality = &PhoneQualityUpdate{DisplayPhoneNumber: v.DisplayPhoneNumber, Event: v.Event, CurrentLimit: v.CurrentLimit}
		return append(events, e)
	case "user_preferences":
		if len(v.UserPreferences) == 0 {
			break
		}
		for _, up := range v.UserPreferences {
			e := base
			e.Kind, e.Raw = KindUserPreference, raw
			e.Preference = &UserPreference{WAID: up.WAID, UserID: up.UserID, Category: up.Category, Value: up.Value,
				Detail: up.Detail, Timestamp: up.Timestamp.time()}
			if e.Preference.UserID == "" {
				if c := matchContact(v.Contacts, up.WAID, ""); c != nil && c.WAID == up.WAID {
					e.Preference.UserID = c.UserID
				}
			}
			events = append(events, e)
		}
		return events
	case "account_update":
		e := base
		e.Kind, e.Raw = KindAccountUpdate, raw
		e.Account = &AccountUpdate{Event: v.Event, PhoneNumber: v.PhoneNumber}
		return append(events, e)
	}

	n := len(events)
	for _, m := range v.Messages {
		e := base
		e.Kind, e.Raw = KindMessage, m
		e.Message = parseMessage(m, v.Contacts, false)
		if len(v.Messages) == 1 && len(e.Message.Errors) == 0 {
			// Errors delivered with a lone message tell the agent why
			// it came through empty (Meta: "Unsupported webhook payload").
			e.Message.Errors = base.Errors
		}
		events = append(events, e)
	}
	for _, m := range v.MessageEchoes {
		e := base
		e.Kind, e.Raw = KindMessageEcho, m
		e.Message = parseMessage(m, v.Contacts, true)
		events = append(events, e)
	}
	// Call status updates share the "statuses" key but are not message
	// statuses; they stay in the change's KindOther event.
	if base.Field == "messages" {
		for _, s := range v.Statuses {
			e := base
			e.Kind, e.Raw = KindStatus, s
			e.Status = parseStatus(s, v.Contacts)
			events = append(events, e)
		}
	}
	if len(events) > n {
		if len(base.Errors) > 0 {
			// Value-level errors beside messages or statuses concern the
			// account, not those messages: report them on their own too.
			e := base
			e.Kind, e.Raw = KindError, raw
			events = append(events, e)
		}
		return events
	}
	e := base
	e.Kind, e.Raw = KindOther, raw
	if base.Field == "messages" && len(base.Errors) > 0 {
		e.Kind = KindError
	}
	return append(events, e)
}

func templateEvent(base Event, kind Kind, v *valueWire, raw json.RawMessage) Event {
	base.Kind, base.Raw = kind, raw
	newCategory := v.NewCategory
	if newCategory == "" {
		newCategory = v.CorrectCategory
	}
	base.Template = &TemplateUpdate{
		ID:               string(v.TemplateID),
		Name:             v.TemplateName,
		Language:         v.TemplateLanguage,
		Event:            v.Event,
		Reason:           v.Reason,
		Category:         v.TemplateCategory,
		PreviousQuality:  v.PreviousQualityScore,
		NewQuality:       v.NewQualityScore,
		PreviousCategory: v.PreviousCategory,
		NewCategory:      newCategory,
	}
	return base
}
