package templates_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// update is an account-level template webhook body as Meta sends it.
func update(waba, field, value string) []byte {
	return fmt.Appendf(nil, `{"entry":[{"id":%q,"time":1751247548,"changes":[{"value":%s,"field":%q}]}],"object":"whatsapp_business_account"}`, waba, value, field)
}

// apply runs the hooks on body as the ingest processor does, inside one
// write transaction.
func (e *env) apply(t *testing.T, body []byte) {
	t.Helper()
	events, err := wa.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	hooks := e.svc.Hooks()
	err = e.st.Update(func(tx *store.Tx) error {
		ch, err := tx.Channel(channelID)
		if err != nil {
			return err
		}
		for i := range events {
			if err := hooks.Other(tx, ch, &events[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestHooksApplyTemplateUpdates(t *testing.T) {
	e := newEnv(t, 0)
	e.seed()
	e.sync(t)

	e.apply(t, update(testWABA, "message_template_status_update",
		`{"event":"PAUSED","message_template_id":1001,"message_template_name":"order_update","message_template_language":"en_US","reason":"LOW_QUALITY","message_template_category":"UTILITY"}`))
	if got := e.template(t, "order_update", "en_US"); got.Status != "PAUSED" || got.Reason != "LOW_QUALITY" || got.UpdatedAt.Before(got.SyncedAt) {
		t.Fatalf("after status update = %+v", got)
	}
	// Meta spells some languages with a hyphen.
	e.apply(t, update(testWABA, "message_template_quality_update",
		`{"previous_quality_score":"GREEN","new_quality_score":"YELLOW","message_template_id":1001,"message_template_name":"order_update","message_template_language":"en-US"}`))
	if got := e.template(t, "order_update", "en_US"); got.Quality != "YELLOW" || got.Status != "PAUSED" {
		t.Fatalf("after quality update = %+v", got)
	}
	e.apply(t, update(testWABA, "template_category_update",
		`{"message_template_id":1008,"message_template_name":"plain","message_template_language":"en_US","previous_category":"UTILITY","new_category":"MARKETING"}`))
	if got := e.template(t, "plain", "en_US"); got.Category != "MARKETING" || got.PreviousCategory != "UTILITY" {
		t.Fatalf("after category update = %+v", got)
	}
	// Another account's update touches nothing here.
	e.apply(t, update("another-waba", "message_template_status_update",
		`{"event":"DISABLED","message_template_id":1008,"message_template_name":"plain","message_template_language":"en_US","reason":"NONE"}`))
	if got := e.template(t, "plain", "en_US"); got.Status != "APPROVED" {
		t.Fatalf("another account's update applied: %+v", got)
	}
	e.apply(t, update(testWABA, "message_template_status_update",
		`{"event":"DELETED","message_template_id":1008,"message_template_name":"plain","message_template_language":"en_US","reason":"NONE"}`))
	err := e.st.View(func(tx *store.Tx) error {
		if ts, _ := tx.TemplateLanguages(channelID, "plain"); len(ts) != 0 {
			t.Errorf("deleted template kept: %+v", ts[0])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestHooksUnknownTemplateSyncs: an update for a template not stored yet is
// stored as partial and the runner syncs the channel to complete it.
func TestHooksUnknownTemplateSyncs(t *testing.T) {
	e := newEnv(t, 0)
	e.seed()
	e.sync(t)
	e.emu.AddTemplate(testWABA, graphemu.Template{ID: "2001", Name: "late_one", Language: "en_US",
		Components: []graphemu.TemplateComponent{{Type: "BODY", Text: "Hi {{1}}"}}})
	e.apply(t, update(testWABA, "message_template_status_update",
		`{"event":"APPROVED","message_template_id":2001,"message_template_name":"late_one","message_template_language":"en_US","reason":"NONE","message_template_category":"UTILITY"}`))
	got := e.template(t, "late_one", "en_US")
	if !got.Partial || got.Status != "APPROVED" || got.ID != "2001" || got.Category != "UTILITY" {
		t.Fatalf("partial template = %+v", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.svc.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(time.Minute)
	for e.template(t, "late_one", "en_US").Partial {
		if time.Now().After(deadline) {
			t.Fatal("the requested sync never completed the template")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := e.template(t, "late_one", "en_US"); len(got.Components) != 1 || got.Components[0].Text != "Hi {{1}}" {
		t.Fatalf("synced template = %+v", got)
	}
}

// racingLister applies a webhook while Meta is being listed.
type racingLister struct {
	*cloudapi.Client
	during func()
}

func (r racingLister) ListTemplates(ctx context.Context, creds cloudapi.Creds) ([]cloudapi.Template, error) {
	list, err := r.Client.ListTemplates(ctx, creds)
	r.during()
	return list, err
}

// TestSyncKeepsWebhookFromDuringListing: a status webhook applied while a
// sync was listing is not undone by the older listing.
func TestSyncKeepsWebhookFromDuringListing(t *testing.T) {
	e := newEnv(t, 0)
	e.seed()
	e.sync(t)
	e.svc = templates.New(e.st, racingLister{e.client, func() {
		e.apply(t, update(testWABA, "message_template_status_update",
			`{"event":"DISABLED","message_template_id":1008,"message_template_name":"plain","message_template_language":"en_US","reason":"SCAM"}`))
	}}, quiet(), templates.Options{})
	e.sync(t)
	if got := e.template(t, "plain", "en_US"); got.Status != "DISABLED" || got.Reason != "SCAM" {
		t.Fatalf("after a sync racing a webhook = %+v", got)
	}
}
