package optout

import (
	"time"

	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// PreferenceWord is the Word of an opt-out made in WhatsApp's own
// settings (the user_preferences webhook).
const PreferenceWord = "stopped marketing messages in WhatsApp"

// Preference is the ingest hook that applies a customer's marketing
// preference, set in WhatsApp, to the opt-out list exactly as the stop
// and start words are: "stop" adds them, "resume" removes them.
func Preference(tx *store.Tx, ch *store.Channel, ev *wa.Event) error {
	p := ev.Preference
	if ev.Kind != wa.KindUserPreference || p == nil || p.Category != "marketing_messages" {
		return nil
	}
	key, err := customerKey(tx, ch.ID, p)
	if err != nil || key == "" {
		return err
	}
	switch p.Value {
	case "stop":
		at := p.Timestamp
		if at.IsZero() {
			at = time.Now()
		}
		_, err := AddFrom(tx, ch.ID, key, PreferenceWord, SourceWhatsApp, at)
		return err
	case "resume":
		_, err := tx.DeleteOptOut(ch.ID, canonical(tx, ch.ID, key))
		return err
	}
	return nil
}

// customerKey is the key of the customer a preference belongs to: the
// stored customer known by its user id or number, else the key a message
// from them would get.
func customerKey(tx *store.Tx, channelID string, p *wa.UserPreference) (string, error) {
	for _, k := range []string{p.UserID, p.WAID} {
		if k == "" {
			continue
		}
		if c, err := tx.Customer(channelID, k); err == nil {
			return c.Key, nil
		}
	}
	return firstNonEmpty(p.UserID, p.WAID), nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
