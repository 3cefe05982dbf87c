package cloudapi

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"unicode/utf8"
)

// Limits Meta places on outbound messages, in characters.
const (
	MaxTextBody          = 4096
	MaxCaption           = 1024
	MaxButtons           = 3
	MaxButtonTitle       = 20
	MaxButtonID          = 256
	MaxInteractiveBody   = 1024
	MaxFooter            = 60
	MaxHeaderText        = 60
	MaxSections          = 10
	MaxRows              = 10
	MaxRowID             = 200
	MaxRowTitle          = 24
	MaxRowDescription    = 72
	MaxSectionTitle      = 24
	MaxListButton        = 20
	MaxContacts          = 257
	MaxBizOpaqueCallback = 512
)

// ErrInvalidMessage is wrapped by every *ValidationError.
var ErrInvalidMessage = errors.New("invalid message")

// ValidationError names the field of a Message that breaks one of Meta's
// rules, with the field path spelled as in Meta's JSON body.
type ValidationError struct {
	Field  string
	Reason string
}

// Error names the field and the rule it breaks.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid message: %s: %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalidMessage.
func (e *ValidationError) Unwrap() error { return ErrInvalidMessage }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

var (
	e164Digits   = regexp.MustCompile(`^[1-9][0-9]{6,14}$`)
	bsuidPattern = regexp.MustCompile(`^[A-Z]{2}\.(ENT\.)?[0-9A-Za-z]{1,128}$`)
	templateName = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	paramName    = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)
)

// maxLen checks that s has at most n characters.
func maxLen(field, s string, n int) error {
	if c := utf8.RuneCountInString(s); c > n {
		return invalid(field, "%d characters, at most %d allowed", c, n)
	}
	return nil
}

// required checks that s is not empty and has at most n characters.
func required(field, s string, n int) error {
	if s == "" {
		return invalid(field, "required")
	}
	return maxLen(field, s, n)
}

// Validate checks m against Meta's rules for the send endpoint and returns
// a *ValidationError naming the first field that breaks one. Send calls it.
func (m *Message) Validate() error {
	if m == nil {
		return invalid("message", "nil")
	}
	switch {
	case m.To != "" && m.Recipient != "":
		return invalid("to", "set either to or recipient, not both")
	case m.To == "" && m.Recipient == "":
		return invalid("to", "required (or recipient)")
	case m.To != "":
		to := m.To
		if to[0] == '+' {
			to = to[1:]
		}
		if !e164Digits.MatchString(to) {
			return invalid("to", "not an E.164 number (digits with country code)")
		}
	default:
		if !bsuidPattern.MatchString(m.Recipient) {
			return invalid("recipient", "not a business-scoped user id")
		}
	}
	set := m.payloads()
	switch {
	case len(set) == 0:
		return invalid("type", "no payload set")
	case len(set) > 1:
		return invalid("type", "more than one payload set: %v", set)
	case m.Type != "" && m.Type != set[0]:
		return invalid("type", "type %q does not match the %s payload", m.Type, set[0])
	}
	if err := maxLen("biz_opaque_callback_data", m.BizOpaqueCallbackData, MaxBizOpaqueCallback); err != nil {
		return err
	}
	if m.Context != nil && m.Context.MessageID == "" {
		return invalid("context.message_id", "required")
	}
	switch set[0] {
	case TypeText:
		return required("text.body", m.Text.Body, MaxTextBody)
	case TypeImage:
		return validateMedia("image", m.Image, true, false)
	case TypeVideo:
		return validateMedia("video", m.Video, true, false)
	case TypeDocument:
		return validateMedia("document", m.Document, true, true)
	case TypeAudio:
		return validateMedia("audio", m.Audio, false, false)
	case TypeSticker:
		return validateMedia("sticker", m.Sticker, false, false)
	case TypeLocation:
		return validateLocation("location", m.Location)
	case TypeContacts:
		return validateContacts(m.Contacts)
	case TypeInteractive:
		return m.Interactive.validate()
	case TypeTemplate:
		return m.Template.validate()
	case TypeReaction:
		if m.Reaction.MessageID == "" {
			return invalid("reaction.message_id", "required")
		}
	}
	return nil
}

func validateMedia(field string, m *Media, caption, filename bool) error {
	switch {
	case m.ID == "" && m.Link == "":
		return invalid(field+".id", "required (or link)")
	case m.ID != "" && m.Link != "":
		return invalid(field+".id", "set either id or link, not both")
	case !caption && m.Caption != "":
		return invalid(field+".caption", "not allowed for %s", field)
	case !filename && m.Filename != "":
		return invalid(field+".filename", "not allowed for %s", field)
	}
	return maxLen(field+".caption", m.Caption, MaxCaption)
}

func validateLocation(field string, l *Location) error {
	if l == nil {
		return invalid(field, "required")
	}
	if l.Latitude < -90 || l.Latitude > 90 {
		return invalid(field+".latitude", "out of range")
	}
	if l.Longitude < -180 || l.Longitude > 180 {
		return invalid(field+".longitude", "out of range")
	}
	return nil
}

func validateContacts(cs []Contact) error {
	if len(cs) == 0 {
		return invalid("contacts", "at least one contact required")
	}
	if len(cs) > MaxContacts {
		return invalid("contacts", "%d contacts, at most %d allowed", len(cs), MaxContacts)
	}
	for i, c := range cs {
		if c.Name.FormattedName == "" {
			return invalid(fmt.Sprintf("contacts[%d].name.formatted_name", i), "required")
		}
	}
	return nil
}

func (i *Interactive) validate() error {
	if err := maxLen("interactive.footer.text", i.Footer, MaxFooter); err != nil {
		return err
	}
	if err := required("interactive.body.text", i.Body, MaxInteractiveBody); err != nil {
		return err
	}
	if h := i.Header; h != nil {
		switch h.Type {
		case "text":
			if err := required("interactive.header.text", h.Text, MaxHeaderText); err != nil {
				return err
			}
		case TypeImage, TypeVideo, TypeDocument:
			if i.Type != InteractiveButton && i.Type != InteractiveCTAURL {
				return invalid("interactive.header.type", "a %s header must be text", i.Type)
			}
			if h.Media == nil {
				return invalid("interactive.header."+h.Type, "required")
			}
			if err := validateMedia("interactive.header."+h.Type, h.Media, false, h.Type == TypeDocument); err != nil {
				return err
			}
		default:
			return invalid("interactive.header.type", "must be text, image, video or document")
		}
	}
	switch i.Type {
	case InteractiveButton:
		return i.validateButtons()
	case InteractiveList:
		return i.validateList()
	case InteractiveCTAURL:
		return i.validateCTA()
	case InteractiveLocationRequest:
		return i.validateLocationRequest()
	}
	return invalid("interactive.type", "must be button, list, cta_url or location_request_message")
}

func (i *Interactive) validateButtons() error {
	if len(i.Sections) > 0 || i.Button != "" {
		return invalid("interactive.action.sections", "not allowed in a button message")
	}
	switch n := len(i.Buttons); {
	case n == 0:
		return invalid("interactive.action.buttons", "at least one button required")
	case n > MaxButtons:
		return invalid("interactive.action.buttons", "%d buttons, at most %d allowed", n, MaxButtons)
	}
	var titles, ids []string
	for n, b := range i.Buttons {
		f := fmt.Sprintf("interactive.action.buttons[%d].reply", n)
		if err := required(f+".id", b.ID, MaxButtonID); err != nil {
			return err
		}
		if err := required(f+".title", b.Title, MaxButtonTitle); err != nil {
			return err
		}
		if slices.Contains(titles, b.Title) {
			return invalid(f+".title", "duplicate title %q", b.Title)
		}
		if slices.Contains(ids, b.ID) {
			return invalid(f+".id", "duplicate id %q", b.ID)
		}
		titles = append(titles, b.Title)
		ids = append(ids, b.ID)
	}
	return nil
}

func (i *Interactive) validateList() error {
	if len(i.Buttons) > 0 {
		return invalid("interactive.action.buttons", "not allowed in a list message")
	}
	if err := required("interactive.action.button", i.Button, MaxListButton); err != nil {
		return err
	}
	switch n := len(i.Sections); {
	case n == 0:
		return invalid("interactive.action.sections", "at least one section required")
	case n > MaxSections:
		return invalid("interactive.action.sections", "%d sections, at most %d allowed", n, MaxSections)
	}
	var rows int
	var ids []string
	for s, sec := range i.Sections {
		f := fmt.Sprintf("interactive.action.sections[%d]", s)
		if len(i.Sections) > 1 && sec.Title == "" {
			return invalid(f+".title", "required when there is more than one section")
		}
		if err := maxLen(f+".title", sec.Title, MaxSectionTitle); err != nil {
			return err
		}
		if len(sec.Rows) == 0 {
			return invalid(f+".rows", "at least one row required")
		}
		for r, row := range sec.Rows {
			rows++
			if rows > MaxRows {
				return invalid("interactive.action.sections", "more than %d rows in total", MaxRows)
			}
			rf := fmt.Sprintf("%s.rows[%d]", f, r)
			if err := required(rf+".id", row.ID, MaxRowID); err != nil {
				return err
			}
			if slices.Contains(ids, row.ID) {
				return invalid(rf+".id", "duplicate id %q", row.ID)
			}
			ids = append(ids, row.ID)
			if err := required(rf+".title", row.Title, MaxRowTitle); err != nil {
				return err
			}
			if err := maxLen(rf+".description", row.Description, MaxRowDescription); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *TemplateMessage) validate() error {
	if !templateName.MatchString(t.Name) {
		return invalid("template.name", "required: lowercase letters, digits and underscores")
	}
	if t.Language == "" {
		return invalid("template.language.code", "required")
	}
	var buttons []int
	for c, comp := range t.Components {
		f := fmt.Sprintf("template.components[%d]", c)
		switch comp.Type {
		case "header", "body":
			if comp.SubType != "" {
				return invalid(f+".sub_type", "only for buttons")
			}
		case "button":
			if comp.SubType == "" {
				return invalid(f+".sub_type", "required for a button")
			}
			if comp.Index < 0 || comp.Index > 9 {
				return invalid(f+".index", "must be 0 to 9")
			}
			if slices.Contains(buttons, comp.Index) {
				return invalid(f+".index", "duplicate button index %d", comp.Index)
			}
			buttons = append(buttons, comp.Index)
		default:
			return invalid(f+".type", "must be header, body or button")
		}
		named := 0
		for p, par := range comp.Parameters {
			if err := par.validate(fmt.Sprintf("%s.parameters[%d]", f, p), comp.Type); err != nil {
				return err
			}
			if par.Name != "" {
				named++
			}
		}
		if named != 0 && named != len(comp.Parameters) {
			return invalid(f+".parameters", "mixes named and positional parameters")
		}
	}
	return nil
}

func (p Parameter) validate(f, component string) error {
	if p.Name != "" {
		if p.Type != "text" {
			return invalid(f+".parameter_name", "only text parameters are named")
		}
		if !paramName.MatchString(p.Name) {
			return invalid(f+".parameter_name", "lowercase letters, digits and underscores")
		}
	}
	switch p.Type {
	case "text":
		if p.Text == "" {
			return invalid(f+".text", "required")
		}
	case "payload":
		if component != "button" {
			return invalid(f+".type", "payload parameters belong to buttons")
		}
		if p.Payload == "" {
			return invalid(f+".payload", "required")
		}
	case TypeImage, TypeVideo, TypeDocument:
		if component != "header" {
			return invalid(f+".type", "media parameters belong to the header")
		}
		if p.Media == nil {
			return invalid(f+"."+p.Type, "required")
		}
		return validateMedia(f+"."+p.Type, p.Media, false, p.Type == TypeDocument)
	case TypeLocation:
		return validateLocation(f+".location", p.Location)
	case "currency":
		if p.Currency == nil || p.Currency.Code == "" {
			return invalid(f+".currency", "required with a code")
		}
	case "date_time":
		if p.DateTime == nil || p.DateTime.FallbackValue == "" {
			return invalid(f+".date_time.fallback_value", "required")
		}
	default:
		return invalid(f+".type", "unknown parameter type %q", p.Type)
	}
	return nil
}
