package templates_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/store"
)

func TestSyncFollowsPagesAndReportsDuplicates(t *testing.T) {
	e := newEnv(t, 2) // 9 listed templates: five pages
	e.seed()
	e.emu.AddTemplate(testWABA, graphemu.Template{ID: "1999", Name: "order_update", Language: "en_US",
		Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "other"}}})

	res := e.sync(t)
	if res.Total != 8 || res.Added != 8 || res.Updated != 0 || res.Removed != 0 {
		t.Fatalf("first sync = %+v, want 8 added", res)
	}
	if len(res.Duplicates) != 1 || res.Duplicates[0].Name != "order_update" || res.Duplicates[0].Language != "en_US" ||
		strings.Join(res.Duplicates[0].IDs, ",") != "1001,1999" || !strings.Contains(res.Duplicates[0].Explanation, "first one listed") {
		t.Fatalf("duplicates = %+v", res.Duplicates)
	}

	// The definition is kept whole: the first listing of the duplicate,
	// quality, examples, buttons with their examples.
	got := e.template(t, "order_update", "en_US")
	if got.ID != "1001" || got.Status != "APPROVED" || got.Quality != "GREEN" || got.Category != "UTILITY" || got.ParameterFormat != "POSITIONAL" {
		t.Fatalf("order_update = %+v", got)
	}
	if len(got.Components) != 4 || string(got.Components[1].Example) != `{"body_text":[["Ann","A1","today"]]}` ||
		got.Components[3].Buttons[0].URL != "https://shop.example/track/{{1}}" ||
		string(got.Components[3].Buttons[0].Example) != `["https://shop.example/track/A1"]` {
		t.Fatalf("components = %+v", got.Components)
	}
	if w := e.template(t, "welcome", "en"); w.ParameterFormat != "NAMED" || w.Category != "MARKETING" {
		t.Fatalf("welcome = %+v", w)
	}
	if c := e.template(t, "coupon", "en_US"); string(c.Components[1].Buttons[0].Example) != `"SAVE10"` {
		t.Fatalf("copy code example = %s", c.Components[1].Buttons[0].Example)
	}

	// Nothing changed: nothing counted as changed.
	if res := e.sync(t); res.Unchanged != 8 || res.Added+res.Updated+res.Removed != 0 {
		t.Fatalf("second sync = %+v", res)
	}

	// A status change and a deletion at Meta.
	e.emu.SetTemplateStatus(testWABA, "promo", "en_US", "APPROVED", "")
	if !e.emu.RemoveTemplate(testWABA, "visit", "en_US") {
		t.Fatal("emulator lost visit")
	}
	res = e.sync(t)
	if res.Updated != 1 || res.Removed != 1 || res.Total != 7 {
		t.Fatalf("third sync = %+v", res)
	}
	if e.template(t, "promo", "en_US").Status != "APPROVED" {
		t.Fatal("promo status not updated")
	}
	err := e.st.View(func(tx *store.Tx) error {
		_, err := tx.Template(channelID, "visit", "en_US")
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("removed template still stored: %v", err)
		}
		rec, err := tx.TemplateSync(channelID)
		if err != nil {
			return err
		}
		if rec.Error != "" || rec.Total != 7 || rec.Removed != 1 || rec.SyncedAt.IsZero() {
			t.Errorf("sync record = %+v", rec)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSyncSameNameOnTwoChannels(t *testing.T) {
	e := newEnv(t, 0)
	e.seed()
	e.emu.AddTemplate("other-waba", graphemu.Template{Name: "order_update", Language: "en_US", Status: "REJECTED"})
	e.addChannel(t, "support", "other-waba")
	if err := e.emu.AddNumber(graphemu.Number{PhoneNumberID: "999", WABAID: "other-waba", Token: testToken}); err != nil {
		t.Fatal(err)
	}
	e.sync(t)
	if _, err := e.svc.Sync(t.Context(), "support"); err != nil {
		t.Fatal(err)
	}
	err := e.st.View(func(tx *store.Tx) error {
		a, err := tx.Template(channelID, "order_update", "en_US")
		if err != nil {
			return err
		}
		b, err := tx.Template("support", "order_update", "en_US")
		if err != nil {
			return err
		}
		if a.Status != "APPROVED" || b.Status != "REJECTED" {
			t.Errorf("statuses = %s, %s", a.Status, b.Status)
		}
		other, err := tx.Templates("support")
		if len(other) != 1 {
			t.Errorf("support has %d templates", len(other))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSyncFailureKeepsTemplates(t *testing.T) {
	e := newEnv(t, 0)
	e.seed()
	e.sync(t)
	e.emu.ExpireToken(testToken)
	if _, err := e.svc.Sync(t.Context(), channelID); err == nil {
		t.Fatal("sync with an expired token succeeded")
	}
	err := e.st.View(func(tx *store.Tx) error {
		ts, err := tx.Templates(channelID)
		if err != nil {
			return err
		}
		if len(ts) != 8 {
			t.Errorf("after a failed sync %d templates left, want 8", len(ts))
		}
		rec, err := tx.TemplateSync(channelID)
		if err != nil {
			return err
		}
		if rec.Error == "" || rec.Total != 8 || strings.Contains(rec.Error, testToken) {
			t.Errorf("sync record = %+v", rec)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Sync(t.Context(), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("sync of an unknown channel = %v", err)
	}
}

// TestRunSyncsOnSchedule: the runner syncs a channel never synced at once
// and again once Interval has passed.
func TestRunSyncsOnSchedule(t *testing.T) {
	e := newEnv(t, 0)
	e.seed()
	var mu sync.Mutex
	now := time.Unix(1750000000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	svc := templates.New(e.st, e.client, quiet(), templates.Options{Interval: time.Hour, Check: 5 * time.Millisecond, Now: clock})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	syncedAt := func() time.Time {
		var at time.Time
		e.st.View(func(tx *store.Tx) error {
			if rec, err := tx.TemplateSync(channelID); err == nil {
				at = rec.SyncedAt
			}
			return nil
		})
		return at
	}
	waitFor := func(want time.Time) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !syncedAt().Equal(want) {
			if time.Now().After(deadline) {
				t.Fatalf("synced at %v, want %v", syncedAt(), want)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	waitFor(time.Unix(1750000000, 0))
	if n := len(e.template(t, "order_update", "en_US").Components); n != 4 {
		t.Fatalf("order_update has %d components", n)
	}
	mu.Lock()
	now = now.Add(30 * time.Minute)
	mu.Unlock()
	time.Sleep(30 * time.Millisecond) // several checks: not due yet
	if got := syncedAt(); !got.Equal(time.Unix(1750000000, 0)) {
		t.Fatalf("synced again before the interval: %v", got)
	}
	mu.Lock()
	now = now.Add(31 * time.Minute)
	mu.Unlock()
	waitFor(time.Unix(1750000000, 0).Add(61 * time.Minute))
}
