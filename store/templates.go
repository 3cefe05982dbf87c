package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// Template is a message template of a channel's WhatsApp Business Account
// as last synced from Meta or changed by a webhook.
type Template struct {
	ChannelID string `json:"channel_id"`
	ID        string `json:"id,omitempty"` // Meta's template id
	Name      string `json:"name"`
	Language  string `json:"language"`
	// Status is APPROVED, PENDING, REJECTED, PAUSED, DISABLED, …; Reason is
	// the reason Meta gave with the last status change.
	Status           string `json:"status"`
	Reason           string `json:"reason,omitempty"`
	Category         string `json:"category,omitempty"`
	PreviousCategory string `json:"previous_category,omitempty"`
	// Quality is GREEN, YELLOW, RED or UNKNOWN; empty when Meta gave none.
	Quality string `json:"quality,omitempty"`
	// ParameterFormat is POSITIONAL or NAMED.
	ParameterFormat string              `json:"parameter_format,omitempty"`
	Components      []TemplateComponent `json:"components,omitempty"`
	// Partial marks a template known only from a webhook: its components
	// are unknown until the next sync.
	Partial   bool      `json:"partial,omitempty"`
	SyncedAt  time.Time `json:"synced_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// TemplateComponent is one part of a template: HEADER (Format TEXT, IMAGE,
// VIDEO, DOCUMENT or LOCATION), BODY, FOOTER or BUTTONS. Example keeps
// Meta's example values as received.
type TemplateComponent struct {
	Type    string           `json:"type"`
	Format  string           `json:"format,omitempty"`
	Text    string           `json:"text,omitempty"`
	Buttons []TemplateButton `json:"buttons,omitempty"`
	Example json.RawMessage  `json:"example,omitempty"`
}

// TemplateButton is one button of a template: QUICK_REPLY, URL,
// PHONE_NUMBER, COPY_CODE, …; a URL button's URL may hold a variable.
type TemplateButton struct {
	Type        string          `json:"type"`
	Text        string          `json:"text,omitempty"`
	URL         string          `json:"url,omitempty"`
	PhoneNumber string          `json:"phone_number,omitempty"`
	Example     json.RawMessage `json:"example,omitempty"`
}

// TemplateSync records a channel's template syncs: the last attempt and
// the counts of the last successful one.
type TemplateSync struct {
	ChannelID string `json:"channel_id"`
	// At is the last attempt; Error says why it failed, empty when it
	// succeeded. The stored templates are those of the sync at SyncedAt.
	At       time.Time `json:"at"`
	Error    string    `json:"error,omitempty"`
	SyncedAt time.Time `json:"synced_at,omitzero"`
	Total    int       `json:"total"`
	Added    int       `json:"added"`
	Updated  int       `json:"updated"`
	Removed  int       `json:"removed"`
	// Duplicates counts name and language pairs Meta listed more than once.
	Duplicates int `json:"duplicates"`
}

// templateKey is <channel> 0x00 <name> 0x00 <language>; the sync record
// of a channel uses an empty name and language, which no template has.
func templateKey(channelID, name, language string) []byte {
	return compositeKey(channelID, name, language)
}

// Template returns the template name in language of channelID.
func (t *Tx) Template(channelID, name, language string) (*Template, error) {
	var tpl Template
	if err := t.getJSON(bucketTemplates, templateKey(channelID, name, language), &tpl); err != nil {
		return nil, fmt.Errorf("reading template %s/%s: %w", name, language, err)
	}
	return &tpl, nil
}

// Templates returns the templates of channelID ordered by name and
// language.
func (t *Tx) Templates(channelID string) ([]*Template, error) {
	return t.templates(compositeKey(channelID, ""))
}

// TemplateLanguages returns every language of the template name of
// channelID, ordered; it is empty when the channel has no such template.
func (t *Tx) TemplateLanguages(channelID, name string) ([]*Template, error) {
	return t.templates(compositeKey(channelID, name, ""))
}

// templates decodes the templates whose keys start with prefix, skipping
// the channel's sync record.
func (t *Tx) templates(prefix []byte) ([]*Template, error) {
	var out []*Template
	c := t.bucket(bucketTemplates).Cursor()
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		if len(k) > len(prefix) && k[len(prefix)] == 0 && prefix[len(prefix)-1] == 0 {
			continue // <channel> 0x00 0x00: the sync record
		}
		var tpl Template
		if err := json.Unmarshal(v, &tpl); err != nil {
			return nil, fmt.Errorf("decoding template %q: %w", k, err)
		}
		out = append(out, &tpl)
	}
	return out, nil
}

// PutTemplate creates or replaces tpl; ChannelID, Name and Language must
// be set.
func (t *Tx) PutTemplate(tpl *Template) error {
	if tpl.ChannelID == "" || tpl.Name == "" || tpl.Language == "" {
		return fmt.Errorf("writing template: channel, name and language required")
	}
	return t.putJSON(bucketTemplates, templateKey(tpl.ChannelID, tpl.Name, tpl.Language), tpl)
}

// DeleteTemplate removes the template name in language of channelID.
func (t *Tx) DeleteTemplate(channelID, name, language string) error {
	b := t.bucket(bucketTemplates)
	k := templateKey(channelID, name, language)
	if b.Get(k) == nil {
		return fmt.Errorf("deleting template %s/%s: %w", name, language, ErrNotFound)
	}
	if err := b.Delete(k); err != nil {
		return fmt.Errorf("deleting template %s/%s: %w", name, language, err)
	}
	return nil
}

// TemplateSync returns the record of channelID's last template sync.
func (t *Tx) TemplateSync(channelID string) (*TemplateSync, error) {
	var s TemplateSync
	if err := t.getJSON(bucketTemplates, templateKey(channelID, "", ""), &s); err != nil {
		return nil, fmt.Errorf("reading template sync of %q: %w", channelID, err)
	}
	return &s, nil
}

// PutTemplateSync records the outcome of a template sync of s.ChannelID.
func (t *Tx) PutTemplateSync(s *TemplateSync) error {
	return t.putJSON(bucketTemplates, templateKey(s.ChannelID, "", ""), s)
}
