package campaign

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/optout"
	"github.com/wachan/wachan/store"
)

func TestTenThousandRecipients(t *testing.T) {
	t.Parallel()
	const rate = 2000
	e := newEnv(t, rate)
	rs := numbers(10000)
	rs = append(rs, rs[0], rs[1]) // duplicates collapse
	c := e.create(rs, 0)
	if c.Counts.Total != 10000 || c.Counts.Pending != 10000 {
		t.Fatalf("counts = %+v", c.Counts)
	}
	e.start()
	// The window bounds what waits in the outbox.
	maxQueued := 0
	c = e.wait(c.ID, "completed", func(c *store.Campaign) bool {
		maxQueued = max(maxQueued, c.Counts.Queued)
		return c.State == store.CampaignCompleted
	})
	if c.Counts.Sent != 10000 || c.Counts.Failed != 0 || c.Counts.Pending != 0 || c.Counts.Queued != 0 || c.FinishedAt.IsZero() {
		t.Fatalf("final counts = %+v", c.Counts)
	}
	if maxQueued > rate/2 {
		t.Fatalf("up to %d recipients queued at once, want at most the window's 0.5 s worth", maxQueued)
	}
	if n := e.emu.SentCount(pnid); n != 10000 {
		t.Fatalf("emulator got %d sends", n)
	}
	if rej := e.emu.Rejected(pnid)[130429]; rej > 0 {
		t.Fatalf("emulator refused %d sends over its rate", rej)
	}
	e.checkNoDuplicates()
	if r := e.svc.ViewOf(c).SendRate; r <= 0 {
		t.Fatalf("send rate = %v", r)
	}
	rs2, err := e.svc.Recipients(c.ID, store.RecipientSent, 0, 5)
	if err != nil || len(rs2) != 5 || rs2[0].WAMID == "" || rs2[0].MessageID == 0 {
		t.Fatalf("recipients = %+v, %v", rs2, err)
	}
	// Paced at the configured rate, as the emulator saw it.
	sent := e.emu.Sent(pnid)
	if got := float64(len(sent)-1) / sent[len(sent)-1].Time.Sub(sent[0].Time).Seconds(); got > rate*1.1 {
		t.Fatalf("sent at %.0f/s, configured %d/s", got, rate)
	}
}

func TestPauseResume(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 200)
	c := e.create(numbers(600), 0)
	e.start()
	e.wait(c.ID, "started sending", func(c *store.Campaign) bool { return c.Counts.Sent >= 50 })
	if _, err := e.svc.Pause(c.ID); err != nil {
		t.Fatal(err)
	}
	// What was in the outbox drains, then nothing more goes.
	c = e.wait(c.ID, "drained", func(c *store.Campaign) bool { return c.Counts.Queued == 0 })
	if c.State != store.CampaignPaused || c.PausedBy != PausedByAdmin || c.Counts.Pending == 0 {
		t.Fatalf("after pause %+v", c)
	}
	sent := e.emu.SentCount(pnid)
	time.Sleep(300 * time.Millisecond) // proving an absence needs some time
	if n := e.emu.SentCount(pnid); n != sent {
		t.Fatalf("%d sends while paused", n-sent)
	}
	if _, err := e.svc.Pause(c.ID); err != nil {
		t.Fatalf("pausing twice: %v", err)
	}
	if _, err := e.svc.Resume(c.ID); err != nil {
		t.Fatal(err)
	}
	c = e.wait(c.ID, "completed", func(c *store.Campaign) bool { return c.State == store.CampaignCompleted })
	if c.Counts.Sent != 600 || e.emu.SentCount(pnid) != 600 {
		t.Fatalf("counts %+v, emulator %d", c.Counts, e.emu.SentCount(pnid))
	}
	if _, err := e.svc.Resume(c.ID); !errors.Is(err, ErrState) {
		t.Fatalf("resuming a completed campaign: %v", err)
	}
	e.checkNoDuplicates()
}

func TestCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 100)
	c := e.create(numbers(500), 0)
	e.start()
	e.wait(c.ID, "started sending", func(c *store.Campaign) bool { return c.Counts.Sent >= 10 })
	if _, err := e.svc.Cancel(c.ID); err != nil {
		t.Fatal(err)
	}
	atCancel := e.emu.SentCount(pnid)
	c = e.wait(c.ID, "drained", func(c *store.Campaign) bool { return c.Counts.Queued == 0 })
	// The queued window (a second of sends) is withdrawn: only what the
	// outbox had already handed to its sender may still go.
	if late := e.emu.SentCount(pnid) - atCancel; late > 20 {
		t.Fatalf("%d sends after the cancel", late)
	}
	if c.State != store.CampaignCancelled || c.Counts.Skipped == 0 || c.Counts.Pending != 0 ||
		c.Counts.Sent+c.Counts.Skipped != 500 || e.emu.SentCount(pnid) != c.Counts.Sent {
		t.Fatalf("after cancel %+v, emulator %d", c.Counts, e.emu.SentCount(pnid))
	}
	if _, err := e.svc.Cancel(c.ID); !errors.Is(err, ErrState) {
		t.Fatalf("cancelling twice: %v", err)
	}
}

// TestRestart stops sending mid-campaign, reopens the store with a new
// outbox and service, and finds every recipient queued exactly once and
// done. Only a send cut off while in flight may reach Meta twice (the
// outbox's call, without status webhooks here to prove it went out); the
// daemon tests check that none does when statuses flow.
func TestRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1000)
	c := e.create(numbers(1000), 0)
	e.start()
	e.wait(c.ID, "partly sent", func(c *store.Campaign) bool { return c.Counts.Sent >= 300 })
	e.stop()
	inFlight := 0
	e.store.View(func(tx *store.Tx) error {
		jobs, err := tx.Jobs()
		for _, j := range jobs {
			if !j.InFlight.IsZero() {
				inFlight++
			}
		}
		return err
	})
	e.close()
	e.open()
	e.start()
	c = e.wait(c.ID, "completed", func(c *store.Campaign) bool { return c.State == store.CampaignCompleted })
	if c.Counts.Sent != 1000 {
		t.Fatalf("counts %+v", c.Counts)
	}
	messages := map[uint64]bool{}
	e.store.View(func(tx *store.Tx) error {
		return tx.Recipients(c.ID, 1, func(r *store.Recipient) bool {
			if messages[r.MessageID] || r.WAMID == "" {
				t.Errorf("recipient %+v", r)
			}
			messages[r.MessageID] = true
			return true
		})
	})
	distinct := map[string]bool{}
	for _, m := range e.emu.Sent(pnid) {
		distinct[m.To] = true
	}
	if n := e.emu.SentCount(pnid); len(distinct) != 1000 || n > 1000+inFlight {
		t.Fatalf("emulator got %d sends to %d numbers; %d were in flight at the stop", n, len(distinct), inFlight)
	}
}

// TestCrashMidFeed makes a feeding pass fail half-way, as a crash would
// end it: nothing of the pass is kept, and the next pass queues every
// recipient once.
func TestCrashMidFeed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1000)
	c := e.create(numbers(100), 0)
	calls := 0
	e.svc.opts.Build = func(tx *store.Tx, ch, name, lang string, p json.RawMessage) (*cloudapi.Message, error) {
		if calls++; calls == 50 {
			panic("crash")
		}
		return TemplateBuild(tx, ch, name, lang, p)
	}
	func() {
		defer func() { recover() }()
		e.svc.Feed()
	}()
	var jobs []*store.Job
	e.store.View(func(tx *store.Tx) (err error) { jobs, err = tx.Jobs(); return })
	if got, _ := e.svc.Get(c.ID); len(jobs) != 0 || got.Counts.Pending != 100 {
		t.Fatalf("after the crash: %d jobs, counts %+v", len(jobs), got.Counts)
	}
	e.svc.opts.Build = TemplateBuild
	e.start()
	c = e.wait(c.ID, "completed", func(c *store.Campaign) bool { return c.State == store.CampaignCompleted })
	if c.Counts.Sent != 100 || e.emu.SentCount(pnid) != 100 {
		t.Fatalf("counts %+v, emulator %d", c.Counts, e.emu.SentCount(pnid))
	}
	e.checkNoDuplicates()
}

func TestOptedOutSkipped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1000)
	rs := numbers(20)
	err := e.store.Update(func(tx *store.Tx) error {
		for _, i := range []int{3, 7} {
			_, key, _ := NormalizeNumber(rs[i].To)
			if _, err := optout.Add(tx, chID, key, "STOP", time.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := e.create(rs, 0)
	e.start()
	c = e.wait(c.ID, "completed", func(c *store.Campaign) bool { return c.State == store.CampaignCompleted })
	if c.Counts.OptedOut != 2 || c.Counts.Sent != 18 || e.emu.SentCount(pnid) != 18 {
		t.Fatalf("counts %+v, emulator %d", c.Counts, e.emu.SentCount(pnid))
	}
	for _, m := range e.emu.Sent(pnid) {
		if m.To == rs[3].To || m.To == rs[7].To {
			t.Fatalf("opted-out %s was sent to", m.To)
		}
	}
	out, _ := e.svc.Recipients(c.ID, store.RecipientOptedOut, 0, 10)
	if len(out) != 2 || out[0].To != rs[3].To {
		t.Fatalf("opted-out recipients %+v", out)
	}
}

func TestDailyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1000)
	c := e.create(numbers(300), 120)
	e.start()
	c = e.wait(c.ID, "paused by the limit", func(c *store.Campaign) bool {
		return c.State == store.CampaignPaused && c.Counts.Queued == 0
	})
	if c.PausedBy != PausedByLimit || c.Counts.Sent != 120 || c.Reason == "" {
		t.Fatalf("campaign %+v", c)
	}
	// A second campaign on the channel counts against the same limit.
	c2 := e.create([]RecipientInput{{To: "+447911123456", Params: []byte(`["x"]`)}}, 120)
	e.wait(c2.ID, "paused by the limit", func(c *store.Campaign) bool { return c.State == store.CampaignPaused })
	if n := e.emu.SentCount(pnid); n != 120 {
		t.Fatalf("emulator got %d sends, want 120", n)
	}
	// A day later the limit allows again: the oldest campaign resumes by
	// itself and takes the day's quota first.
	e.shift.Store(int64(25 * time.Hour))
	e.svc.Wake()
	c = e.wait(c.ID, "paused again", func(c *store.Campaign) bool {
		return c.State == store.CampaignPaused && c.Counts.Queued == 0 && c.Counts.Sent > 120
	})
	c2, _ = e.svc.Get(c2.ID)
	if c.Counts.Sent != 240 || c2.Counts.Sent != 0 || c2.State != store.CampaignPaused || e.emu.SentCount(pnid) != 240 {
		t.Fatalf("sent %d + %d (emulator %d), want 240 + 0", c.Counts.Sent, c2.Counts.Sent, e.emu.SentCount(pnid))
	}
}

func TestCreateRejectsBadRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1000)
	list := ParseJSON([]RecipientInput{
		{To: "+447911123401", Params: []byte(`["a"]`)},
		{To: "07911 123402", Params: []byte(`["b"]`)}, // national format
		{To: "+44 12", Params: []byte(`["c"]`)},
		{To: "+447911123403", Params: []byte(`[""]`)}, // empty value
		{To: "+447911123404", Params: []byte(`[{"x":1}]`)},
		{To: "447911123405", Params: []byte(`["f"]`)},
		{To: "+447911123406", Params: []byte(`["g", "h"]`)}, // one value too many
	})
	c, err := e.svc.Create(Draft{Name: "x", ChannelID: chID, Template: store.CampaignTemplate{Name: "promo", Language: "en_US"}}, list)
	if err != nil {
		t.Fatal(err)
	}
	var rows []int
	for _, r := range list.Invalid {
		rows = append(rows, r.Row)
	}
	if fmt.Sprint(rows) != "[2 3 4 5 7]" || c.Counts.Total != 2 || c.State != store.CampaignDraft {
		t.Fatalf("invalid rows %v, counts %+v, state %s", list.Invalid, c.Counts, c.State)
	}
	if _, err := e.svc.Create(Draft{Name: "x", ChannelID: "nope"}, ParseJSON(numbers(1))); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown channel: %v", err)
	}
	if _, err := e.svc.Create(Draft{Name: "x", ChannelID: chID, Template: store.CampaignTemplate{Name: "promo"}},
		ParseJSON([]RecipientInput{{To: "+1"}})); !errors.Is(err, ErrNoRecipients) {
		t.Fatalf("no valid recipient: %v", err)
	}
	list = ParseJSON(numbers(3))
	if _, err := e.svc.Create(Draft{Name: "x", ChannelID: chID, Template: store.CampaignTemplate{Name: "nope", Language: "en_US"}}, list); !errors.Is(err, ErrNoRecipients) ||
		len(list.Invalid) != 3 || !strings.Contains(list.Invalid[0].Error, "nope") {
		t.Fatalf("unknown template: %v %+v", err, list.Invalid)
	}
}

// TestReplyTo checks that a campaign's reply destination is left for
// routing for every recipient it queued.
func TestReplyTo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1000)
	rs := numbers(3)
	c, err := e.svc.Create(Draft{Name: "r", ChannelID: chID, Template: store.CampaignTemplate{Name: "promo", Language: "en_US"},
		ReplyTo: &store.Destination{Type: "queue", ID: "sales"}, Start: true}, ParseJSON(rs))
	if err != nil {
		t.Fatal(err)
	}
	e.start()
	e.wait(c.ID, "completed", func(c *store.Campaign) bool { return c.State == store.CampaignCompleted })
	err = e.store.View(func(tx *store.Tx) error {
		for _, r := range rs {
			rt, err := tx.PendingReplyTo(chID, r.To[1:], time.Now())
			if err != nil {
				return err
			}
			if rt.Destination.Type != "queue" || rt.Destination.ID != "sales" || rt.MessageID == 0 {
				t.Fatalf("reply destination %+v", rt)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
