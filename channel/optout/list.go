package optout

import (
	"errors"
	"fmt"
	"time"

	"github.com/wachan/wachan/store"
)

// Is reports whether customer key opted out of channel id's campaigns;
// key may be the customer's key, phone number or user id. A read error
// counts as opted out, so nobody is messaged by mistake.
func Is(tx *store.Tx, channelID, key string) bool {
	_, err := tx.OptOut(channelID, canonical(tx, channelID, key))
	return !errors.Is(err, store.ErrNotFound)
}

// Get returns customer key's opt-out of channel id, or nil when they have
// not opted out; key may be the customer's key, phone number or user id.
func Get(tx *store.Tx, channelID, key string) (*store.OptOut, error) {
	o, err := tx.OptOut(channelID, canonical(tx, channelID, key))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return o, err
}

// canonical returns the key of the customer known on channel id by key
// (their key, phone number or user id), or key itself when none is.
func canonical(tx *store.Tx, channelID, key string) string {
	if c, err := tx.Customer(channelID, key); err == nil {
		return c.Key
	}
	return key
}

// Notice is the one line agents are shown about an opted-out customer, or
// "" when o is nil.
func Notice(o *store.OptOut) string {
	if o == nil {
		return ""
	}
	return fmt.Sprintf("[wachan] This customer opted out (%s) on %s; campaigns skip them.", o.Word, o.At.UTC().Format("2006-01-02"))
}

// Words returns channel id's keywords, the defaults when none are set.
func Words(tx *store.Tx, channelID string) (store.OptOutWords, error) {
	w, err := tx.OptOutWords(channelID)
	if err != nil {
		return store.OptOutWords{}, err
	}
	if w == nil {
		return DefaultWords(), nil
	}
	return *w, nil
}

// Sources of an opt-out (store.OptOut.Source).
const (
	SourceWord     = "word"
	SourceAdmin    = "admin"
	SourceWhatsApp = "whatsapp"
)

// Add puts customer key on channel id's list (keeping an earlier entry).
// The source is SourceAdmin when word is "admin", else SourceWord.
func Add(tx *store.Tx, channelID, key, word string, at time.Time) (*store.OptOut, error) {
	source := SourceWord
	if word == "admin" {
		source = SourceAdmin
	}
	return AddFrom(tx, channelID, key, word, source, at)
}

// AddFrom is Add with the opt-out's source given.
func AddFrom(tx *store.Tx, channelID, key, word, source string, at time.Time) (*store.OptOut, error) {
	key = canonical(tx, channelID, key)
	if o, err := Get(tx, channelID, key); err != nil || o != nil {
		return o, err
	}
	o := &store.OptOut{ChannelID: channelID, CustomerKey: key, Word: word, At: at.UTC(), Source: source}
	if err := tx.PutOptOut(o); err != nil {
		return nil, fmt.Errorf("adding opt-out: %w", err)
	}
	return o, nil
}

// Inbound is the ingest hook that applies stop and start words in the
// transaction storing message m.
func Inbound(tx *store.Tx, ch *store.Channel, cust *store.Customer, m *store.Message) error {
	if m.Direction != store.Inbound || m.Text == "" || cust == nil {
		return nil
	}
	if m.Type != "text" {
		return nil
	}
	words, err := Words(tx, ch.ID)
	if err != nil {
		return err
	}
	if w := Match(m.Text, words.Stop); w != "" {
		at := m.Timestamp
		if at.IsZero() {
			at = time.Now()
		}
		_, err := Add(tx, ch.ID, cust.Key, w, at)
		return err
	}
	if Match(m.Text, words.Start) != "" {
		_, err := tx.DeleteOptOut(ch.ID, cust.Key)
		return err
	}
	return nil
}
