package ingest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// Replay journals again each kept unrouted update that a channel of its
// app now owns (the admin added the channel), as a webhook body received
// by that channel, and removes it from the unrouted list. It returns how
// many it journaled; the Processor applies them. Messages replayed this
// way lack the sender's profile name, which Meta sends beside them.
func Replay(tx *store.Tx, now time.Time) (int, error) {
	chans, err := tx.Channels()
	if err != nil {
		return 0, err
	}
	list, _, err := tx.UnroutedList(store.MaxUnrouted)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := len(list) - 1; i >= 0; i-- { // oldest first
		u := list[i]
		owner := replayOwner(chans, u)
		if owner == nil {
			continue
		}
		body, err := replayBody(u)
		if err != nil {
			return n, err
		}
		if _, err := tx.AppendJournal(&store.JournalEntry{ChannelID: owner.ID, ReceivedAt: now.UTC(), Body: body}); err != nil {
			return n, err
		}
		if err := tx.DeleteUnrouted(u.Seq); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// replayOwner returns a channel of u's app that owns it now, or nil.
func replayOwner(chans []*store.Channel, u *store.Unrouted) *store.Channel {
	if u.AppID == "" {
		return nil
	}
	for _, ch := range chans {
		if ch.AppID != u.AppID {
			continue
		}
		if (u.PhoneNumberID != "" && ch.PhoneNumberID == u.PhoneNumberID) || (u.PhoneNumberID == "" && u.WABAID != "" && ch.WABAID == u.WABAID) {
			return ch
		}
	}
	return nil
}

// replayBody rebuilds a one-update webhook body from u.
func replayBody(u *store.Unrouted) ([]byte, error) {
	value := json.RawMessage(u.Raw)
	key := map[string]string{string(wa.KindMessage): "messages", string(wa.KindStatus): "statuses", string(wa.KindMessageEcho): "message_echoes"}[u.Kind]
	if key != "" {
		v, err := json.Marshal(map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]string{"display_phone_number": u.DisplayPhoneNumber, "phone_number_id": u.PhoneNumberID},
			key:                 []json.RawMessage{value},
		})
		if err != nil {
			return nil, fmt.Errorf("rebuilding unrouted update %d: %w", u.Seq, err)
		}
		value = v
	}
	body, err := json.Marshal(map[string]any{
		"object": "whatsapp_business_account",
		"entry": []map[string]any{{
			"id":      u.WABAID,
			"time":    u.ReceivedAt.Unix(),
			"changes": []map[string]any{{"field": u.Field, "value": value}},
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("rebuilding unrouted update %d: %w", u.Seq, err)
	}
	return body, nil
}
