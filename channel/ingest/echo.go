package ingest

import (
	"log/slog"
	"time"

	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// echo stores a message the business typed in the WhatsApp Business app
// (smb_message_echoes) as an outbound message of the customer's
// conversation. It opens no service window and is no customer message,
// so neither opt-out words nor routing apply, and it is not counted as
// sent: wachan did not send it.
func (p *Processor) echo(tx *store.Tx, ch *store.Channel, ev *wa.Event, received time.Time) error {
	m := ev.Message
	key, at, skip, err := p.arrival(tx, ch, ev, received)
	if skip || err != nil {
		return err
	}
	cust, err := person(tx, ch.ID, m.To, m.ToUserID, at)
	if err != nil {
		return err
	}
	if cust == nil {
		p.log.Warn("Business app message names no recipient; kept as an event", slog.String("channel", ch.ID))
		return tx.AddEvent(&store.Event{ChannelID: ch.ID, Kind: string(ev.Kind), At: at, Text: "Business app message to nobody: " + m.Summary(), Raw: m.Raw})
	}
	if m.To != "" {
		cust.WaID = m.To
	}
	if m.ToUserID != "" {
		cust.UserID = m.ToUserID
	}
	if cust.Name == "" {
		cust.Name = m.ProfileName
	}
	if err := tx.PutCustomer(cust); err != nil {
		return err
	}
	sm := &store.Message{
		ChannelID:   ch.ID,
		CustomerKey: cust.Key,
		Direction:   store.Outbound,
		WAMID:       m.ID,
		Type:        m.Type,
		Text:        m.Summary(),
		Status:      "sent",
		StatusAt:    at,
		Timestamp:   at,
		Raw:         m.Raw,
		Origin:      store.OriginBusinessApp,
		Media:       mediaRef(m.Media),
	}
	sm.AddTrail("sent", at, nil)
	if err := addMessage(tx, sm, key); err != nil {
		return err
	}
	if err := tx.IndexMessage(sm); err != nil {
		return err
	}
	if p.hooks.Echo != nil {
		return p.hooks.Echo(tx, ch, cust, sm)
	}
	return nil
}
