package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/store"
)

// storeReport is what a stopped daemon left in its store.
type storeReport struct {
	inbound  map[string]int             // wamid → stored inbound messages
	outbound map[int][]*store.Message   // answered index → stored answers
	counts   map[string]store.Counts    // channel → all-time counters
	byCh     map[string]*channelTallies // channel → tallies of its messages
	jobs     []*store.Job               // left in the outbox
	queued   map[uint64]bool            // messages with a job in the outbox
}

// channelTallies count a channel's stored messages by what its counters
// should say.
type channelTallies struct {
	in, sent, sentOK, sentFailed, delivered, read int64
}

var storedReply = regexp.MustCompile(`^re-(\d+) `)

// checkStore verifies the bbolt file's consistency, opens it with the
// store package and tallies its messages. The daemon must have exited.
func checkStore(t *testing.T, dataDir string) *storeReport {
	return checkStoreJournal(t, dataDir, true)
}

// checkStoreJournal is checkStore; emptyJournal requires every journaled
// webhook to have been applied.
func checkStoreJournal(t *testing.T, dataDir string, emptyJournal bool) *storeReport {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dataDir, store.FileName), 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("opening the bbolt file: %v", err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatalf("bbolt consistency check: %v", err)
	}
	st, err := store.Open(dataDir, store.Options{Timeout: time.Second}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("store does not open cleanly: %v", err)
	}
	defer st.Close()
	rep := &storeReport{inbound: map[string]int{}, outbound: map[int][]*store.Message{},
		counts: map[string]store.Counts{}, byCh: map[string]*channelTallies{}}
	err = st.View(func(tx *store.Tx) (err error) {
		if n := tx.JournalLen(); emptyJournal && n != 0 {
			return fmt.Errorf("%d journal entries left unapplied after a clean stop", n)
		}
		if rep.jobs, err = tx.Jobs(); err != nil {
			return err
		}
		rep.queued = map[uint64]bool{}
		for _, j := range rep.jobs {
			rep.queued[j.MessageID] = true
		}
		chans, err := tx.Channels()
		if err != nil {
			return err
		}
		for _, ch := range chans {
			c, err := tx.SumCounts(ch.ID, time.Time{}, time.Time{}, time.UTC)
			if err != nil {
				return err
			}
			rep.counts[ch.ID] = c
			rep.byCh[ch.ID] = &channelTallies{}
		}
		// Message ids are sequential; walk them (Tx.Messages stops after
		// the first message).
		total := tx.MessageCount()
		for id, found := uint64(1), 0; found < total && id < uint64(2*total+1000); id++ {
			m, err := tx.Message(id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			found++
			rep.tally(m)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading the store: %v", err)
	}
	return rep
}

// checkCounters compares each channel's counters with its messages.
func (rep *storeReport) checkCounters(t *testing.T) {
	t.Helper()
	for id, tl := range rep.byCh {
		c := rep.counts[id]
		got := channelTallies{in: c.Received, sent: c.Sent, sentOK: c.SentOK, sentFailed: c.SentFailed, delivered: c.Delivered, read: c.Read}
		if got != *tl {
			t.Errorf("channel %s: counters %+v, stored messages say %+v", id, got, *tl)
		}
	}
}

// checkInboundOnce asserts every wamid was stored exactly once and nothing
// else was stored.
func (rep *storeReport) checkInboundOnce(t *testing.T, wamids []string) {
	t.Helper()
	want := map[string]bool{}
	for _, w := range wamids {
		want[w] = true
		if n := rep.inbound[w]; n != 1 {
			t.Errorf("acknowledged webhook %s stored %d times, want exactly once", w, n)
		}
	}
	for w, n := range rep.inbound {
		if !want[w] {
			t.Errorf("inbound message %s stored %d times but never acknowledged", w, n)
		}
	}
}

// checkOutboundOnce matches the stored answers with the Graph emulator's
// record: every accepted answer was sent exactly once, under the wamid
// stored with it, and nothing else was sent.
//
// A send cut by a kill between being marked in flight and its answer is
// held until a status webhook proves it went out or the outbox's doubt
// wait passes; such a message, and those queued behind it for the same
// customer, may still be queued, but must not have been sent. It returns
// the sends seen and the answers still held.
func (rep *storeReport) checkOutboundOnce(t *testing.T, graph *graphemu.Server, chans []loadChannel) (sent, pending int) {
	t.Helper()
	sends := map[int][]graphemu.SentMessage{}
	for _, c := range chans {
		for _, s := range graph.Sent(c.PNID) {
			text, _ := s.Body["text"].(map[string]any)
			body, _ := text["body"].(string)
			m := storedReply.FindStringSubmatch(body)
			if m == nil {
				t.Errorf("unexpected send %q", body)
				continue
			}
			i, _ := strconv.Atoi(m[1])
			sends[i] = append(sends[i], s)
			sent++
		}
	}
	held := rep.heldJobs(t)
	for i, ms := range rep.outbound {
		if len(ms) != 1 {
			t.Errorf("answer re-%d stored %d times", i, len(ms))
			continue
		}
		m := ms[0]
		ss := sends[i]
		switch {
		case m.Status == "queued" && !held[m.ID]:
			t.Errorf("answer re-%d still queued after the drain, and not held", i)
		case m.Status == "queued" && len(ss) != 0:
			t.Errorf("answer re-%d held as in doubt, but the Graph API got it %d times and no status proved it", i, len(ss))
		case m.Status == "queued":
			pending++
		case len(ss) != 1:
			t.Errorf("answer re-%d (message %d, status %s) sent to the Graph API %d times, want exactly once", i, m.ID, m.Status, len(ss))
		case ss[0].WAMID != m.WAMID:
			t.Errorf("answer re-%d stored with wamid %q, Graph API sent it as %q", i, m.WAMID, ss[0].WAMID)
		}
	}
	for i, ss := range sends {
		if len(rep.outbound[i]) == 0 {
			t.Errorf("answer re-%d sent %d times but not stored", i, len(ss))
		}
	}
	return sent, pending
}

// heldJobs returns the messages of the jobs left in the outbox, checking
// that each is in doubt (marked in flight) or queued behind one that is,
// for the same customer.
func (rep *storeReport) heldJobs(t *testing.T) map[uint64]bool {
	t.Helper()
	held := map[uint64]bool{}
	doubt := map[string]bool{}
	for _, j := range rep.jobs { // in queue order
		key := j.ChannelID + "\x00" + j.To
		switch {
		case !j.InFlight.IsZero():
			doubt[key] = true
		case !doubt[key]:
			t.Errorf("job %d (message %d to %s, %d attempts, last error %q) left queued though nothing holds it",
				j.Seq, j.MessageID, j.To, j.Attempts, j.LastError)
			continue
		}
		held[j.MessageID] = true
	}
	return held
}

// drain waits until the daemon has nothing left to do soon: every message
// acknowledged and at its agent, the journal empty, no status webhook
// waiting, and the answers and the outbox unchanged for most of a second
// (sends held in doubt wait minutes).
func drain(ctx context.Context, t *testing.T, r *rig, tr *tracker, within time.Duration, outboxEmpty bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	var last counts
	var lastOutbox float64 = -1
	stable := 0
	for stable < 8 {
		if time.Now().After(deadline) || ctx.Err() != nil {
			c := tr.snapshot()
			jp, _ := r.metric("wachan_journal_pending")
			op, _ := r.metric("wachan_outbox_pending")
			t.Errorf("not drained: %+v, journal %v, outbox %v, webhooks %d", c, jp, op, r.graph.PendingWebhooks())
			logJobs(t, r)
			t.FailNow()
		}
		time.Sleep(100 * time.Millisecond)
		c := tr.snapshot()
		jp, err1 := r.metric("wachan_journal_pending")
		op, err2 := r.metric("wachan_outbox_pending")
		idle := err1 == nil && err2 == nil && jp == 0 && r.graph.PendingWebhooks() == 0 &&
			c.Acked == c.Sent && c.Phone == c.Sent && (!outboxEmpty || op == 0)
		if idle && c == last && op == lastOutbox {
			stable++
		} else {
			stable = 0
		}
		last, lastOutbox = c, op
	}
}

// logJobs stops the daemon and logs the jobs left in its outbox.
func logJobs(t *testing.T, r *rig) {
	t.Helper()
	if err := r.proc.stop(time.Minute); err != nil {
		t.Logf("stopping: %v", err)
	}
	st, err := store.Open(r.dataDir, store.Options{Timeout: time.Second}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Logf("opening store: %v", err)
		return
	}
	defer st.Close()
	_ = st.View(func(tx *store.Tx) error {
		jobs, err := tx.Jobs()
		for i, j := range jobs {
			if i == 10 {
				break
			}
			m, _ := tx.Message(j.MessageID)
			status := ""
			if m != nil {
				status = m.Status
			}
			t.Logf("job %d: message %d (%s) to %s, %d attempts, not before %v, last error %q", j.Seq, j.MessageID, status, j.To, j.Attempts, j.NotBefore, j.LastError)
		}
		return err
	})
}

// tally counts one stored message.
func (rep *storeReport) tally(m *store.Message) {
	tl := rep.byCh[m.ChannelID]
	if tl == nil {
		tl = &channelTallies{}
		rep.byCh[m.ChannelID] = tl
	}
	if m.Direction == store.Inbound {
		rep.inbound[m.WAMID]++
		tl.in++
		return
	}
	if mm := storedReply.FindStringSubmatch(m.Text); mm != nil {
		i, _ := strconv.Atoi(mm[1])
		rep.outbound[i] = append(rep.outbound[i], m)
	}
	// A message still in the outbox is counted as sent when its job
	// finishes, even if a status webhook already proved it went out.
	switch {
	case m.Status == "queued" || rep.queued[m.ID]:
	case m.Status == "failed":
		tl.sent++
		tl.sentFailed++
	default:
		tl.sent++
		tl.sentOK++
	}
	switch m.Status {
	case "delivered":
		tl.delivered++
	case "read", "played":
		tl.delivered++
		tl.read++
	}
}

// ageDoubts moves back by d the in-flight mark of every job left in the
// store of a stopped daemon, as if d had passed: the next run resolves
// them at once (finishing those a status webhook proved sent, sending the
// others). It returns how many jobs it aged.
func ageDoubts(t *testing.T, dataDir string, d time.Duration) int {
	t.Helper()
	st, err := store.Open(dataDir, store.Options{Timeout: time.Second}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("opening store: %v", err)
	}
	defer st.Close()
	n := 0
	err = st.Update(func(tx *store.Tx) error {
		jobs, err := tx.Jobs()
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if j.InFlight.IsZero() {
				continue
			}
			j.InFlight = j.InFlight.Add(-d)
			j.NotBefore = time.Time{}
			if err := tx.PutJob(j); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ageing jobs: %v", err)
	}
	return n
}
