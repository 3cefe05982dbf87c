package outbox

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/store"
)

// crashMidSend leaves the first queued job as a crash during its request
// would: marked in flight, no answer recorded.
func (e *env) crashMidSend(at time.Time) *store.Job {
	e.t.Helper()
	var job *store.Job
	err := e.store.Update(func(tx *store.Tx) error {
		jobs, err := tx.Jobs()
		if err != nil || len(jobs) == 0 {
			return fmt.Errorf("no job: %v", err)
		}
		job = jobs[0]
		job.InFlight = at
		return tx.PutJob(job)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return job
}

func (e *env) withDoubtWait(d time.Duration) {
	e.ob.opts.DoubtWait = d
}

func TestOpaqueIDRoundTrip(t *testing.T) {
	for _, id := range []uint64{1, 42, 1<<63 + 5} {
		got, ok := ParseOpaqueID(OpaqueID(id))
		if !ok || got != id {
			t.Fatalf("ParseOpaqueID(OpaqueID(%d)) = %d, %v", id, got, ok)
		}
	}
	for _, bad := range []string{"", "wachan:", "wachan:0", "wachan:x", "ticket-42", "wachan:-1", "wachan:18446744073709551616"} {
		if _, ok := ParseOpaqueID(bad); ok {
			t.Errorf("ParseOpaqueID(%q) accepted", bad)
		}
	}
}

func TestSendCarriesOpaqueID(t *testing.T) {
	e := newEnv(t, 0)
	e.start()
	m, err := e.ob.Send(text("447700900001", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	e.waitQueueEmpty()
	sent := e.emu.Sent(pnid)
	if len(sent) != 1 || sent[0].Body["biz_opaque_callback_data"] != OpaqueID(m.ID) {
		t.Fatalf("sent = %+v, want biz_opaque_callback_data %q", sent, OpaqueID(m.ID))
	}
}

func TestInDoubtSendProvenByStatusIsNotResent(t *testing.T) {
	e := newEnv(t, 0)
	m, err := e.ob.Send(text("447700900001", "maybe sent"))
	if err != nil {
		t.Fatal(err)
	}
	e.crashMidSend(time.Now())
	// What the webhook processor does when a status names the message by
	// its biz_opaque_callback_data while the job is in doubt.
	err = e.store.Update(func(tx *store.Tx) error {
		got, err := tx.Message(m.ID)
		if err != nil {
			return err
		}
		got.WAMID, got.Status = "wamid.proof", "sent"
		if err := tx.LinkWAMID("c1", got.WAMID, got.ID); err != nil {
			return err
		}
		return tx.PutMessage(got)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.stop()
	e.open()
	e.withDoubtWait(time.Hour)
	e.start()
	e.waitQueueEmpty()
	if n := e.emu.SentCount(pnid); n != 0 {
		t.Fatalf("sent %d times, want 0: proof of the first send was ignored", n)
	}
	e.store.View(func(tx *store.Tx) error {
		got, _ := tx.Message(m.ID)
		if got.WAMID != "wamid.proof" || got.Status != "sent" {
			t.Fatalf("message = %+v", got)
		}
		return nil
	})
	if c := e.counts(); c.Sent != 1 || c.SentOK != 1 {
		t.Fatalf("counts = %+v, want the send counted once", c)
	}
}

func TestInDoubtSendWithoutProofWaitsThenResends(t *testing.T) {
	e := newEnv(t, 0)
	if _, err := e.ob.Send(text("447700900001", "lost answer")); err != nil {
		t.Fatal(err)
	}
	const wait = 400 * time.Millisecond
	crashed := time.Now()
	e.crashMidSend(crashed)
	e.stop()
	e.open()
	e.withDoubtWait(wait)
	e.start()
	e.waitQueueEmpty()
	sent := e.emu.Sent(pnid)
	if len(sent) != 1 {
		t.Fatalf("sent %d times, want 1", len(sent))
	}
	if early := sent[0].Time.Sub(crashed); early < wait {
		t.Fatalf("resent %v after the crash, before the %v wait for proof", early, wait)
	}
}

func TestBulkYieldsToLive(t *testing.T) {
	const rate = 50
	e := newEnv(t, rate)
	for i := range 60 {
		r := text(fmt.Sprintf("4477009%05d", i), fmt.Sprintf("bulk %d", i))
		r.Bulk = true
		if _, err := e.ob.Send(r); err != nil {
			t.Fatal(err)
		}
	}
	e.start()
	// Bulk traffic under way.
	for deadline := time.Now().Add(time.Minute); e.emu.SentCount(pnid) < 3; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("bulk traffic never started")
		}
	}
	for i := range 3 {
		if _, err := e.ob.Send(text(fmt.Sprintf("4478009%05d", i), fmt.Sprintf("live %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	before := e.emu.SentCount(pnid) // at most this many went before the live ones were queued
	e.waitQueueEmpty()
	sent := e.emu.Sent(pnid)
	if len(sent) != 63 {
		t.Fatalf("sent %d, want 63", len(sent))
	}
	live := 0
	for i, s := range sent {
		body, _ := s.Body["text"].(map[string]any)["body"].(string)
		if strings.HasPrefix(body, "live") {
			live++
			// A few bulk sends may already wait in the lane or be under
			// way, but not the rest of the campaign.
			if i > before+10 {
				t.Errorf("live message %q was send #%d, %d sent when it was queued: it waited behind campaign traffic", body, i, before)
			}
		}
	}
	if live != 3 {
		t.Fatalf("live sends = %d", live)
	}
}

// A template is queued as the exact body Meta gets, so every part of it
// survives the queue (and a restart) unchanged.
func TestTemplateThroughQueue(t *testing.T) {
	e := newEnv(t, 0)
	e.emu.AddTemplate("W1", graphemu.Template{Name: "order_ready", Language: "en_US", Status: "APPROVED", Category: "UTILITY",
		ParameterFormat: "POSITIONAL", Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Hello {{1}}, order {{2}} is ready."}}})
	r := &Request{ChannelID: "c1", CustomerKey: "447700900001", Message: &cloudapi.Message{To: "447700900001", Template: &cloudapi.TemplateMessage{
		Name: "order_ready", Language: "en_US",
		Components: []cloudapi.Component{{Type: "body", Parameters: []cloudapi.Parameter{{Type: "text", Text: "Ann"}, {Type: "text", Text: "A-17"}}}},
	}}}
	if _, err := e.ob.Send(r); err != nil {
		t.Fatal(err)
	}
	e.stop()
	e.open()
	e.start()
	e.waitQueueEmpty()
	if rej := e.emu.Rejected(pnid); len(rej) != 0 {
		t.Fatalf("emulator rejected the template: %v", rej)
	}
	sent := e.emu.Sent(pnid)
	if len(sent) != 1 {
		t.Fatalf("sent = %d", len(sent))
	}
	tpl, _ := sent[0].Body["template"].(map[string]any)
	lang, _ := tpl["language"].(map[string]any)
	if tpl["name"] != "order_ready" || lang["code"] != "en_US" {
		t.Fatalf("template sent = %v", sent[0].Body)
	}
}

func TestSendsStoppedBeforeLeavingAreNotInDoubt(t *testing.T) {
	// One send at a time, and Meta does not answer: when the outbox stops,
	// at most the request under way may have gone out. The others never
	// left, so after a restart they go without waiting for proof.
	const n = 6
	e := newEnv(t, 0)
	e.ob.opts.InFlight = 1
	for i := range n {
		if _, err := e.ob.Send(text(fmt.Sprintf("4477009%05d", i), "hello")); err != nil {
			t.Fatal(err)
		}
	}
	e.emu.SetDelay(time.Hour)
	e.start()
	e.waitJobs(func(jobs []*store.Job) bool {
		for _, j := range jobs {
			if j.InFlight.IsZero() {
				return false
			}
		}
		return true
	})
	e.stop()
	e.emu.SetDelay(0)
	e.open()
	e.withDoubtWait(time.Hour)
	restarted := time.Now()
	e.start()
	// Every message reaches Meta once, but for the one whose request was
	// under way, if any: it waits for proof.
	recipients := func() map[string]int {
		seen := map[string]int{}
		for _, s := range e.emu.Sent(pnid) {
			seen[s.To]++
		}
		return seen
	}
	e.waitJobs(func(jobs []*store.Job) bool {
		for _, j := range jobs {
			if j.InFlight.IsZero() || !j.InFlight.Before(restarted) {
				return false
			}
		}
		return len(jobs) <= 1 && len(jobs)+len(recipients()) == n
	})
	for to, k := range recipients() {
		if k != 1 {
			t.Errorf("%s got the message %d times", to, k)
		}
	}
}

// waitJobs waits until ok holds for the queued jobs, and returns them.
func (e *env) waitJobs(ok func([]*store.Job) bool) []*store.Job {
	e.t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		var jobs []*store.Job
		e.store.View(func(tx *store.Tx) (err error) { jobs, err = tx.Jobs(); return })
		if ok(jobs) {
			return jobs
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("queue never reached the expected state; %d jobs", len(jobs))
		}
	}
}
