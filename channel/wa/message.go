package wa

import (
	"encoding/json"
	"strings"
)

// CustomerKey returns the key that identifies the customer of m (the
// sender, or the recipient of an echo): the phone number (wa_id) when
// present, otherwise the business-scoped user id; for a group message,
// the group id. It is empty only when the webhook carried none.
func (m *Message) CustomerKey() string {
	if m.GroupID != "" {
		return m.GroupID
	}
	phone, userID := m.From, m.FromUserID
	if m.Echo {
		phone, userID = m.To, m.ToUserID
	}
	if phone != "" {
		return phone
	}
	return userID
}

// parseMessage converts one message object; contacts is the value's
// contacts array, which describes the customer: the sender of an inbound
// message, the recipient of an echo.
func parseMessage(raw json.RawMessage, contacts []contactWire, echo bool) *Message {
	var w messageWire
	decodeLoose(raw, &w)
	m := convertMessage(&w)
	m.Raw = raw
	m.Echo = echo
	phone, userID := &m.From, &m.FromUserID
	if echo {
		phone, userID = &m.To, &m.ToUserID
	}
	splitUserID(phone, userID)
	if c := matchContact(contacts, *phone, *userID); c != nil {
		m.ProfileName = c.Profile.Name
		m.Username = c.Profile.Username
		if *phone == "" {
			*phone = c.WAID
		}
		if *userID == "" {
			*userID = c.UserID
		}
	}
	return m
}

// splitUserID moves a business-scoped user id found where a phone number
// belongs (a username user's "from") to its own field.
func splitUserID(phone, userID *string) {
	if !IsUserID(*phone) {
		return
	}
	if *userID == "" {
		*userID = *phone
	}
	*phone = ""
}

// IsUserID reports whether s has the shape of a business-scoped user id:
// a country code of capital letters, a dot, then letters, digits and dots
// ("US.13491208655302741918").
func IsUserID(s string) bool {
	cc, rest, ok := strings.Cut(s, ".")
	if !ok || len(cc) < 2 || len(cc) > 3 || rest == "" {
		return false
	}
	for i := 0; i < len(cc); i++ {
		if cc[i] < 'A' || cc[i] > 'Z' {
			return false
		}
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.') {
			return false
		}
	}
	return true
}

// matchContact returns the contact describing the sender: the one whose
// wa_id or user_id matches, else the only contact, else nil.
func matchContact(contacts []contactWire, from, fromUserID string) *contactWire {
	for i := range contacts {
		c := &contacts[i]
		if (from != "" && c.WAID == from) || (fromUserID != "" && c.UserID == fromUserID) {
			return c
		}
	}
	if len(contacts) == 1 {
		return &contacts[0]
	}
	return nil
}

func convertMessage(w *messageWire) *Message {
	m := &Message{
		ID:         w.ID,
		From:       w.From,
		FromUserID: w.FromUserID,
		To:         w.To,
		ToUserID:   w.ToUserID,
		GroupID:    w.GroupID,
		Timestamp:  w.Timestamp.time(),
		Type:       w.Type,
		Errors:     convertErrors(w.Errors),
	}
	if w.Text != nil {
		m.Text = w.Text.Body
	}
	m.Media = convertMedia(w)
	if l := w.Location; l != nil {
		m.Location = &Location{Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name, Address: l.Address, URL: l.URL}
	}
	m.Contacts = convertContacts(w.Contacts)
	if len(w.Interactive) > 0 && string(w.Interactive) != "null" {
		m.Interactive = convertInteractive(w.Interactive)
	}
	if w.Button != nil {
		b := *w.Button
		m.Button = &b
	}
	if r := w.Reaction; r != nil {
		m.Reaction = &Reaction{MessageID: r.MessageID, Emoji: r.Emoji, Removed: r.Emoji == ""}
	}
	m.Order = convertOrder(w.Order)
	if s := w.System; s != nil {
		m.System = &System{Type: s.Type, Body: s.Body, WAID: s.WAID, NewWAID: s.NewWAID, UserID: s.UserID, PreviousUserID: s.PreviousUserID}
		if m.System.NewWAID == "" && (s.Type == "user_changed_number" || s.Type == "customer_changed_number") {
			m.System.NewWAID = s.WAID
		}
	}
	if w.Unsupported != nil {
		u := *w.Unsupported
		m.Unsupported = &u
	} else if w.Type == "unsupported" {
		m.Unsupported = &Unsupported{}
	}
	if e := w.Edit; e != nil {
		m.Edit = &Edit{OriginalMessageID: e.OriginalMessageID}
		if len(e.Message) > 0 && string(e.Message) != "null" {
			var inner messageWire
			decodeLoose(e.Message, &inner)
			m.Edit.Message = convertMessage(&inner)
			m.Edit.Message.Raw = e.Message
		}
	}
	if w.Revoke != nil {
		m.Revoke = &Revoke{OriginalMessageID: w.Revoke.OriginalMessageID}
	}
	if c := w.Context; c != nil && *c != (contextWire{}) {
		m.Context = &Context{From: c.From, ID: c.ID, Forwarded: c.Forwarded, FrequentlyForwarded: c.FrequentlyForwarded}
		if p := c.ReferredProduct; p != nil {
			m.Context.ReferredProduct = &ReferredProduct{CatalogID: string(p.CatalogID), ProductRetailerID: string(p.ProductRetailerID)}
		}
	}
	if r := w.Referral; r != nil {
		m.Referral = &Referral{
			SourceURL: r.SourceURL, SourceID: r.SourceID, SourceType: r.SourceType,
			Headline: r.Headline, Body: r.Body, MediaType: r.MediaType,
			ImageURL: r.ImageURL, VideoURL: r.VideoURL, ThumbnailURL: r.ThumbnailURL,
			CtwaClid: r.CtwaClid,
		}
	}
	return m
}

// convertMedia returns the attachment named by the message type, or the
// first one present when the type is unexpected.
func convertMedia(w *messageWire) *Media {
	var mw *mediaWire
	switch w.Type {
	case "image":
		mw = w.Image
	case "audio":
		mw = w.Audio
	case "video":
		mw = w.Video
	case "document":
		mw = w.Document
	case "sticker":
		mw = w.Sticker
	}
	if mw == nil {
		for _, c := range []*mediaWire{w.Image, w.Video, w.Audio, w.Document, w.Sticker} {
			if c != nil {
				mw = c
				break
			}
		}
	}
	if mw == nil {
		return nil
	}
	md := Media(*mw)
	return &md
}

func convertContacts(in []sharedContact) []Contact {
	if len(in) == 0 {
		return nil
	}
	out := make([]Contact, len(in))
	for i, c := range in {
		out[i] = Contact{
			Name:     ContactName(c.Name),
			Org:      ContactOrg(c.Org),
			Birthday: c.Birthday,
		}
		for _, p := range c.Phones {
			out[i].Phones = append(out[i].Phones, ContactPhone(p))
		}
		for _, e := range c.Emails {
			out[i].Emails = append(out[i].Emails, ContactEmail(e))
		}
	}
	return out
}

func convertInteractive(raw json.RawMessage) *Interactive {
	var w interactiveWire
	decodeLoose(raw, &w)
	in := &Interactive{Type: w.Type, Raw: raw}
	switch {
	case w.ButtonReply != nil:
		in.ID, in.Title = w.ButtonReply.ID, w.ButtonReply.Title
	case w.ListReply != nil:
		in.ID, in.Title, in.Description = w.ListReply.ID, w.ListReply.Title, w.ListReply.Description
	case w.NFMReply != nil:
		in.ResponseJSON, in.Body, in.Name = w.NFMReply.ResponseJSON, w.NFMReply.Body, w.NFMReply.Name
	case w.CallPermissionReply != nil:
		in.Response = w.CallPermissionReply.Response
	}
	return in
}

func convertOrder(w *orderWire) *Order {
	if w == nil {
		return nil
	}
	o := &Order{CatalogID: string(w.CatalogID), Text: w.Text}
	for _, it := range w.ProductItems {
		o.Items = append(o.Items, OrderItem{
			ProductRetailerID: string(it.ProductRetailerID),
			Quantity:          it.Quantity,
			ItemPrice:         it.ItemPrice,
			Currency:          it.Currency,
		})
	}
	return o
}
