package campaign

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/store"
)

const (
	pnid  = "PN1"
	waba  = "W1"
	token = "EAAtoken-for-tests"
	chID  = "c1"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// env is a store, an outbox sending to the Graph emulator over loopback
// and a campaign service feeding it.
type env struct {
	t      testing.TB
	dir    string
	emu    *graphemu.Server
	client *cloudapi.Client
	store  *store.Store
	ob     *outbox.Outbox
	svc    *Service
	rate   int
	// shift moves the service's clock ahead.
	shift  atomic.Int64
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// newEnv starts an emulated number enforcing rate messages per second and
// a channel configured to send at that rate, with one approved template
// "promo" taking one body value.
func newEnv(t testing.TB, rate int) *env {
	t.Helper()
	emu := graphemu.New(graphemu.Options{Statuses: []string{}})
	if err := emu.AddNumber(graphemu.Number{PhoneNumberID: pnid, WABAID: waba, Token: token, AppSecret: "s", Rate: rate}); err != nil {
		t.Fatal(err)
	}
	emu.AddTemplate(waba, graphemu.Template{Name: "promo", Language: "en_US",
		Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Hello {{1}}, 10% off today"}}})
	base, err := emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	e := &env{t: t, dir: t.TempDir(), emu: emu, rate: rate,
		client: cloudapi.New(cloudapi.Options{BaseURL: base, Version: "v25.0"})}
	e.open()
	err = e.store.Update(func(tx *store.Tx) error {
		if err := tx.PutChannel(&store.Channel{ID: chID, PhoneNumberID: pnid, WABAID: waba, AccessToken: token, SendRate: rate}); err != nil {
			return err
		}
		return tx.PutTemplate(&store.Template{ChannelID: chID, Name: "promo", Language: "en_US", Status: "APPROVED",
			Category: "MARKETING", ParameterFormat: "POSITIONAL",
			Components: []store.TemplateComponent{{Type: "BODY", Text: "Hello {{1}}, 10% off today"}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.close)
	return e
}

// open opens the store and builds the outbox and the service on it.
func (e *env) open() {
	// Durability against power loss is not under test: skip fsync.
	st, err := store.Open(e.dir, store.Options{NoSync: true}, discard())
	if err != nil {
		e.t.Fatal(err)
	}
	e.store = st
	var svc *Service
	e.ob = outbox.New(st, e.client, discard(), outbox.Options{Rate: 80,
		Finished:  func(tx *store.Tx, ch *store.Channel, m *store.Message) error { return svc.Finished(tx, ch, m) },
		Backoff:   func(cloudapi.Class, int) time.Duration { return 20 * time.Millisecond },
		DoubtWait: 200 * time.Millisecond})
	svc = New(st, discard(), Options{Rate: 80, Wake: e.ob.Wake, Interval: 20 * time.Millisecond,
		Window: 500 * time.Millisecond, Now: func() time.Time { return time.Now().Add(time.Duration(e.shift.Load())) }})
	e.svc = svc
}

func (e *env) start() {
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.wg.Add(2)
	go func() { defer e.wg.Done(); e.ob.Run(ctx) }()
	go func() { defer e.wg.Done(); e.svc.Run(ctx) }()
}

// stop stops the outbox and the runner, leaving the store open.
func (e *env) stop() {
	if e.cancel != nil {
		e.cancel()
		e.wg.Wait()
		e.cancel = nil
	}
}

func (e *env) close() {
	e.stop()
	if e.store != nil {
		e.store.Close()
		e.store = nil
	}
}

// numbers returns n distinct valid UK mobile numbers.
func numbers(n int) []RecipientInput {
	out := make([]RecipientInput, n)
	for i := range out {
		out[i] = RecipientInput{To: fmt.Sprintf("+447700%06d", i), Params: []byte(fmt.Sprintf(`["customer %d"]`, i))}
	}
	return out
}

// create stores a running campaign for rs.
func (e *env) create(rs []RecipientInput, limit int) *store.Campaign {
	e.t.Helper()
	list := ParseJSON(rs)
	c, err := e.svc.Create(Draft{Name: "spring", ChannelID: chID, Template: store.CampaignTemplate{Name: "promo", Language: "en_US"},
		DailyLimit: limit, Start: true}, list)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(list.Invalid) != 0 {
		e.t.Fatalf("invalid rows: %+v", list.Invalid)
	}
	return c
}

// wait polls campaign id until ok holds.
func (e *env) wait(id uint64, what string, ok func(*store.Campaign) bool) *store.Campaign {
	e.t.Helper()
	// A safety net: ten thousand sends under the race detector on a busy
	// machine take minutes.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		c, err := e.svc.Get(id)
		if err != nil {
			e.t.Fatal(err)
		}
		if ok(c) {
			return c
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("campaign never %s; last %+v", what, c)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkNoDuplicates fails when the emulator got two sends to one number.
func (e *env) checkNoDuplicates() {
	e.t.Helper()
	seen := map[string]bool{}
	for _, m := range e.emu.Sent(pnid) {
		if seen[m.To] {
			e.t.Fatalf("%s got the campaign twice", m.To)
		}
		seen[m.To] = true
	}
}
