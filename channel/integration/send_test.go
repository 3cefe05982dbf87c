package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/wachan/wachan/store"
)

// send POSTs a message with an Idempotency-Key.
func (e *env) send(token, idem string, body map[string]any) (int, map[string]any) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", e.base+"/api/v1/messages", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(data, &out)
	return resp.StatusCode, out
}

func (e *env) jobs() int {
	var js []*store.Job
	e.update(func(tx *store.Tx) (err error) { js, err = tx.Jobs(); return })
	return len(js)
}

func TestIdempotentSend(t *testing.T) {
	e := newEnv(t, Options{})
	e.update(func(tx *store.Tx) error {
		return tx.PutCustomer(&store.Customer{ChannelID: "chan-a", Key: "447700900001", WaID: "447700900001", LastInAt: time.Now()})
	})
	k := e.createKey(map[string]any{"name": "crm", "channels": []string{"chan-a"}})
	body := map[string]any{"channel_id": "chan-a", "to": "447700900001", "text": "Your order shipped"}

	code, first := e.send(k.Key, "order-42", body)
	if code != 202 || first["key_id"] != k.ID {
		t.Fatalf("first send = %d %v", code, first)
	}
	code, again := e.send(k.Key, "order-42", body)
	if code != 200 || again["id"] != first["id"] {
		t.Fatalf("repeated send = %d %v, want 200 with id %v", code, again, first["id"])
	}
	if n := e.jobs(); n != 1 {
		t.Fatalf("jobs = %d, want 1", n)
	}

	tests := []struct {
		name, token, idem string
		body              map[string]any
		want              int
		code              string
	}{
		{"other body", k.Key, "order-42", map[string]any{"channel_id": "chan-a", "to": "447700900001", "text": "Something else"}, 422, "idempotency_mismatch"},
		{"same key, admin", adminToken, "order-42", body, 202, ""},
		{"new key", k.Key, "order-43", body, 202, ""},
		{"control characters", k.Key, "a\tb", body, 422, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := e.send(tt.token, tt.idem, tt.body)
			errObj, _ := out["error"].(map[string]any)
			if code != tt.want || (tt.code != "" && errObj["code"] != tt.code) || (tt.code == "" && out["id"] == first["id"]) {
				t.Fatalf("= %d %v; want %d %s", code, out, tt.want, tt.code)
			}
		})
	}
	if n := e.jobs(); n != 3 {
		t.Fatalf("jobs = %d, want 3", n)
	}

	// A key older than 24 h is free again, even before the sweep.
	e.update(func(tx *store.Tx) error {
		return tx.PutIdempotency(k.ID, "stale", &store.Idempotency{MessageID: 1, BodyHash: "other", CreatedAt: time.Now().Add(-25 * time.Hour)})
	})
	if code, out := e.send(k.Key, "stale", body); code != 202 {
		t.Fatalf("send with an expired key = %d %v", code, out)
	}
	if code, _ := e.send(k.Key, "stale", body); code != 200 {
		t.Fatalf("repeat with the renewed key = %d", code)
	}
}

func TestReplyToAndTemplates(t *testing.T) {
	e := newEnv(t, Options{})
	e.update(func(tx *store.Tx) error {
		if err := tx.PutQueue(&store.Queue{Name: "billing", Members: []string{"1002"}}); err != nil {
			return err
		}
		return tx.PutTemplate(&store.Template{ChannelID: "chan-a", Name: "order_update", Language: "en_US", Status: "APPROVED",
			ParameterFormat: "POSITIONAL", Components: []store.TemplateComponent{{Type: "BODY", Text: "Hi {{1}}, order {{2}} shipped."}}})
	})
	k := e.createKey(map[string]any{"name": "erp", "channels": []string{"chan-a"}})
	tpl := map[string]any{"name": "order_update", "language": "en_US", "params": map[string]any{"body": []string{"Ann", "42"}}}

	// A template reaches a customer who never wrote, and the answer is
	// to go to the billing queue.
	code, out := e.send(k.Key, "", map[string]any{"channel_id": "chan-a", "to": "+447700900002", "template": tpl,
		"reply_to": map[string]string{"type": "queue", "id": "billing"}})
	if code != 202 || out["type"] != "template" || out["customer"] != "447700900002" {
		t.Fatalf("template send = %d %v", code, out)
	}
	var r *store.ReplyTo
	e.update(func(tx *store.Tx) (err error) {
		r, err = tx.PendingReplyTo("chan-a", "447700900002", time.Now())
		return
	})
	if r.Destination != (store.Destination{Type: "queue", ID: "billing"}) || r.KeyID != k.ID || r.MessageID != uint64(out["id"].(float64)) {
		t.Fatalf("reply destination = %+v", r)
	}

	e.update(func(tx *store.Tx) error {
		if _, err := tx.TakeReplyTo("chan-a", "447700900002", time.Now()); err != nil {
			return err
		}
		if _, err := tx.TakeReplyTo("chan-a", "447700900002", time.Now()); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second take: %v, want ErrNotFound", err)
		}
		return nil
	})

	tests := []struct {
		name  string
		body  map[string]any
		want  int
		code  string
		field string
	}{
		{"unknown template", map[string]any{"name": "nope", "language": "en_US"}, 404, "template_not_found", "template.name"},
		{"missing parameter", map[string]any{"name": "order_update", "language": "en_US", "params": map[string]any{"body": []string{"Ann"}}}, 422, "template_param_count", ""},
		{"raw components", map[string]any{"name": "order_update", "language": "en_US", "components": []any{}}, 422, "invalid", "template.components"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := e.send(k.Key, "", map[string]any{"channel_id": "chan-a", "to": "447700900002", "template": tt.body})
			errObj, _ := out["error"].(map[string]any)
			if code != tt.want || errObj["code"] != tt.code || (tt.field != "" && errObj["field"] != tt.field) {
				t.Fatalf("= %d %v; want %d %s %s", code, out, tt.want, tt.code, tt.field)
			}
		})
	}
	for _, bad := range []map[string]string{{"type": "ivr", "id": "1"}, {"type": "queue", "id": "nope"}} {
		code, out := e.send(k.Key, "", map[string]any{"channel_id": "chan-a", "to": "447700900002", "template": tpl, "reply_to": bad})
		if code != 422 {
			t.Fatalf("reply_to %v = %d %v", bad, code, out)
		}
	}
}

func TestSweep(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, Options{Now: func() time.Time { return now }})
	e.update(func(tx *store.Tx) error {
		for _, r := range []struct {
			key string
			age time.Duration
		}{{"old", 25 * time.Hour}, {"fresh", time.Hour}} {
			if err := tx.PutIdempotency("k1", r.key, &store.Idempotency{MessageID: 1, CreatedAt: now.Add(-r.age)}); err != nil {
				return err
			}
		}
		if err := tx.PutReplyTo("chan-a", "1", &store.ReplyTo{ExpiresAt: now.Add(-time.Minute)}); err != nil {
			return err
		}
		return tx.PutReplyTo("chan-a", "2", &store.ReplyTo{ExpiresAt: now.Add(time.Minute)})
	})
	e.svc.sweep(now)
	e.update(func(tx *store.Tx) error {
		if _, err := tx.Idempotency("k1", "old"); err == nil {
			t.Error("the 25 h old key survived")
		}
		if _, err := tx.Idempotency("k1", "fresh"); err != nil {
			t.Errorf("the fresh key: %v", err)
		}
		if _, err := tx.PendingReplyTo("chan-a", "2", now); err != nil {
			t.Errorf("the live reply destination: %v", err)
		}
		return nil
	})
	var n int
	e.update(func(tx *store.Tx) (err error) { n, err = tx.SweepIdempotency(now.Add(-24*time.Hour), now, 10); return })
	if n != 0 {
		t.Fatalf("second sweep deleted %d", n)
	}
}
