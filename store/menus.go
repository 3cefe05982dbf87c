package store

import (
	"errors"
	"fmt"
	"time"
)

// bucketMenus is added by migration 8.
var bucketMenus = []byte("menus")

// Menu is a channel's chat menu: the first answer to a new conversation,
// whose choice routes it, and the business hours that pick between the
// menu and an out-of-hours answer.
type Menu struct {
	ChannelID string `json:"channel_id"`
	// Enabled turns the menu on; business hours apply either way.
	Enabled bool `json:"enabled"`
	// Text is the question; the options are listed below it, numbered.
	Text string `json:"text"`
	// Button labels the list's button.
	Button  string       `json:"button,omitempty"`
	Options []MenuOption `json:"options"`
	// Default is where a timed-out or unknown answer goes.
	Default Destination `json:"default"`
	// TimeoutMinutes is how long the menu waits for an answer.
	TimeoutMinutes int            `json:"timeout_minutes"`
	Hours          *BusinessHours `json:"business_hours,omitempty"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// MenuOption is one choice: a destination, or a submenu (one level).
type MenuOption struct {
	Title       string       `json:"title"`
	Destination *Destination `json:"destination,omitempty"`
	// Text and Options make the option a submenu.
	Text    string       `json:"text,omitempty"`
	Options []MenuOption `json:"options,omitempty"`
}

// BusinessHours say when a channel is open.
type BusinessHours struct {
	TimeZone string `json:"time_zone"`
	// Weekly maps "mon".."sun" to opening spans such as "09:00-17:30";
	// a day not listed is closed.
	Weekly map[string][]string `json:"weekly"`
	// Holidays are closed dates, YYYY-MM-DD.
	Holidays []string `json:"holidays,omitempty"`
	// Text or Template is the out-of-hours answer.
	Text     string          `json:"text,omitempty"`
	Template *ButtonTemplate `json:"template,omitempty"`
	// Queue, when set, takes out-of-hours conversations for the next day;
	// otherwise they go where they would have.
	Queue string `json:"queue,omitempty"`
}

// MenuState is a customer's menu awaiting an answer.
type MenuState struct {
	ChannelID   string `json:"channel_id"`
	CustomerKey string `json:"customer_key"`
	// Path is the index of the submenu shown, -1 for the top menu.
	Path   int       `json:"path"`
	SentAt time.Time `json:"sent_at"`
	// Held are the customer's messages kept while the menu waits.
	Held []uint64 `json:"held,omitempty"`
}

func menuKey(channel string) []byte { return append([]byte{'m'}, channel...) }

func menuStateKey(channel, customer string) []byte {
	return append([]byte{'s'}, compositeKey(channel, customer)...)
}

// Menu returns channelID's menu.
func (t *Tx) Menu(channelID string) (*Menu, error) {
	var m Menu
	if err := t.getJSON(bucketMenus, menuKey(channelID), &m); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("reading menu: %w", err)
	}
	return &m, nil
}

// PutMenu stores m as its channel's menu.
func (t *Tx) PutMenu(m *Menu) error {
	if m.ChannelID == "" {
		return errors.New("storing menu: channel required")
	}
	return t.putJSON(bucketMenus, menuKey(m.ChannelID), m)
}

// DeleteMenu removes channelID's menu.
func (t *Tx) DeleteMenu(channelID string) error {
	if err := t.bucket(bucketMenus).Delete(menuKey(channelID)); err != nil {
		return fmt.Errorf("deleting menu: %w", err)
	}
	return nil
}

// MenuState returns the pending menu of customer on channel.
func (t *Tx) MenuState(channel, customer string) (*MenuState, error) {
	var s MenuState
	if err := t.getJSON(bucketMenus, menuStateKey(channel, customer), &s); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("reading menu state: %w", err)
	}
	return &s, nil
}

// PutMenuState stores s.
func (t *Tx) PutMenuState(s *MenuState) error {
	return t.putJSON(bucketMenus, menuStateKey(s.ChannelID, s.CustomerKey), s)
}

// DeleteMenuState forgets the pending menu of customer on channel.
func (t *Tx) DeleteMenuState(channel, customer string) error {
	if err := t.bucket(bucketMenus).Delete(menuStateKey(channel, customer)); err != nil {
		return fmt.Errorf("deleting menu state: %w", err)
	}
	return nil
}

// MenuStates returns every pending menu, for timeouts.
func (t *Tx) MenuStates() ([]*MenuState, error) {
	var out []*MenuState
	err := each(t, bucketMenus, []byte{'s'}, func(_ []byte, s *MenuState) bool {
		out = append(out, s)
		return true
	})
	return out, err
}
