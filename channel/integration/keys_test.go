package integration

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/store"
)

func TestKeyValidation(t *testing.T) {
	e := newEnv(t, Options{})
	tests := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"no name", map[string]any{"channels": []string{"chan-a"}}, "name"},
		{"no channels", map[string]any{"name": "crm"}, "channels"},
		{"unknown channel", map[string]any{"name": "crm", "channels": []string{"nope"}}, "channels"},
		{"ftp webhook", map[string]any{"name": "crm", "channels": []string{"chan-a"}, "webhook_url": "ftp://x/y"}, "webhook_url"},
		{"webhook with credentials", map[string]any{"name": "crm", "channels": []string{"chan-a"}, "webhook_url": "https://u:p@x/y"}, "webhook_url"},
		{"unknown event", map[string]any{"name": "crm", "channels": []string{"chan-a"}, "webhook_url": "https://x/y", "events": []string{"message.deleted"}}, "events"},
		{"events without webhook", map[string]any{"name": "crm", "channels": []string{"chan-a"}, "events": []string{EventInbound}}, "events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out struct{ Error struct{ Code, Field string } }
			if code, raw := e.do(adminToken, "POST", "/api/v1/keys", tt.body, &out); code != 422 || out.Error.Field != tt.field {
				t.Fatalf("= %d %s; want 422 on %s", code, raw, tt.field)
			}
		})
	}
}

func TestKeyLifecycleAndScope(t *testing.T) {
	e := newEnv(t, Options{})
	k := e.createKey(map[string]any{"name": "crm", "channels": []string{"chan-a"}, "webhook_url": "https://crm.example/hooks"})
	if !strings.HasPrefix(k.Key, KeyPrefix+k.ID+"_") || len(k.Key) < 40 || !strings.HasPrefix(k.Secret, SecretPrefix) {
		t.Fatalf("created key = %+v", k)
	}
	var stored *store.APIKey
	e.update(func(tx *store.Tx) (err error) { stored, err = tx.APIKey(k.ID); return })
	if stored.Hash == k.Key || strings.Contains(stored.Hash, k.Key) || len(stored.Events) != len(Events) {
		t.Fatalf("stored key = %+v", stored)
	}

	// Listing and reading never show the secrets.
	for _, path := range []string{"/api/v1/keys", "/api/v1/keys/" + k.ID} {
		code, raw := e.do(adminToken, "GET", path, nil, nil)
		if code != 200 || strings.Contains(raw, k.Key) || strings.Contains(raw, k.Secret) || strings.Contains(raw, stored.Hash) || !strings.Contains(raw, "********") {
			t.Fatalf("GET %s = %d %s", path, code, raw)
		}
	}

	tests := []struct {
		name, token, method, path string
		body                      any
		want                      int
		code                      string
	}{
		{"admin route", k.Key, "GET", "/api/v1/channels", nil, 403, "forbidden"},
		{"keys route", k.Key, "GET", "/api/v1/keys", nil, 403, "forbidden"},
		{"create key", k.Key, "POST", "/api/v1/keys", map[string]any{"name": "x", "channels": []string{"chan-b"}}, 403, "forbidden"},
		{"other channel", k.Key, "POST", "/api/v1/messages", map[string]any{"channel_id": "chan-b", "to": "447700900001", "text": "hi"}, 403, "forbidden"},
		{"own channel, closed window", k.Key, "POST", "/api/v1/messages", map[string]any{"channel_id": "chan-a", "to": "447700900001", "text": "hi"}, 409, "window_closed"},
		{"wrong secret", k.Key[:len(k.Key)-2] + "xx", "GET", "/api/v1/messages/1", nil, 401, "unauthorized"},
		{"unknown id", KeyPrefix + "nosuchkey_abc", "GET", "/api/v1/messages/1", nil, 401, "unauthorized"},
		{"not a key", "garbage", "GET", "/api/v1/messages/1", nil, 401, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out struct{ Error struct{ Code string } }
			if code, raw := e.do(tt.token, tt.method, tt.path, tt.body, &out); code != tt.want || out.Error.Code != tt.code {
				t.Fatalf("= %d %s; want %d %s", code, raw, tt.want, tt.code)
			}
		})
	}

	// A message of channel B is not the key's to read; one of A is.
	var msgA, msgB store.Message
	e.update(func(tx *store.Tx) error {
		msgA = store.Message{ChannelID: "chan-a", CustomerKey: "447700900001", Direction: store.Inbound, Type: "text", Timestamp: time.Now()}
		msgB = store.Message{ChannelID: "chan-b", CustomerKey: "447700900001", Direction: store.Inbound, Type: "text", Timestamp: time.Now()}
		if _, err := tx.AddMessage(&msgA); err != nil {
			return err
		}
		_, err := tx.AddMessage(&msgB)
		return err
	})
	if code, raw := e.do(k.Key, "GET", "/api/v1/messages/"+itoa(msgA.ID), nil, nil); code != 200 {
		t.Fatalf("read own channel's message = %d %s", code, raw)
	}
	if code, raw := e.do(k.Key, "GET", "/api/v1/messages/"+itoa(msgB.ID), nil, nil); code != 403 {
		t.Fatalf("read other channel's message = %d %s", code, raw)
	}

	// Revocation takes effect on the next request.
	if code, raw := e.do(adminToken, "DELETE", "/api/v1/keys/"+k.ID, nil, nil); code != 204 {
		t.Fatalf("revoke = %d %s", code, raw)
	}
	if code, _ := e.do(k.Key, "GET", "/api/v1/messages/"+itoa(msgA.ID), nil, nil); code != 401 {
		t.Fatalf("revoked key = %d, want 401", code)
	}
	var list struct{ Keys []keyView }
	e.do(adminToken, "GET", "/api/v1/keys", nil, &list)
	if len(list.Keys) != 1 || !list.Keys[0].Revoked {
		t.Fatalf("keys after revoke = %+v", list)
	}
	if code, _ := e.do(adminToken, "DELETE", "/api/v1/keys/nope", nil, nil); code != 404 {
		t.Fatalf("revoke unknown = %d", code)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func FuzzKeyID(f *testing.F) {
	for _, s := range []string{"wk_abc_def", "wk__x", "wk_abc", "", "wk_a_b_c", "Bearer wk_x_y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := keyID(s)
		if ok && (id == "" || strings.Contains(id, "_") || !strings.HasPrefix(s, KeyPrefix+id+"_")) {
			t.Fatalf("keyID(%q) = %q", s, id)
		}
	})
}

func TestNewKeyParses(t *testing.T) {
	id, secret := newKey()
	got, ok := keyID(secret)
	if !ok || got != id {
		t.Fatalf("keyID(newKey()) = %q %v, want %q", got, ok, id)
	}
}
