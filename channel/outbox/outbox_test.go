package outbox

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/store"
)

const (
	pnid  = "PN1"
	token = "EAAtoken-for-tests"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type env struct {
	t      testing.TB
	dir    string
	emu    *graphemu.Server
	client *cloudapi.Client
	store  *store.Store
	cancel context.CancelFunc
	wg     sync.WaitGroup
	ob     *Outbox
}

func newEnv(t testing.TB, rate int) *env {
	t.Helper()
	emu := graphemu.New(graphemu.Options{Statuses: []string{}})
	if err := emu.AddNumber(graphemu.Number{PhoneNumberID: pnid, WABAID: "W1", Token: token, AppSecret: "s", Rate: rate}); err != nil {
		t.Fatal(err)
	}
	base, err := emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	e := &env{t: t, dir: t.TempDir(), emu: emu, client: cloudapi.New(cloudapi.Options{BaseURL: base, Version: "v25.0"})}
	e.open()
	err = e.store.Update(func(tx *store.Tx) error {
		return tx.PutChannel(&store.Channel{ID: "c1", PhoneNumberID: pnid, WABAID: "W1", AccessToken: token, SendRate: rate})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.stop)
	return e
}

func (e *env) open() {
	st, err := store.Open(e.dir, store.Options{}, discard())
	if err != nil {
		e.t.Fatal(err)
	}
	e.store = st
	e.ob = New(st, e.client, discard(), Options{Rate: 80, Backoff: func(cloudapi.Class, int) time.Duration { return 20 * time.Millisecond }})
}

func (e *env) start() {
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.wg.Add(1)
	go func() { defer e.wg.Done(); e.ob.Run(ctx) }()
}

func (e *env) stop() {
	if e.cancel != nil {
		e.cancel()
		e.wg.Wait()
		e.cancel = nil
	}
	if e.store != nil {
		e.store.Close()
		e.store = nil
	}
}

func text(to, body string) *Request {
	return &Request{ChannelID: "c1", CustomerKey: to, Message: &cloudapi.Message{To: to, Text: &cloudapi.Text{Body: body}}}
}

// waitQueueEmpty waits until every job has finished.
func (e *env) waitQueueEmpty() {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		e.store.View(func(tx *store.Tx) error { jobs, _ := tx.Jobs(); n = len(jobs); return nil })
		if n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatal("queue did not drain")
}

func (e *env) counts() store.Counts {
	var c store.Counts
	e.store.View(func(tx *store.Tx) (err error) {
		c, err = tx.SumCounts("c1", time.Time{}, time.Time{}, time.UTC)
		return
	})
	return c
}

func TestPacingHoldsRate(t *testing.T) {
	const rate, n = 200, 300
	e := newEnv(t, rate)
	e.start()
	for i := range n {
		if _, err := e.ob.Send(text(fmt.Sprintf("4477009%05d", i), "hello")); err != nil {
			t.Fatal(err)
		}
	}
	e.waitQueueEmpty()
	if rej := e.emu.Rejected(pnid); len(rej) != 0 {
		t.Fatalf("emulator rejected sends: %v", rej)
	}
	sent := e.emu.Sent(pnid)
	if len(sent) != n {
		t.Fatalf("emulator got %d sends, want %d", len(sent), n)
	}
	span := sent[n-1].Time.Sub(sent[0].Time)
	if min := time.Duration(float64(n-1) / rate * 0.95 * float64(time.Second)); span < min {
		t.Fatalf("%d sends took %v, faster than %d/s allows (%v)", n, span, rate, min)
	}
	if c := e.counts(); c.Sent != n || c.SentOK != n || c.SentFailed != 0 {
		t.Fatalf("counts = %+v", c)
	}
}

func TestRetryThenSuccess(t *testing.T) {
	e := newEnv(t, 0)
	e.emu.FailNext(pnid, 2, 131000)
	e.start()
	m, err := e.ob.Send(text("447700900001", "retry me"))
	if err != nil {
		t.Fatal(err)
	}
	e.waitQueueEmpty()
	if got := e.emu.SentCount(pnid); got != 1 {
		t.Fatalf("sent = %d, want 1", got)
	}
	e.store.View(func(tx *store.Tx) error {
		got, _ := tx.Message(m.ID)
		if got.Status != "accepted" || got.WAMID == "" {
			t.Fatalf("message = %+v", got)
		}
		if id, err := tx.MessageIDByWAMID("c1", got.WAMID); err != nil || id != m.ID {
			t.Fatalf("wamid index = %d, %v", id, err)
		}
		return nil
	})
	if c := e.counts(); c.Sent != 1 || c.SentOK != 1 {
		t.Fatalf("counts = %+v", c)
	}
}

func TestNeverRetryFails(t *testing.T) {
	e := newEnv(t, 0)
	e.emu.FailNext(pnid, 1, 131047)
	e.start()
	m, err := e.ob.Send(text("447700900001", "too late"))
	if err != nil {
		t.Fatal(err)
	}
	e.waitQueueEmpty()
	if got := e.emu.SentCount(pnid); got != 0 {
		t.Fatalf("sent = %d, want 0", got)
	}
	e.store.View(func(tx *store.Tx) error {
		got, _ := tx.Message(m.ID)
		if got.Status != "failed" || got.Error == nil || got.Error.Code != 131047 || got.Error.Title == "" {
			t.Fatalf("message = %+v err=%+v", got, got.Error)
		}
		return nil
	})
	if c := e.counts(); c.Sent != 1 || c.SentFailed != 1 || c.SentOK != 0 {
		t.Fatalf("counts = %+v", c)
	}
}

func TestInvalidMessageRefusedAtEnqueue(t *testing.T) {
	e := newEnv(t, 0)
	r := text("447700900001", "")
	r.Message.Text = nil
	if _, err := e.ob.Send(r); err == nil {
		t.Fatal("message without payload accepted")
	}
}

func TestQueuedSendSurvivesRestart(t *testing.T) {
	e := newEnv(t, 0)
	for i := range 5 {
		if _, err := e.ob.Send(text("447700900001", fmt.Sprintf("m%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	e.stop() // "crash" before the sender ever ran
	e.open()
	e.start()
	e.waitQueueEmpty()
	sent := e.emu.Sent(pnid)
	if len(sent) != 5 {
		t.Fatalf("sent after restart = %d, want 5", len(sent))
	}
	for i, s := range sent {
		body := s.Body["text"].(map[string]any)["body"]
		if body != fmt.Sprintf("m%d", i) {
			t.Fatalf("send %d body = %v: order to one recipient not kept", i, body)
		}
	}
}
