package wa

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// expectation is what an event must be, worked out from the fixture with a
// generic decode independent of Parse.
type expectation struct {
	kind   Kind
	id     string // message or status id
	typ    string // message type
	key    string // customer key
	raw    any    // the decoded JSON the event's Raw must hold
	waba   string
	phone  string // metadata.phone_number_id
	source string // where in the body, for failure messages
}

var fieldKinds = map[string]Kind{
	"message_template_status_update":     KindTemplateStatus,
	"message_template_quality_update":    KindTemplateQuality,
	"template_category_update":           KindTemplateCategory,
	"message_template_components_update": KindTemplateComponents,
	"phone_number_quality_update":        KindPhoneQuality,
	"account_update":                     KindAccountUpdate,
}

func expectations(t *testing.T, body []byte) []expectation {
	t.Helper()
	var env struct {
		Entry []struct {
			ID      string `json:"id"`
			Changes []struct {
				Field string         `json:"field"`
				Value map[string]any `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("generic decode: %v", err)
	}
	var out []expectation
	for _, entry := range env.Entry {
		for _, ch := range entry.Changes {
			v := ch.Value
			phone := ""
			if md, ok := v["metadata"].(map[string]any); ok {
				phone, _ = md["phone_number_id"].(string)
			}
			base := expectation{waba: entry.ID, phone: phone, source: ch.Field}
			if prefs := list(v["user_preferences"]); ch.Field == "user_preferences" && len(prefs) > 0 {
				for range prefs {
					e := base
					e.kind, e.raw = KindUserPreference, v
					out = append(out, e)
				}
				continue
			}
			if k, ok := fieldKinds[ch.Field]; ok {
				e := base
				e.kind, e.raw = k, v
				out = append(out, e)
				continue
			}
			n := len(out)
			contacts, _ := v["contacts"].([]any)
			for _, m := range list(v["messages"]) {
				out = append(out, messageExpectation(base, KindMessage, m, contacts))
			}
			for _, m := range list(v["message_echoes"]) {
				out = append(out, messageExpectation(base, KindMessageEcho, m, contacts))
			}
			if ch.Field == "messages" {
				for _, s := range list(v["statuses"]) {
					e := base
					e.kind, e.raw, e.id = KindStatus, s, str(s, "id")
					out = append(out, e)
				}
			}
			if len(out) > n && len(list(v["errors"])) > 0 {
				e := base
				e.kind, e.raw = KindError, v
				out = append(out, e)
			}
			if len(out) == n {
				e := base
				e.kind, e.raw = KindOther, v
				if ch.Field == "messages" && len(list(v["errors"])) > 0 {
					e.kind = KindError
				}
				out = append(out, e)
			}
		}
	}
	return out
}

func messageExpectation(base expectation, kind Kind, m map[string]any, contacts []any) expectation {
	e := base
	e.kind, e.raw, e.id, e.typ = kind, m, str(m, "id"), str(m, "type")
	phoneKey, userKey := "from", "from_user_id"
	if kind == KindMessageEcho {
		phoneKey, userKey = "to", "to_user_id"
	}
	e.key = str(m, phoneKey)
	if g := str(m, "group_id"); g != "" {
		e.key = g // a group is the conversation
	}
	if e.key == "" {
		e.key = str(m, userKey)
	}
	if e.key == "" && len(contacts) == 1 {
		c, _ := contacts[0].(map[string]any)
		e.key = str(c, "wa_id")
		if e.key == "" {
			e.key = str(c, "user_id")
		}
	}
	return e
}

func list(v any) []map[string]any {
	items, _ := v.([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// TestParseFixtures parses every webhook body of every fixture and checks
// that each message, echo, status and account-level change comes out as
// exactly one event of the right kind, with nothing lost.
func TestParseFixtures(t *testing.T) {
	fixtures := loadFixtures(t)
	if len(fixtures) < 88 {
		t.Fatalf("found %d fixture bodies, want at least 88 (is testdata/whatsapp complete?)", len(fixtures))
	}
	kinds := map[Kind]int{}
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			events, err := Parse(f.body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := expectations(t, f.body)
			if len(events) != len(want) {
				t.Fatalf("got %d events, want %d: %+v", len(events), len(want), events)
			}
			for i, w := range want {
				checkEvent(t, events[i], w)
				kinds[events[i].Kind]++
			}
		})
	}
	// Every kind the fixtures can produce must have been produced.
	for _, k := range []Kind{KindMessage, KindMessageEcho, KindStatus, KindTemplateStatus, KindTemplateQuality,
		KindTemplateCategory, KindTemplateComponents, KindPhoneQuality, KindAccountUpdate, KindUserPreference, KindOther} {
		if kinds[k] == 0 {
			t.Errorf("no fixture produced an event of kind %q", k)
		}
	}
}

func checkEvent(t *testing.T, ev Event, w expectation) {
	t.Helper()
	if ev.Kind != w.kind {
		t.Fatalf("%s: kind = %q, want %q", w.source, ev.Kind, w.kind)
	}
	if ev.WABAID != w.waba || ev.PhoneNumberID != w.phone {
		t.Errorf("WABAID, PhoneNumberID = %q, %q; want %q, %q", ev.WABAID, ev.PhoneNumberID, w.waba, w.phone)
	}
	var raw any
	if err := json.Unmarshal(ev.Raw, &raw); err != nil || !reflect.DeepEqual(raw, w.raw) {
		t.Errorf("Raw does not hold the source object (err %v):\n got %s", err, ev.Raw)
	}
	switch ev.Kind {
	case KindMessage, KindMessageEcho:
		m := ev.Message
		if m == nil {
			t.Fatal("Message is nil")
		}
		if m.ID != w.id || m.Type != w.typ {
			t.Errorf("ID, Type = %q, %q; want %q, %q", m.ID, m.Type, w.id, w.typ)
		}
		if got := m.CustomerKey(); got != w.key {
			t.Errorf("CustomerKey() = %q, want %q", got, w.key)
		}
		if m.Echo != (ev.Kind == KindMessageEcho) {
			t.Errorf("Echo = %v for kind %q", m.Echo, ev.Kind)
		}
		s := m.Summary()
		if first, _, _ := strings.Cut(s, "\n"); first == "" || strings.Contains(s, "\r") ||
			(strings.Contains(s, "\n") && (m.Interactive == nil || m.Interactive.Type != "nfm_reply")) {
			t.Errorf("Summary() = %q, want one non-empty line (then a Flow answer's fields)", s)
		}
		if m.Timestamp.IsZero() {
			t.Error("Timestamp is zero")
		}
	case KindStatus:
		if ev.Status == nil || ev.Status.ID != w.id || ev.Status.Status == "" || ev.Status.Timestamp.IsZero() {
			t.Errorf("Status = %+v, want id %q with status and timestamp", ev.Status, w.id)
		}
	case KindTemplateStatus, KindTemplateQuality, KindTemplateCategory, KindTemplateComponents:
		if ev.Template == nil || ev.Template.ID == "" || ev.Template.Name == "" {
			t.Errorf("Template = %+v, want id and name", ev.Template)
		}
		if ev.Time.IsZero() {
			t.Error("Time is zero")
		}
	case KindPhoneQuality:
		if ev.PhoneQuality == nil || ev.PhoneQuality.Event == "" {
			t.Errorf("PhoneQuality = %+v", ev.PhoneQuality)
		}
	case KindAccountUpdate:
		if ev.Account == nil || ev.Account.Event == "" {
			t.Errorf("Account = %+v", ev.Account)
		}
	}
}
