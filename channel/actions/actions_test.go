package actions_test

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/actions"
	"github.com/wachan/wachan/channel/integration"
	"github.com/wachan/wachan/store"
)

const (
	ch       = "sales"
	customer = "447700900001"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// setup is a real store with a channel, a customer, a queue, an approved
// and a paused template, an API key subscribed to button events, and an
// action per kind.
func setup(t *testing.T) (*store.Store, *actions.Service) {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{Timeout: time.Second}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	integ := integration.New(st, quiet(), integration.Options{})
	err = st.Update(func(tx *store.Tx) error {
		for _, f := range []func() error{
			func() error {
				return tx.PutChannel(&store.Channel{ID: ch, Name: "Sales", PhoneNumberID: "1", WABAID: "2"})
			},
			func() error {
				return tx.PutCustomer(&store.Customer{ChannelID: ch, Key: customer, WaID: customer, Name: "Ann", LastInAt: time.Now()})
			},
			func() error { return tx.PutQueue(&store.Queue{Name: "billing", Members: []string{"1001"}}) },
			func() error {
				return tx.PutTemplate(&store.Template{ChannelID: ch, ID: "1", Name: "thanks", Language: "en_US", Status: "APPROVED",
					Components: []store.TemplateComponent{{Type: "BODY", Text: "Thanks {{1}}, we got your answer."}}})
			},
			func() error {
				return tx.PutTemplate(&store.Template{ChannelID: ch, ID: "2", Name: "paused", Language: "en_US", Status: "PAUSED",
					Components: []store.TemplateComponent{{Type: "BODY", Text: "Hello there."}}})
			},
			func() error {
				return tx.PutAPIKey(&store.APIKey{ID: "k1", Channels: []string{ch}, WebhookURL: "https://erp.example/hook", WebhookSecret: "s", Events: []string{integration.EventButtonAction}})
			},
		} {
			if err := f(); err != nil {
				return err
			}
		}
		for _, a := range []*store.ButtonAction{
			{Trigger: "billing", Kind: store.ActionRoute, Destination: &store.Destination{Type: "queue", ID: "billing"}},
			{Trigger: "hours", Kind: store.ActionText, Text: "We open at 9."},
			{Trigger: "ok", Kind: store.ActionTemplate, Template: &store.ButtonTemplate{Name: "thanks", Language: "en_US", Params: json.RawMessage(`{"body":["Ann"]}`)}},
			{Trigger: "bad", Kind: store.ActionTemplate, Template: &store.ButtonTemplate{Name: "paused"}},
			{Trigger: "STOP_PROMOS", Kind: store.ActionOptOut},
			{Trigger: "confirm SO42", Kind: store.ActionEvent, Event: "confirm_order"},
		} {
			a.ChannelID = ch
			if err := tx.PutButtonAction(a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st, actions.New(quiet(), actions.Options{Emit: integ.Record})
}

// tap runs the hook on an inbound tap message, as the ingest processor
// does, and returns the message.
func tap(t *testing.T, st *store.Store, svc *actions.Service, typ, raw string) {
	t.Helper()
	err := st.Update(func(tx *store.Tx) error {
		c, err := tx.Channel(ch)
		if err != nil {
			return err
		}
		cust, err := tx.Customer(ch, customer)
		if err != nil {
			return err
		}
		m := &store.Message{ChannelID: ch, CustomerKey: customer, Direction: store.Inbound, Type: typ, WAMID: "wamid.in", Raw: json.RawMessage(raw), Timestamp: time.Now()}
		if _, err := tx.AddMessage(m); err != nil {
			return err
		}
		return svc.Hooks().Inbound(tx, c, cust, m)
	})
	if err != nil {
		t.Fatalf("hook failed the webhook: %v", err)
	}
}

func quickReply(payload string) string {
	return `{"from":"` + customer + `","id":"wamid.in","type":"button","context":{"from":"15550783881","id":"wamid.out"},"button":{"payload":"` + payload + `","text":"Tap"}}`
}

func buttonReply(id string) string {
	return `{"from":"` + customer + `","id":"wamid.in","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"` + id + `","title":"Tap"}}}`
}

func listReply(id string) string {
	return `{"from":"` + customer + `","id":"wamid.in","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"` + id + `","title":"Row"}}}`
}

func jobs(t *testing.T, st *store.Store) []string {
	t.Helper()
	var out []string
	st.View(func(tx *store.Tx) error {
		js, err := tx.Jobs()
		for _, j := range js {
			out = append(out, string(j.Payload))
		}
		return err
	})
	return out
}

func TestEachActionKind(t *testing.T) {
	st, svc := setup(t)

	tap(t, st, svc, "interactive", buttonReply("hours"))
	if js := jobs(t, st); len(js) != 1 || !strings.Contains(js[0], `"text":{"body":"We open at 9."}`) || !strings.Contains(js[0], `"to":"+447700900001"`) {
		t.Fatalf("text action queued %v", js)
	}
	tap(t, st, svc, "button", quickReply("ok"))
	if js := jobs(t, st); len(js) != 2 || !strings.Contains(js[1], `"name":"thanks"`) || !strings.Contains(js[1], `"text":"Ann"`) {
		t.Fatalf("template action queued %v", js)
	}
	// A template that can't be sent is logged; the webhook still goes
	// through and nothing is queued.
	tap(t, st, svc, "button", quickReply("bad"))
	if js := jobs(t, st); len(js) != 2 {
		t.Fatalf("failed action queued %v", js)
	}
	tap(t, st, svc, "interactive", listReply("STOP_PROMOS"))
	st.View(func(tx *store.Tx) error {
		if o, err := tx.OptOut(ch, customer); err != nil || o.Word != "button:STOP_PROMOS" {
			t.Fatalf("opt-out = %+v %v", o, err)
		}
		return nil
	})
	tap(t, st, svc, "button", quickReply("confirm SO42"))
	st.View(func(tx *store.Tx) error {
		ds, err := tx.HookDeliveries(10)
		if err != nil || len(ds) != 1 || ds[0].Event != "button.action" {
			t.Fatalf("events = %+v %v", ds, err)
		}
		var env struct {
			Data actions.EventData
		}
		if err := json.Unmarshal(ds[0].Body, &env); err != nil || env.Data.Event != "confirm_order" || env.Data.Tap.Trigger != "confirm SO42" ||
			env.Data.Tap.Kind != "quick_reply" || env.Data.Tap.Context != "wamid.out" || env.Data.Customer != customer || env.Data.Name != "Ann" {
			t.Fatalf("event = %s", ds[0].Body)
		}
		return nil
	})

	// A route action names where the conversation the tap opens goes...
	tap(t, st, svc, "button", quickReply("billing"))
	st.View(func(tx *store.Tx) error {
		rt, err := tx.PendingReplyTo(ch, customer, time.Now())
		if err != nil || rt.Destination.ID != "billing" {
			t.Fatalf("reply-to = %+v %v", rt, err)
		}
		return nil
	})
	// ...but leaves an open conversation with its agent.
	st.Update(func(tx *store.Tx) error {
		if err := tx.DeleteReplyTo(ch, customer); err != nil {
			return err
		}
		_, err := tx.AddSession(&store.Session{ChannelID: ch, CustomerKey: customer, State: store.StateActive, Agent: "1002"})
		return err
	})
	tap(t, st, svc, "button", quickReply("billing"))
	st.View(func(tx *store.Tx) error {
		if _, err := tx.PendingReplyTo(ch, customer, time.Now()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("open conversation rerouted: %v", err)
		}
		return nil
	})

	// Taps without an action, and other messages, do nothing.
	tap(t, st, svc, "button", quickReply("nothing here"))
	tap(t, st, svc, "text", `{"type":"text","text":{"body":"hours"}}`)
	if js := jobs(t, st); len(js) != 2 {
		t.Fatalf("queued %v", js)
	}
}

func TestTapOf(t *testing.T) {
	tests := []struct {
		typ, raw string
		want     *actions.Tap
	}{
		{"button", quickReply("P1"), &actions.Tap{Trigger: "P1", Title: "Tap", Kind: "quick_reply", Context: "wamid.out"}},
		{"interactive", buttonReply("b1"), &actions.Tap{Trigger: "b1", Title: "Tap", Kind: "button_reply"}},
		{"interactive", listReply("r1"), &actions.Tap{Trigger: "r1", Title: "Row", Kind: "list_reply"}},
		{"interactive", `{"type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{"response_json":"{}"}}}`, nil},
		{"button", `{"type":"button","button":{"payload":""}}`, nil},
		{"button", `not json`, nil},
		{"text", `{"type":"text"}`, nil},
	}
	for _, tt := range tests {
		got := actions.TapOf(&store.Message{Type: tt.typ, Raw: json.RawMessage(tt.raw)})
		if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
			t.Errorf("TapOf(%s) = %+v, want %+v", tt.raw, got, tt.want)
		}
	}
}
