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
