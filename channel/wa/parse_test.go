package wa

import (
	"errors"
	"strings"
	"testing"
)

// messagesBody wraps a messages change value in an envelope.
func messagesBody(value string) []byte {
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"WABA1","changes":[{"field":"messages","value":` + value + `}]}]}`)
}

const metadata = `"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"PNID1"}`

func TestParseBSUIDOnlyCustomer(t *testing.T) {
	tests := []struct {
		name  string
		value string
	}{
		{"from_user_id on the message", `{` + metadata + `,
			"contacts":[{"profile":{"name":"Maria","username":"@maria.lopez"},"user_id":"BR.1502576394655843"}],
			"messages":[{"from_user_id":"BR.1502576394655843","id":"wamid.U1","timestamp":"1775000000","type":"text","text":{"body":"oi"}}]}`},
		{"user_id only in contacts", `{` + metadata + `,
			"contacts":[{"profile":{"name":"Maria","username":"@maria.lopez"},"user_id":"BR.1502576394655843"}],
			"messages":[{"id":"wamid.U1","timestamp":"1775000000","type":"text","text":{"body":"oi"}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := onlyMessage(t, messagesBody(tt.value))
			if m.From != "" || m.CustomerKey() != "BR.1502576394655843" {
				t.Errorf("From, CustomerKey = %q, %q; want empty and the BSUID", m.From, m.CustomerKey())
			}
			if m.ProfileName != "Maria" || m.Username != "@maria.lopez" || m.FromUserID != "BR.1502576394655843" {
				t.Errorf("ProfileName, Username, FromUserID = %q, %q, %q", m.ProfileName, m.Username, m.FromUserID)
			}
		})
	}
}

func TestParseMatchesContactsToSenders(t *testing.T) {
	body := messagesBody(`{` + metadata + `,
		"contacts":[{"profile":{"name":"Ann"},"wa_id":"111","user_id":"US.A"},{"profile":{"name":"Bob"},"user_id":"US.B"}],
		"messages":[
			{"from_user_id":"US.B","id":"wamid.B","timestamp":"1","type":"text","text":{"body":"from bob"}},
			{"from":"111","id":"wamid.A","timestamp":"2","type":"text","text":{"body":"from ann"}}]}`)
	events, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Fatalf("got %d events, want 2", len(events))
	}
	b, a := events[0].Message, events[1].Message
	if b.ProfileName != "Bob" || b.CustomerKey() != "US.B" {
		t.Errorf("first message: ProfileName %q, CustomerKey %q", b.ProfileName, b.CustomerKey())
	}
	if a.ProfileName != "Ann" || a.CustomerKey() != "111" || a.FromUserID != "US.A" {
		t.Errorf("second message: ProfileName %q, CustomerKey %q, FromUserID %q", a.ProfileName, a.CustomerKey(), a.FromUserID)
	}
	for _, ev := range events {
		if ev.PhoneNumberID != "PNID1" || ev.DisplayPhoneNumber != "15550001111" || ev.WABAID != "WABA1" {
			t.Errorf("event metadata = %q, %q, %q", ev.PhoneNumberID, ev.DisplayPhoneNumber, ev.WABAID)
		}
	}
}

func TestParseSyntheticMessages(t *testing.T) {
	tests := []struct {
		name    string
		message string
		summary string
		check   func(t *testing.T, m *Message)
	}{
		{"request welcome", `{"from":"1","id":"wamid.W","timestamp":"1","type":"request_welcome"}`, "[welcome request]", nil},
		{"unknown type", `{"from":"1","id":"wamid.P","timestamp":"1","type":"poll","poll":{"question":"?"}}`, "[poll]", func(t *testing.T, m *Message) {
			if !strings.Contains(string(m.Raw), `"question"`) {
				t.Errorf("Raw = %s, want the poll kept", m.Raw)
			}
		}},
		{"product enquiry", `{"from":"1","id":"wamid.E","timestamp":"1","type":"text","text":{"body":"price?"},
			"context":{"from":"15550001111","id":"wamid.CAT","referred_product":{"catalog_id":"CAT1","product_retailer_id":"SKU9"}}}`,
			"price? [about product SKU9]", func(t *testing.T, m *Message) {
				if p := m.Context.ReferredProduct; p == nil || *p != (ReferredProduct{"CAT1", "SKU9"}) {
					t.Errorf("ReferredProduct = %+v", p)
				}
			}},
		{"multi-line text", `{"from":"1","id":"wamid.M","timestamp":"1","type":"text","text":{"body":"line 1\nline 2\r\nline 3"}}`,
			"line 1 line 2 line 3", func(t *testing.T, m *Message) {
				if m.Text != "line 1\nline 2\r\nline 3" {
					t.Errorf("Text = %q, want the original", m.Text)
				}
			}},
		{"fields of unexpected types", `{"from":"1","id":"wamid.T","timestamp":"soon","type":"text","text":{"body":5},"context":"x","errors":{"code":"no"}}`,
			"[text]", func(t *testing.T, m *Message) {
				if !m.Timestamp.IsZero() || m.Context != nil {
					t.Errorf("Timestamp, Context = %v, %+v; want zero values", m.Timestamp, m.Context)
				}
			}},
		{"numeric timestamp", `{"from":"1","id":"wamid.N","timestamp":1700000000,"type":"image","image":{"id":"M1","caption":"a\nb"}}`,
			"[image] a b", func(t *testing.T, m *Message) {
				if m.Timestamp.Unix() != 1700000000 {
					t.Errorf("Timestamp = %v", m.Timestamp)
				}
			}},
		{"interactive of unknown type", `{"from":"1","id":"wamid.I","timestamp":"1","type":"interactive","interactive":{"type":"carousel_reply","carousel_reply":{}}}`,
			"[interactive carousel_reply]", nil},
		{"no type at all", `{"from":"1","id":"wamid.X","timestamp":"1"}`, "[message]", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := onlyMessage(t, messagesBody(`{`+metadata+`,"messages":[`+tt.message+`]}`))
			if got := m.Summary(); got != tt.summary {
				t.Errorf("Summary() = %q, want %q", got, tt.summary)
			}
			if m.CustomerKey() != "1" {
				t.Errorf("CustomerKey() = %q, want 1", m.CustomerKey())
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

func TestParseKeepsUnknownChanges(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []Kind
	}{
		{"value-level errors only", string(messagesBody(`{` + metadata + `,"errors":[{"code":131000,"title":"Something went wrong"}]}`)), []Kind{KindError}},
		{"unknown field", `{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"brand_new","value":{"x":1}}]}]}`, []Kind{KindOther}},
		{"value not an object", `{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":"text"}]}]}`, []Kind{KindOther}},
		{"change without value", `{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages"}]}]}`, []Kind{KindOther}},
		{"messages of unexpected type", string(messagesBody(`{"messages":{"id":"x"}}`)), []Kind{KindOther}},
		{"several entries and changes in order", `{"object":"whatsapp_business_account","entry":[
			{"id":"W1","changes":[
				{"field":"messages","value":{"messages":[{"id":"a","type":"text"},{"id":"b","type":"text"}],"statuses":[{"id":"c","status":"read"}]}},
				{"field":"account_update","value":{"event":"ACCOUNT_DELETED"}}]},
			{"id":"W2","time":1,"changes":[{"field":"message_template_quality_update","value":{"new_quality_score":"RED"}}]}]}`,
			[]Kind{KindMessage, KindMessage, KindStatus, KindAccountUpdate, KindTemplateQuality}},
		{"empty entry", `{"object":"whatsapp_business_account","entry":[]}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := Parse([]byte(tt.body))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var got []Kind
			for _, ev := range events {
				got = append(got, ev.Kind)
				if ev.Kind != KindError && ev.Kind != KindOther {
					continue
				}
				if len(tt.want) == 1 && tt.want[0] == KindError && (len(ev.Errors) != 1 || ev.Errors[0].Code != 131000) {
					t.Errorf("Errors = %+v", ev.Errors)
				}
			}
			if strings.Join(kindStrings(got), ",") != strings.Join(kindStrings(tt.want), ",") {
				t.Errorf("kinds = %v, want %v", got, tt.want)
			}
		})
	}
}

func kindStrings(ks []Kind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

func TestParseRejectsNonEnvelopes(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		sentinel bool // ErrNotEnvelope rather than a decoding error
	}{
		{"empty", ``, false},
		{"not JSON", `hello`, false},
		{"truncated", `{"object":"whatsapp_business_account","entry":[`, false},
		{"array", `[]`, false},
		{"string", `"x"`, false},
		{"null", `null`, true},
		{"empty object", `{}`, true},
		{"entry null", `{"object":"whatsapp_business_account","entry":null}`, true},
		{"entry not an array", `{"object":"whatsapp_business_account","entry":"x"}`, false},
		{"changes not an array", `{"entry":[{"id":"W","changes":{}}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := Parse([]byte(tt.body))
			if err == nil {
				t.Fatalf("Parse succeeded with %d events, want an error", len(events))
			}
			if events != nil {
				t.Errorf("events = %v, want nil on error", events)
			}
			if got := errors.Is(err, ErrNotEnvelope); got != tt.sentinel {
				t.Errorf("errors.Is(%v, ErrNotEnvelope) = %v, want %v", err, got, tt.sentinel)
			}
		})
	}
}
