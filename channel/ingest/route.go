package ingest

import (
	"strings"

	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// AppKey names the Meta app a channel belongs to: its app id, or, for a
// channel created without one, the channel itself.
func AppKey(ch *store.Channel) string {
	if ch.AppID != "" {
		return ch.AppID
	}
	return "channel:" + ch.ID
}

// sameApp returns the channels that share via's app and app secret: the
// only channels a body verified with via's secret may reach.
func sameApp(all []*store.Channel, via *store.Channel) []*store.Channel {
	key := AppKey(via)
	var out []*store.Channel
	for _, ch := range all {
		if AppKey(ch) == key && ch.AppSecret == via.AppSecret {
			out = append(out, ch)
		}
	}
	return out
}

// owners returns the channels of scope an update belongs to, as Meta
// addresses it: messages, statuses and echoes by the business number's
// phone_number_id, template and account updates by the WABA (entry.id),
// every channel of that WABA, or for a number's quality update the
// channel with that display number. None means no channel owns it.
func owners(scope []*store.Channel, via *store.Channel, ev *wa.Event) []*store.Channel {
	if ev.PhoneNumberID != "" {
		for _, ch := range scope {
			if ch.PhoneNumberID == ev.PhoneNumberID {
				return []*store.Channel{ch}
			}
		}
		return nil
	}
	var out []*store.Channel
	for _, ch := range scope {
		if ev.WABAID != "" && ch.WABAID == ev.WABAID {
			out = append(out, ch)
		}
	}
	if pq := ev.PhoneQuality; pq != nil && pq.DisplayPhoneNumber != "" {
		for _, ch := range out {
			if digitsOf(ch.Number) == digitsOf(pq.DisplayPhoneNumber) {
				return []*store.Channel{ch}
			}
		}
	}
	if len(out) == 0 && (ev.WABAID == "" || via.WABAID == "") {
		// Nothing to route by: the channel whose URL received it.
		return []*store.Channel{via}
	}
	return out
}

// digitsOf returns the digits of a written phone number.
func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// unroutedReason says why an update has no channel.
func unroutedReason(ev *wa.Event) string {
	if ev.PhoneNumberID != "" {
		return "no channel of this app has phone number id " + ev.PhoneNumberID
	}
	return "no channel of this app belongs to WhatsApp Business Account " + ev.WABAID
}
