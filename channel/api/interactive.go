package api

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/wachan/wachan/channel/cloudapi"
)

// interactiveInput is a send's "interactive" object: reply buttons
// (type "button"), a list ("list"), a call-to-action URL button
// ("cta_url") or a location request ("location_request").
type interactiveInput struct {
	Type   string       `json:"type"`
	Header *headerInput `json:"header,omitempty"`
	Body   string       `json:"body"`
	Footer string       `json:"footer,omitempty"`
	// Buttons are the reply buttons; an id left out is the title.
	Buttons []choiceInput `json:"buttons,omitempty"`
	// Button opens a list; Sections hold its rows.
	Button   string         `json:"button,omitempty"`
	Sections []sectionInput `json:"sections,omitempty"`
	// URL and DisplayText make the call-to-action button.
	URL         string `json:"url,omitempty"`
	DisplayText string `json:"display_text,omitempty"`
}

// headerInput is an interactive header: text, or image, video or
// document by https link or uploaded media id.
type headerInput struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	Link     string `json:"link,omitempty"`
	ID       string `json:"id,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// choiceInput is a reply button or a list row.
type choiceInput struct {
	ID          string `json:"id,omitempty"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type sectionInput struct {
	Title string        `json:"title,omitempty"`
	Rows  []choiceInput `json:"rows"`
}

// locationInput is a send's "location" object.
type locationInput struct {
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	Name      string   `json:"name,omitempty"`
	Address   string   `json:"address,omitempty"`
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// lengthOf checks that s has 1 to max characters (0 to max when
// optional).
func lengthOf(field, s string, max int, optional bool) error {
	switch n := runes(s); {
	case n == 0 && !optional, strings.TrimSpace(s) == "" && n > 0:
		return invalid(field, "is required")
	case n > max:
		return invalid(field, "has %d characters; WhatsApp allows at most %d", n, max)
	}
	return nil
}

// checkKind checks that in asks for exactly one kind of message and that
// an interactive or location message fits WhatsApp's limits.
func (in *sendInput) checkKind() error {
	var kinds []string
	if len(in.Template) > 0 && string(in.Template) != "null" {
		kinds = append(kinds, "template")
	}
	if in.Interactive != nil {
		kinds = append(kinds, "interactive")
	}
	if in.Location != nil {
		kinds = append(kinds, "location")
	}
	if in.Text != "" {
		kinds = append(kinds, "text")
	}
	switch {
	case len(kinds) == 0 || len(kinds) == 1 && kinds[0] == "text" && strings.TrimSpace(in.Text) == "":
		return invalid("text", "is required (or template, interactive or location)")
	case len(kinds) > 1:
		return invalid(kinds[1], "give only one of text, template, interactive or location")
	case in.Location != nil:
		return in.Location.check()
	case in.Interactive != nil:
		return in.Interactive.check()
	}
	return nil
}

func (l *locationInput) check() error {
	switch {
	case l.Latitude == nil || *l.Latitude < -90 || *l.Latitude > 90:
		return invalid("location.latitude", "is required, from -90 to 90")
	case l.Longitude == nil || *l.Longitude < -180 || *l.Longitude > 180:
		return invalid("location.longitude", "is required, from -180 to 180")
	}
	return nil
}

func (i *interactiveInput) check() error {
	f := func(s string) string { return "interactive." + s }
	switch i.Type {
	case "button", "list", "cta_url", "location_request":
	default:
		return invalid(f("type"), "must be button, list, cta_url or location_request")
	}
	if err := lengthOf(f("body"), i.Body, cloudapi.MaxInteractiveBody, false); err != nil {
		return err
	}
	if err := lengthOf(f("footer"), i.Footer, cloudapi.MaxFooter, true); err != nil {
		return err
	}
	if i.Type == "location_request" && (i.Header != nil || i.Footer != "") {
		return invalid(f("header"), "a location request has only a body")
	}
	if err := i.checkHeader(); err != nil {
		return err
	}
	switch i.Type {
	case "button":
		return i.checkButtons()
	case "list":
		return i.checkList()
	case "cta_url":
		if err := lengthOf(f("display_text"), i.DisplayText, cloudapi.MaxCTADisplayText, false); err != nil {
			return err
		}
		if u, err := url.Parse(i.URL); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" || runes(i.URL) > cloudapi.MaxCTAURL {
			return invalid(f("url"), "must be an http(s) address of at most %d characters", cloudapi.MaxCTAURL)
		}
	}
	return nil
}

func (i *interactiveInput) checkHeader() error {
	h := i.Header
	if h == nil {
		return nil
	}
	switch h.Type {
	case "text":
		return lengthOf("interactive.header.text", h.Text, cloudapi.MaxHeaderText, false)
	case "image", "video", "document":
		if i.Type == "list" {
			return invalid("interactive.header.type", "a list's header must be text")
		}
		if (h.Link == "") == (h.ID == "") {
			return invalid("interactive.header.link", "give either link or id of the %s", h.Type)
		}
		return nil
	}
	return invalid("interactive.header.type", "must be text, image, video or document")
}

func (i *interactiveInput) checkButtons() error {
	switch n := len(i.Buttons); {
	case n == 0:
		return invalid("interactive.buttons", "at least one reply button is required")
	case n > cloudapi.MaxButtons:
		return invalid("interactive.buttons", "%d buttons; WhatsApp allows at most %d (use a list for more choices)", n, cloudapi.MaxButtons)
	}
	var titles, ids []string
	for n, b := range i.Buttons {
		f := fmt.Sprintf("interactive.buttons[%d]", n)
		if err := lengthOf(f+".title", b.Title, cloudapi.MaxButtonTitle, false); err != nil {
			return err
		}
		id := b.ID
		if id == "" {
			id = b.Title
		}
		if err := lengthOf(f+".id", id, cloudapi.MaxButtonID, false); err != nil {
			return err
		}
		switch {
		case slices.Contains(titles, b.Title):
			return invalid(f+".title", "%q is used twice; button titles must be unique", b.Title)
		case slices.Contains(ids, id):
			return invalid(f+".id", "%q is used twice; button ids must be unique", id)
		}
		titles, ids = append(titles, b.Title), append(ids, id)
	}
	return nil
}

func (i *interactiveInput) checkList() error {
	if err := lengthOf("interactive.button", i.Button, cloudapi.MaxListButton, false); err != nil {
		return err
	}
	switch n := len(i.Sections); {
	case n == 0:
		return invalid("interactive.sections", "at least one section with rows is required")
	case n > cloudapi.MaxSections:
		return invalid("interactive.sections", "%d sections; WhatsApp allows at most %d", n, cloudapi.MaxSections)
	}
	var ids []string
	for s, sec := range i.Sections {
		f := fmt.Sprintf("interactive.sections[%d]", s)
		if err := lengthOf(f+".title", sec.Title, cloudapi.MaxSectionTitle, len(i.Sections) == 1); err != nil {
			return err
		}
		if len(sec.Rows) == 0 {
			return invalid(f+".rows", "at least one row is required")
		}
		for r, row := range sec.Rows {
			rf := fmt.Sprintf("%s.rows[%d]", f, r)
			if len(ids) == cloudapi.MaxRows {
				return invalid(rf, "more than %d rows in all; WhatsApp allows at most %d", cloudapi.MaxRows, cloudapi.MaxRows)
			}
			if err := lengthOf(rf+".title", row.Title, cloudapi.MaxRowTitle, false); err != nil {
				return err
			}
			if err := lengthOf(rf+".description", row.Description, cloudapi.MaxRowDescription, true); err != nil {
				return err
			}
			id := row.ID
			if id == "" {
				id = row.Title
			}
			if err := lengthOf(rf+".id", id, cloudapi.MaxRowID, false); err != nil {
				return err
			}
			if slices.Contains(ids, id) {
				return invalid(rf+".id", "%q is used twice; row ids must be unique", id)
			}
			ids = append(ids, id)
		}
	}
	return nil
}

// message returns the WhatsApp message in asks for (checked).
func (i *interactiveInput) message() *cloudapi.Message {
	out := &cloudapi.Interactive{Type: i.Type, Body: i.Body, Footer: i.Footer, Button: i.Button}
	if i.Type == "location_request" {
		out.Type = cloudapi.InteractiveLocationRequest
	}
	if h := i.Header; h != nil {
		out.Header = &cloudapi.Header{Type: h.Type, Text: h.Text}
		if h.Type != "text" {
			out.Header.Media = &cloudapi.Media{ID: h.ID, Link: h.Link, Filename: h.Filename}
		}
	}
	for _, b := range i.Buttons {
		id := b.ID
		if id == "" {
			id = b.Title
		}
		out.Buttons = append(out.Buttons, cloudapi.Button{ID: id, Title: b.Title})
	}
	for _, s := range i.Sections {
		sec := cloudapi.Section{Title: s.Title}
		for _, r := range s.Rows {
			id := r.ID
			if id == "" {
				id = r.Title
			}
			sec.Rows = append(sec.Rows, cloudapi.Row{ID: id, Title: r.Title, Description: r.Description})
		}
		out.Sections = append(out.Sections, sec)
	}
	if i.Type == "cta_url" {
		out.CTA = &cloudapi.CTA{DisplayText: i.DisplayText, URL: i.URL}
	}
	return &cloudapi.Message{Interactive: out}
}

// summary is how the message reads in conversations: the body and the
// choices offered.
func (i *interactiveInput) summary() string {
	var choices []string
	for _, b := range i.Buttons {
		choices = append(choices, b.Title)
	}
	for _, s := range i.Sections {
		for _, r := range s.Rows {
			choices = append(choices, r.Title)
		}
	}
	switch {
	case len(choices) > 0:
		return i.Body + " [" + strings.Join(choices, " | ") + "]"
	case i.Type == "cta_url":
		return i.Body + " [" + i.DisplayText + ": " + i.URL + "]"
	case i.Type == "location_request":
		return i.Body + " [send location]"
	}
	return i.Body
}

// freeForm returns the text, interactive or location message in asks
// for and how it reads in conversations.
func (in *sendInput) freeForm() (*cloudapi.Message, string) {
	switch {
	case in.Interactive != nil:
		return in.Interactive.message(), in.Interactive.summary()
	case in.Location != nil:
		l := in.Location
		text := strings.TrimSpace(strings.Join([]string{l.Name, l.Address}, " "))
		if text == "" {
			text = fmt.Sprintf("%.6f,%.6f", *l.Latitude, *l.Longitude)
		}
		return &cloudapi.Message{Location: &cloudapi.Location{Latitude: *l.Latitude, Longitude: *l.Longitude, Name: l.Name, Address: l.Address}}, text
	}
	return &cloudapi.Message{Text: &cloudapi.Text{Body: in.Text}}, ""
}
