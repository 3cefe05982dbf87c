package cloudapi

import "encoding/json"

// Interactive kinds.
const (
	InteractiveButton          = "button"
	InteractiveList            = "list"
	InteractiveCTAURL          = "cta_url"
	InteractiveLocationRequest = "location_request_message"
)

// Interactive is a reply-buttons message (Type "button", up to three
// Buttons), a list message (Type "list", a menu Button and Sections), a
// call-to-action URL button (Type "cta_url", CTA) or a location request
// (Type "location_request_message", a body only).
type Interactive struct {
	Type   string
	Header *Header
	Body   string
	Footer string

	// Buttons are the reply buttons of a "button" message.
	Buttons []Button
	// Button is the label of the menu button of a "list" message.
	Button string
	// Sections are the menu sections of a "list" message.
	Sections []Section
	// CTA is the button of a "cta_url" message.
	CTA *CTA
}

// CTA is a call-to-action button that opens URL.
type CTA struct {
	DisplayText string `json:"display_text"`
	URL         string `json:"url"`
}

// Header is the optional header of an interactive message: Type "text" with
// Text, or "image", "video" or "document" with Media (buttons only).
type Header struct {
	Type  string
	Text  string
	Media *Media
}

// Button is one reply button.
type Button struct {
	ID    string
	Title string
}

// Section is one section of a list message.
type Section struct {
	Title string
	Rows  []Row
}

// Row is one choice of a list message.
type Row struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type wireText struct {
	Text string `json:"text"`
}

type wireHeader struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	Image    *Media `json:"image,omitempty"`
	Video    *Media `json:"video,omitempty"`
	Document *Media `json:"document,omitempty"`
}

type wireReply struct {
	Type  string `json:"type"`
	Reply struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"reply"`
}

type wireSection struct {
	Title string `json:"title,omitempty"`
	Rows  []Row  `json:"rows"`
}

type wireAction struct {
	Name       string        `json:"name,omitempty"`
	Parameters *CTA          `json:"parameters,omitempty"`
	Buttons    []wireReply   `json:"buttons,omitempty"`
	Button     string        `json:"button,omitempty"`
	Sections   []wireSection `json:"sections,omitempty"`
}

type wireInteractive struct {
	Type   string      `json:"type"`
	Header *wireHeader `json:"header,omitempty"`
	Body   *wireText   `json:"body,omitempty"`
	Footer *wireText   `json:"footer,omitempty"`
	Action wireAction  `json:"action"`
}

// MarshalJSON encodes i in Meta's nested shape
// {type, header?, body:{text}, footer?:{text},
// action:{buttons | button,sections | name,parameters}}.
func (i *Interactive) MarshalJSON() ([]byte, error) {
	w := wireInteractive{Type: i.Type}
	if h := i.Header; h != nil {
		wh := &wireHeader{Type: h.Type, Text: h.Text}
		switch h.Type {
		case TypeImage:
			wh.Image = h.Media
		case TypeVideo:
			wh.Video = h.Media
		case TypeDocument:
			wh.Document = h.Media
		}
		w.Header = wh
	}
	if i.Body != "" {
		w.Body = &wireText{Text: i.Body}
	}
	if i.Footer != "" {
		w.Footer = &wireText{Text: i.Footer}
	}
	for _, b := range i.Buttons {
		r := wireReply{Type: "reply"}
		r.Reply.ID = b.ID
		r.Reply.Title = b.Title
		w.Action.Buttons = append(w.Action.Buttons, r)
	}
	w.Action.Button = i.Button
	switch i.Type {
	case InteractiveCTAURL:
		w.Action.Name, w.Action.Parameters = "cta_url", i.CTA
	case InteractiveLocationRequest:
		w.Action.Name = "send_location"
	}
	for _, s := range i.Sections {
		w.Action.Sections = append(w.Action.Sections, wireSection(s))
	}
	return json.Marshal(w)
}
