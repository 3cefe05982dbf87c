package ingest

import (
	"fmt"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// expected is what one fixture body must leave in the store.
type expected struct {
	pnid    string
	records int             // stored messages plus stored events
	sent    map[string]bool // wamids its statuses are about
}

// expect derives from body's updates, each distinct one counted once.
func expect(t *testing.T, body []byte) expected {
	t.Helper()
	events, err := wa.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	x := expected{sent: map[string]bool{}}
	for _, ev := range events {
		if x.pnid == "" {
			x.pnid = ev.PhoneNumberID
		}
	}
	seen := map[string]bool{}
	for i := range events {
		ev := &events[i]
		if ev.PhoneNumberID != "" && ev.PhoneNumberID != x.pnid {
			continue
		}
		switch ev.Kind {
		case wa.KindMessage, wa.KindMessageEcho:
			k := string(ev.Kind) + dedupeKey(ev.Message)
			if !seen[k] {
				seen[k] = true
				x.records++
				if ev.Kind == wa.KindMessage && ev.Message.CustomerKey() == "" {
					x.records++ // and the admin's notice of it
				}
			}
		case wa.KindStatus:
			if ev.Status.ID != "" {
				x.sent[ev.Status.ID] = true
			}
		default:
			if k := eventKey(ev); !seen[k] {
				seen[k] = true
				x.records++
			}
		}
	}
	return x
}

// state is what a channel holds after its webhooks were applied.
type state struct {
	counts   store.Counts
	records  int
	statuses map[string]string // wamid -> status
}

func (e *env) state(channel string) state {
	e.t.Helper()
	s := state{counts: e.counts(channel), statuses: map[string]string{}}
	err := e.store.View(func(tx *store.Tx) error {
		evs, err := tx.Events(channel, 10000)
		if err != nil {
			return err
		}
		s.records += len(evs)
		return tx.Messages(0, func(m *store.Message) bool {
			if m.ChannelID != channel {
				return true
			}
			if m.Direction == store.Outbound && m.Origin == "" {
				s.statuses[m.WAMID] = m.Status
			} else {
				s.records++
			}
			return true
		})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// TestEveryFixtureRedelivered posts every webhook body of testdata/ once
// to one store and twice (as Meta redelivers) to another: both must end
// the same, nothing counted twice, and each distinct update must have left
// exactly one record (a message or an event), none dropped silently.
func TestEveryFixtureRedelivered(t *testing.T) {
	once, twice := newEnv(t, t.TempDir()), newEnv(t, t.TempDir())
	bodies := fixtureBodies(t)
	if len(bodies) < 140 {
		t.Fatalf("only %d fixture bodies found", len(bodies))
	}
	sent := time.Unix(1600000000, 0)
	xs := make([]expected, len(bodies))
	for i, fb := range bodies {
		xs[i] = expect(t, fb.body)
		id := fmt.Sprintf("ch%d", i)
		for _, e := range []*env{once, twice} {
			e.addChannel(id, xs[i].pnid)
			for wamid := range xs[i].sent {
				addOutboundAs(t, e.store, id, wamid, "accepted", sent)
			}
		}
		once.postSigned(id, fb.body)
		twice.postSigned(id, fb.body)
		twice.postSigned(id, fb.body)
	}
	once.drain()
	twice.drain()
	total := 0
	for i, fb := range bodies {
		id := fmt.Sprintf("ch%d", i)
		a, b := once.state(id), twice.state(id)
		if a.counts != b.counts || a.records != b.records || fmt.Sprint(a.statuses) != fmt.Sprint(b.statuses) {
			t.Errorf("%s: once %+v, twice %+v", fb.name, a, b)
		}
		if b.records != xs[i].records {
			t.Errorf("%s: %d records stored, want %d (one per distinct update)", fb.name, b.records, xs[i].records)
		}
		for wamid, st := range b.statuses {
			if st == "accepted" {
				t.Errorf("%s: the statuses of %s changed nothing", fb.name, wamid)
			}
		}
		if b.counts.Sent != int64(len(xs[i].sent)) || b.counts.SentOK+b.counts.SentFailed != b.counts.Sent {
			t.Errorf("%s: counts %+v do not add up", fb.name, b.counts)
		}
		total += b.records
	}
	if total < 120 {
		t.Fatalf("only %d records across fixtures", total)
	}
}

// A status naming both the number and the user id of its recipient ties
// them: a later message by user id only is the same customer's.
func TestStatusTiesUserIDToNumber(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addChannel("c1", "PN1")
	e.postSigned("c1", textBody("PN1", "wamid.IN1", "447700900001", "hello", 1763830000))
	addOutboundAs(t, e.store, "c1", "wamid.OUT", "accepted", time.Unix(1763830010, 0))
	e.postSigned("c1", []byte(`{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
		"metadata":{"display_phone_number":"1","phone_number_id":"PN1"},"statuses":[{"id":"wamid.OUT","status":"delivered","timestamp":"1763830020",
		"recipient_id":"447700900001","recipient_user_id":"GB.4nn"}]}}]}]}`))
	e.postSigned("c1", []byte(`{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
		"metadata":{"display_phone_number":"1","phone_number_id":"PN1"},"contacts":[{"profile":{"name":"Ann"},"user_id":"GB.4nn"}],
		"messages":[{"from_user_id":"GB.4nn","id":"wamid.IN2","timestamp":"1763830030","type":"text","text":{"body":"me again"}}]}}]}]}`))
	e.drain()
	e.store.View(func(tx *store.Tx) error {
		id, err := tx.MessageIDByWAMID("c1", "wamid.IN2")
		if err != nil {
			t.Fatal(err)
		}
		m, _ := tx.Message(id)
		c, err := tx.Customer("c1", "GB.4nn")
		if err != nil || m.CustomerKey != "447700900001" || c.Key != "447700900001" || c.UserID != "GB.4nn" || c.WaID != "447700900001" {
			t.Fatalf("message of %q; customer %+v, %v", m.CustomerKey, c, err)
		}
		return nil
	})
}
