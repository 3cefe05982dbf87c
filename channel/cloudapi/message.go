package cloudapi

import (
	"encoding/json"
	"strings"
)

// Message types accepted by the send endpoint.
const (
	TypeText        = "text"
	TypeImage       = "image"
	TypeAudio       = "audio"
	TypeVideo       = "video"
	TypeDocument    = "document"
	TypeSticker     = "sticker"
	TypeLocation    = "location"
	TypeContacts    = "contacts"
	TypeInteractive = "interactive"
	TypeTemplate    = "template"
	TypeReaction    = "reaction"
)

// Message is one outbound message. Set exactly one of To (E.164; sent with a
// leading +) or Recipient (a business-scoped user id), and exactly one
// payload. Type may be left empty: it is then taken from the payload.
type Message struct {
	To        string
	Recipient string
	Type      string

	Text        *Text
	Image       *Media
	Audio       *Media
	Video       *Media
	Document    *Media
	Sticker     *Media
	Location    *Location
	Contacts    []Contact
	Interactive *Interactive
	Template    *TemplateMessage
	Reaction    *Reaction

	// Context makes the message a reply to an earlier one.
	Context *Context
	// BizOpaqueCallbackData is echoed in every status webhook of the
	// message (at most 512 characters).
	BizOpaqueCallbackData string
}

// Text is a text message body.
type Text struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url,omitempty"`
}

// Media is an image, audio, video, document or sticker given by an uploaded
// media ID or a public Link (exactly one). Caption applies to image, video
// and document; Filename to document.
type Media struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// Location is a map pin.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// Reaction sets Emoji on the message MessageID; an empty Emoji removes the
// reaction.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

// Context points at the message being replied to.
type Context struct {
	MessageID string `json:"message_id"`
}

// Sent is Meta's acknowledgement of a send: the message was accepted, not
// yet delivered. Delivery is reported by status webhooks.
type Sent struct {
	WAMID         string
	WaID          string
	MessageStatus string
}

// kind returns the message type: Type, or the type of the only payload set.
func (m *Message) kind() string {
	if m.Type != "" {
		return m.Type
	}
	set := m.payloads()
	if len(set) == 1 {
		return set[0]
	}
	return ""
}

// payloads lists the types whose payload is set.
func (m *Message) payloads() []string {
	var set []string
	add := func(ok bool, t string) {
		if ok {
			set = append(set, t)
		}
	}
	add(m.Text != nil, TypeText)
	add(m.Image != nil, TypeImage)
	add(m.Audio != nil, TypeAudio)
	add(m.Video != nil, TypeVideo)
	add(m.Document != nil, TypeDocument)
	add(m.Sticker != nil, TypeSticker)
	add(m.Location != nil, TypeLocation)
	add(m.Contacts != nil, TypeContacts)
	add(m.Interactive != nil, TypeInteractive)
	add(m.Template != nil, TypeTemplate)
	add(m.Reaction != nil, TypeReaction)
	return set
}

// wireMessage is the JSON body of POST /{phone-number-id}/messages.
type wireMessage struct {
	MessagingProduct      string           `json:"messaging_product"`
	RecipientType         string           `json:"recipient_type"`
	To                    string           `json:"to,omitempty"`
	Recipient             string           `json:"recipient,omitempty"`
	Type                  string           `json:"type"`
	Text                  *Text            `json:"text,omitempty"`
	Image                 *Media           `json:"image,omitempty"`
	Audio                 *Media           `json:"audio,omitempty"`
	Video                 *Media           `json:"video,omitempty"`
	Document              *Media           `json:"document,omitempty"`
	Sticker               *Media           `json:"sticker,omitempty"`
	Location              *Location        `json:"location,omitempty"`
	Contacts              []Contact        `json:"contacts,omitempty"`
	Interactive           *Interactive     `json:"interactive,omitempty"`
	Template              *TemplateMessage `json:"template,omitempty"`
	Reaction              *Reaction        `json:"reaction,omitempty"`
	Context               *Context         `json:"context,omitempty"`
	BizOpaqueCallbackData string           `json:"biz_opaque_callback_data,omitempty"`
}

// MarshalJSON encodes m as Meta's send body.
func (m *Message) MarshalJSON() ([]byte, error) {
	to := m.To
	if to != "" && !strings.HasPrefix(to, "+") {
		to = "+" + to
	}
	return json.Marshal(wireMessage{
		MessagingProduct:      "whatsapp",
		RecipientType:         "individual",
		To:                    to,
		Recipient:             m.Recipient,
		Type:                  m.kind(),
		Text:                  m.Text,
		Image:                 m.Image,
		Audio:                 m.Audio,
		Video:                 m.Video,
		Document:              m.Document,
		Sticker:               m.Sticker,
		Location:              m.Location,
		Contacts:              m.Contacts,
		Interactive:           m.Interactive,
		Template:              m.Template,
		Reaction:              m.Reaction,
		Context:               m.Context,
		BizOpaqueCallbackData: m.BizOpaqueCallbackData,
	})
}
