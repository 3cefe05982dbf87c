package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// Hooks let later stages act inside the transaction that stores an update,
// so their work is as durable as the update itself. Any may be nil.
type Hooks struct {
	// Inbound is called for each new inbound message.
	Inbound func(tx *store.Tx, ch *store.Channel, cust *store.Customer, m *store.Message) error
	// Echo is called for each new message the business sent from the
	// WhatsApp Business app (stored as outbound, Origin set).
	Echo func(tx *store.Tx, ch *store.Channel, cust *store.Customer, m *store.Message) error
	// Status is called when an outbound message's status changes.
	Status func(tx *store.Tx, ch *store.Channel, m *store.Message) error
	// Other is called, once per distinct update, for everything but
	// messages, echoes and statuses: errors, user preferences, template,
	// quality and account updates, Business app syncs…
	Other func(tx *store.Tx, ch *store.Channel, ev *wa.Event) error
	// Committed is called after each batch commits (it must not block).
	Committed func()
	// Proven is called after a commit in which a status proved that a
	// send whose answer was lost went out (it must not block).
	Proven func()
}

// Chain returns hooks that call each of hs in order, stopping at the
// first error.
func Chain(hs ...Hooks) Hooks {
	var c Hooks
	for _, h := range hs {
		if h.Inbound != nil {
			prev, f := c.Inbound, h.Inbound
			c.Inbound = func(tx *store.Tx, ch *store.Channel, cust *store.Customer, m *store.Message) error {
				if prev != nil {
					if err := prev(tx, ch, cust, m); err != nil {
						return err
					}
				}
				return f(tx, ch, cust, m)
			}
		}
		if h.Echo != nil {
			prev, f := c.Echo, h.Echo
			c.Echo = func(tx *store.Tx, ch *store.Channel, cust *store.Customer, m *store.Message) error {
				if prev != nil {
					if err := prev(tx, ch, cust, m); err != nil {
						return err
					}
				}
				return f(tx, ch, cust, m)
			}
		}
		if h.Status != nil {
			prev, f := c.Status, h.Status
			c.Status = func(tx *store.Tx, ch *store.Channel, m *store.Message) error {
				if prev != nil {
					if err := prev(tx, ch, m); err != nil {
						return err
					}
				}
				return f(tx, ch, m)
			}
		}
		if h.Other != nil {
			prev, f := c.Other, h.Other
			c.Other = func(tx *store.Tx, ch *store.Channel, ev *wa.Event) error {
				if prev != nil {
					if err := prev(tx, ch, ev); err != nil {
						return err
					}
				}
				return f(tx, ch, ev)
			}
		}
		c.Committed = chainFunc(c.Committed, h.Committed)
		c.Proven = chainFunc(c.Proven, h.Proven)
	}
	return c
}

// chainFunc returns a function calling a then b; either may be nil.
func chainFunc(a, b func()) func() {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func() { a(); b() }
}

// Processor applies journaled webhook bodies to the store. Run it in one
// goroutine; Notify may be called from any.
type Processor struct {
	store *store.Store
	log   *slog.Logger
	hooks Hooks
	wake  chan struct{}
	batch int
}

// NewProcessor returns a processor. st and log must not be nil.
func NewProcessor(st *store.Store, log *slog.Logger, hooks Hooks) *Processor {
	return &Processor{store: st, log: log, hooks: hooks, wake: make(chan struct{}, 1), batch: 128}
}

// Notify wakes the processor; it never blocks.
func (p *Processor) Notify() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run processes the journal until ctx ends, starting with whatever a
// previous run left behind.
func (p *Processor) Run(ctx context.Context) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		for {
			n, err := p.Drain()
			if err != nil {
				p.log.Error("processing webhook journal", slog.Any("error", err))
				break
			}
			if n == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-p.wake:
		case <-tick.C:
		}
	}
}

// Drain applies up to one batch of journal entries and returns how many it
// applied. Bodies are parsed before the write transaction so that webhook
// acknowledgements, which need the writer too, are not kept waiting.
func (p *Processor) Drain() (int, error) {
	var entries []*store.JournalEntry
	if err := p.store.View(func(tx *store.Tx) (err error) { entries, err = tx.Journal(p.batch); return }); err != nil {
		return 0, err
	}
	if len(entries) == 0 {
		return 0, nil
	}
	parsed := make([]parsedEntry, len(entries))
	for i, e := range entries {
		parsed[i].entry = e
		parsed[i].events, parsed[i].err = wa.Parse(e.Body)
	}
	err := p.store.Update(func(tx *store.Tx) error {
		chans, err := tx.Channels()
		if err != nil {
			return err
		}
		for i := range parsed {
			pe := &parsed[i]
			if err := p.apply(tx, pe, chans); err != nil {
				return fmt.Errorf("applying journal entry %d: %w", pe.entry.Seq, err)
			}
			if err := tx.DeleteJournal(pe.entry.Seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if p.hooks.Committed != nil {
		p.hooks.Committed()
	}
	return len(entries), nil
}

// parsedEntry is a journal entry with its body parsed.
type parsedEntry struct {
	entry  *store.JournalEntry
	events []wa.Event
	err    error
}

// apply routes each update of an entry to the channel it belongs to,
// among the channels of the app whose secret verified it; updates no
// channel owns are kept as unrouted.
func (p *Processor) apply(tx *store.Tx, pe *parsedEntry, chans []*store.Channel) error {
	e := pe.entry
	var via *store.Channel
	for _, ch := range chans {
		if ch.ID == e.ChannelID {
			via = ch
		}
	}
	if via == nil {
		p.log.Warn("webhook for a deleted channel kept as unrouted", slog.String("channel", e.ChannelID))
		return tx.AddUnrouted(&store.Unrouted{ReceivedAt: e.ReceivedAt, Via: e.ChannelID,
			Reason: "the channel whose URL received it was deleted before it was processed", Raw: quoteRaw(e.Body)})
	}
	ch := via
	if pe.err != nil {
		// Signed but unreadable: keep it for the admin rather than lose it.
		p.log.Warn("webhook body is not a WhatsApp envelope; kept as an event", slog.String("channel", ch.ID), slog.Any("error", pe.err))
		return tx.AddEvent(&store.Event{ChannelID: ch.ID, Kind: "unparsed", At: e.ReceivedAt, Raw: quoteRaw(e.Body)})
	}
	scope := sameApp(chans, via)
	for i := range pe.events {
		ev := &pe.events[i]
		to := owners(scope, via, ev)
		if len(to) == 0 {
			if err := p.unrouted(tx, e, via, ev); err != nil {
				return err
			}
			continue
		}
		for _, ch := range to {
			var err error
			switch ev.Kind {
			case wa.KindMessage:
				err = p.message(tx, ch, ev, e.ReceivedAt)
			case wa.KindMessageEcho:
				err = p.echo(tx, ch, ev, e.ReceivedAt)
			case wa.KindStatus:
				err = p.status(tx, ch, ev)
			default:
				err = p.other(tx, ch, ev, e.ReceivedAt)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// unrouted keeps an update of via's app that no channel owns.
func (p *Processor) unrouted(tx *store.Tx, e *store.JournalEntry, via *store.Channel, ev *wa.Event) error {
	p.log.Warn("webhook update for a number or account no channel has; kept as unrouted",
		slog.String("via", via.ID), slog.String("field", ev.Field),
		slog.String("phone_number_id", ev.PhoneNumberID), slog.String("waba_id", ev.WABAID))
	return tx.AddUnrouted(&store.Unrouted{
		ReceivedAt: e.ReceivedAt, AppID: via.AppID, Via: via.ID, Field: ev.Field, Kind: string(ev.Kind),
		PhoneNumberID: ev.PhoneNumberID, DisplayPhoneNumber: ev.DisplayPhoneNumber, WABAID: ev.WABAID,
		Reason: unroutedReason(ev), Raw: ev.Raw,
	})
}

// arrival returns the dedupe key of the event's message and when it was
// sent (received, when Meta gives no timestamp); skip is true when the
// message is a redelivery of one already kept. Updates reach a channel
// only through owners, which matches their phone number id.
func (p *Processor) arrival(tx *store.Tx, ch *store.Channel, ev *wa.Event, received time.Time) (key string, at time.Time, skip bool, err error) {
	m := ev.Message
	key = dedupeKey(m)
	if _, err := tx.MessageIDByWAMID(ch.ID, key); err == nil {
		return "", at, true, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", at, false, err
	}
	at = m.Timestamp
	if at.IsZero() {
		at = received
	}
	return key, at, false, nil
}

// addMessage stores sm and, when its dedupe key is not its wamid, links
// the key to it so that a redelivery is recognised.
func addMessage(tx *store.Tx, sm *store.Message, key string) error {
	if _, err := tx.AddMessage(sm); err != nil {
		return err
	}
	if key != sm.WAMID {
		return tx.LinkWAMID(sm.ChannelID, key, sm.ID)
	}
	return nil
}

// mediaRef is the stored reference to the attachment md (nil for none).
func mediaRef(md *wa.Media) *store.MediaRef {
	if md == nil {
		return nil
	}
	return &store.MediaRef{MediaID: md.ID, MIME: md.MimeType, SHA256: md.SHA256,
		Filename: md.Filename, Caption: md.Caption, URL: md.URL}
}

func (p *Processor) message(tx *store.Tx, ch *store.Channel, ev *wa.Event, received time.Time) error {
	m := ev.Message
	key, at, skip, err := p.arrival(tx, ch, ev, received)
	if skip || err != nil {
		return err
	}
	cust, err := p.customer(tx, ch, m, at)
	if err != nil {
		return err
	}
	if cust == nil {
		return p.noSender(tx, ch, ev, key, at)
	}
	sm := &store.Message{
		ChannelID:   ch.ID,
		CustomerKey: cust.Key,
		Direction:   store.Inbound,
		WAMID:       m.ID,
		Type:        m.Type,
		Text:        m.Summary(),
		Timestamp:   at,
		Raw:         m.Raw,
		Media:       mediaRef(m.Media),
	}
	if err := addMessage(tx, sm, key); err != nil {
		return err
	}
	if err := tx.AddCounts(ch.ID, at, store.Counts{Received: 1}); err != nil {
		return err
	}
	if p.hooks.Inbound != nil {
		return p.hooks.Inbound(tx, ch, cust, sm)
	}
	return nil
}

// dedupeKey is what recognises a redelivered message: its wamid, or for
// a message Meta sent without one, a hash of the message object, which a
// redelivery repeats byte for byte.
func dedupeKey(m *wa.Message) string {
	if m.ID != "" {
		return m.ID
	}
	sum := sha256.Sum256(m.Raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// status applies a status update one way: ranks only rise, failed is
// terminal, and delivered/read are counted once each even when read
// arrives first.
func (p *Processor) status(tx *store.Tx, ch *store.Channel, ev *wa.Event) error {
	st := ev.Status
	m, err := p.statusMessage(tx, ch, st)
	if errors.Is(err, store.ErrNotFound) {
		p.log.Debug("status for a message not sent through wachan", slog.String("channel", ch.ID), slog.String("status", st.Status))
		return nil
	}
	if err != nil {
		return err
	}
	if err := linkRecipient(tx, ch.ID, st); err != nil {
		return err
	}
	cur, next := wa.StatusRank(m.Status), wa.StatusRank(st.Status)
	if next == 0 && st.Status != "" {
		return p.unrankedStatus(tx, ch, m, st)
	}
	if cur == wa.RankFailed || next <= cur || next == 0 {
		return nil
	}
	at := st.Timestamp
	if at.IsZero() {
		at = time.Now()
	}
	var delta store.Counts
	if next == wa.RankFailed {
		m.Error = &store.MessageError{}
		if len(st.Errors) > 0 {
			e := st.Errors[0]
			m.Error = &store.MessageError{Code: e.Code, Title: e.Title, Details: e.Details}
			if m.Error.Title == "" {
				m.Error.Title = e.Message
			}
		}
		// Meta accepted the send (the outbox counts it sent_ok, now or when
		// its answer is recorded) and then failed it, often straight from
		// accepted: move it from ok to failed on the day it was sent so
		// sent = sent_ok + sent_failed holds.
		if countedSend(m) {
			if err := tx.AddCounts(ch.ID, m.Timestamp, store.Counts{SentOK: -1, SentFailed: 1}); err != nil {
				return err
			}
		}
	} else {
		if cur < wa.StatusRank("delivered") && next >= wa.StatusRank("delivered") {
			delta.Delivered = 1
		}
		if cur < wa.StatusRank("read") && next >= wa.StatusRank("read") {
			delta.Read = 1
		}
	}
	m.Status, m.StatusAt = st.Status, at
	m.AddTrail(st.Status, at, m.Error)
	if err := tx.PutMessage(m); err != nil {
		return err
	}
	if delta != (store.Counts{}) && countedSend(m) {
		if err := tx.AddCounts(ch.ID, at, delta); err != nil {
			return err
		}
	}
	if p.hooks.Status != nil {
		return p.hooks.Status(tx, ch, m)
	}
	return nil
}

// unrankedStatus keeps a status wachan does not rank (one Meta adds
// later, say) in the message's trail, once, without changing its status
// or the counters.
func (p *Processor) unrankedStatus(tx *store.Tx, ch *store.Channel, m *store.Message, st *wa.Status) error {
	at := st.Timestamp
	if at.IsZero() {
		at = time.Now()
	}
	for _, s := range m.Trail {
		if s.Status == st.Status && s.At.Equal(at.UTC()) {
			return nil // redelivery
		}
	}
	p.log.Info("status wachan does not rank kept in the message's trail", slog.String("channel", ch.ID), slog.String("status", st.Status))
	var e *store.MessageError
	if len(st.Errors) > 0 {
		x := st.Errors[0]
		e = &store.MessageError{Code: x.Code, Title: cmpOr(x.Title, x.Message), Details: x.Details}
	}
	m.AddTrail(st.Status, at, e)
	return tx.PutMessage(m)
}

// countedSend reports whether m is a send the outbox counts: one that
// was queued through wachan and not withdrawn before it went out.
func countedSend(m *store.Message) bool {
	return m.Direction == store.Outbound && m.Status != "cancelled" && m.Origin == ""
}

// statusMessage finds the message a status is about: by wamid, or, when
// the status overtook the answer to the send (or the daemon stopped before
// recording it), by the id wachan put in biz_opaque_callback_data, linking
// the wamid so the outbox knows the message went out.
func (p *Processor) statusMessage(tx *store.Tx, ch *store.Channel, st *wa.Status) (*store.Message, error) {
	id, err := tx.MessageIDByWAMID(ch.ID, st.ID)
	if err == nil {
		return tx.Message(id)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	id, ok := outbox.ParseOpaqueID(st.BizOpaqueCallbackData)
	if !ok || st.ID == "" {
		return nil, store.ErrNotFound
	}
	m, err := tx.Message(id)
	if err != nil {
		return nil, err
	}
	if m.ChannelID != ch.ID || m.Direction != store.Outbound || m.WAMID != "" {
		return nil, store.ErrNotFound
	}
	m.WAMID = st.ID
	if err := tx.LinkWAMID(ch.ID, st.ID, m.ID); err != nil {
		return nil, err
	}
	if p.hooks.Proven != nil {
		tx.OnCommit(p.hooks.Proven)
	}
	return m, nil
}

// other keeps every update that is not a message, an echo or a status
// (errors, preferences, template, quality and account updates, Business
// app syncs…) for the admin, once.
func (p *Processor) other(tx *store.Tx, ch *store.Channel, ev *wa.Event, received time.Time) error {
	at := ev.Time
	if at.IsZero() {
		at = received
	}
	// Meta redelivers a change byte for byte: keep and count it once.
	seen := eventKey(ev)
	if _, err := tx.MessageIDByWAMID(ch.ID, seen); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	text := ev.Notice()
	if ev.Kind == wa.KindError {
		p.log.Warn("Meta reported an error in a webhook", slog.String("channel", ch.ID), slog.String("field", ev.Field), slog.String("error", text))
	} else {
		p.log.Info("webhook update", slog.String("channel", ch.ID), slog.String("kind", string(ev.Kind)), slog.String("field", ev.Field))
	}
	se := &store.Event{ChannelID: ch.ID, Kind: string(ev.Kind), At: at, Text: text, Raw: ev.Raw}
	if err := tx.AddEvent(se); err != nil {
		return err
	}
	if err := tx.LinkWAMID(ch.ID, seen, se.Seq); err != nil {
		return err
	}
	if p.hooks.Other != nil {
		return p.hooks.Other(tx, ch, ev)
	}
	return nil
}

// eventKey recognises a redelivered update other than a message or a
// status: a hash of its field, time, kind, preference index and value.
func eventKey(ev *wa.Event) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%s\x00", ev.Field, ev.Time.Unix(), ev.Kind)
	if p := ev.Preference; p != nil {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00", p.WAID, p.UserID, p.Value, p.Timestamp.Unix())
	}
	h.Write(ev.Raw)
	return "event:" + hex.EncodeToString(h.Sum(nil))
}

// quoteRaw turns arbitrary bytes into a JSON string value.
func quoteRaw(b []byte) []byte {
	q, err := json.Marshal(string(b))
	if err != nil {
		return []byte(`"<unprintable body>"`)
	}
	return q
}
