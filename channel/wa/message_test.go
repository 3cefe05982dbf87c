package wa

import (
	"strings"
	"testing"
	"time"
)

// onlyEvent parses body and returns its single event.
func onlyEvent(t *testing.T, body []byte) Event {
	t.Helper()
	events, err := Parse(body)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(events) != 1 {
		t.Fatalf("got %d events, want 1: %+v", len(events), events)
	}
	return events[0]
}

// onlyMessage parses body and returns its single message.
func onlyMessage(t *testing.T, body []byte) *Message {
	t.Helper()
	ev := onlyEvent(t, body)
	if ev.Kind != KindMessage && ev.Kind != KindMessageEcho {
		t.Fatalf("kind = %q, want a message", ev.Kind)
	}
	return ev.Message
}

func TestMessageFixtures(t *testing.T) {
	tests := []struct {
		fixture string
		summary string
		check   func(t *testing.T, m *Message)
	}{
		{"pywa/message.json/text", "Body Text", func(t *testing.T, m *Message) {
			if m.Text != "Body Text" || m.ProfileName != "Test Name" || m.FromUserID != "US.13491208655302741918" {
				t.Errorf("Text, ProfileName, FromUserID = %q, %q, %q", m.Text, m.ProfileName, m.FromUserID)
			}
			if want := time.Unix(1697043223, 0); !m.Timestamp.Equal(want) {
				t.Errorf("Timestamp = %v, want %v", m.Timestamp, want)
			}
		}},
		{"pywa/message.json/reaction", "[reaction 😮 to wamid.yzxyzx=]", func(t *testing.T, m *Message) {
			if r := m.Reaction; r == nil || r.Removed || r.Emoji != "😮" || r.MessageID != "wamid.yzxyzx=" {
				t.Errorf("Reaction = %+v", r)
			}
		}},
		{"pywa/message.json/unreaction_empty", "[reaction removed]", func(t *testing.T, m *Message) {
			if r := m.Reaction; r == nil || !r.Removed || r.MessageID != "wamid.yzxyzx=" {
				t.Errorf("Reaction = %+v, want removed", r)
			}
		}},
		{"pywa/message.json/unreaction_no_emoji", "[reaction removed]", func(t *testing.T, m *Message) {
			if r := m.Reaction; r == nil || !r.Removed {
				t.Errorf("Reaction = %+v, want removed", r)
			}
		}},
		{"pywa/message.json/voice", "[voice]", func(t *testing.T, m *Message) {
			if md := m.Media; md == nil || !md.Voice || md.MimeType != "audio/ogg; codecs=opus" || md.ID != "1234567890987654321" {
				t.Errorf("Media = %+v, want a voice note", md)
			}
		}},
		{"pywa/message.json/audio", "[forwarded] [audio]", func(t *testing.T, m *Message) {
			if md := m.Media; md == nil || md.Voice {
				t.Errorf("Media = %+v, want audio that is not a voice note", md)
			}
		}},
		{"pywa/message.json/image", "[image]", func(t *testing.T, m *Message) {
			if md := m.Media; md == nil || md.ID != "65463453" || md.SHA256 != "4654+8g=" || md.MimeType != "image/jpeg" {
				t.Errorf("Media = %+v", md)
			}
		}},
		{"pywa/message.json/media_with_url", "[image]", func(t *testing.T, m *Message) {
			if md := m.Media; md == nil || !strings.HasPrefix(md.URL, "https://lookaside.fbsbx.com/") {
				t.Errorf("Media = %+v, want a URL", md)
			}
		}},
		{"pywa/message.json/video", "[forwarded] [video] caption", nil},
		{"pywa/message.json/document", "[forwarded] [document filename.pdf] caption", func(t *testing.T, m *Message) {
			if m.Media == nil || m.Media.Filename != "filename.pdf" {
				t.Errorf("Media = %+v", m.Media)
			}
		}},
		{"pywa/message.json/static_sticker", "[sticker]", nil},
		{"pywa/message.json/animated_sticker", "[animated sticker]", func(t *testing.T, m *Message) {
			if m.Media == nil || !m.Media.Animated {
				t.Errorf("Media = %+v, want animated", m.Media)
			}
		}},
		{"pywa/message.json/current_location", "[forwarded] [location] 12.25089,43.90539", nil},
		{"pywa/message.json/chosen_location", "[forwarded] [location] Facebook HQ (1 Hacker Way, Menlo Park, CA 94025) 37.4611978,-122.2164385", func(t *testing.T, m *Message) {
			if l := m.Location; l == nil || l.URL == "" || l.Latitude != 37.4611978 {
				t.Errorf("Location = %+v", l)
			}
		}},
		{"pywa/message.json/contacts", "[contacts] Chandler Bing +1 555-555-5555, Monica +1 666-666-6666, Rachel Green +1 777-777-7777", func(t *testing.T, m *Message) {
			if len(m.Contacts) != 3 || m.Contacts[0].Name.LastName != "Bing" || m.Contacts[1].Phones[0].Type != "HOME" {
				t.Errorf("Contacts = %+v", m.Contacts)
			}
			if m.ProfileName != "Test Name" {
				t.Errorf("ProfileName = %q: shared cards must not be confused with the sender", m.ProfileName)
			}
		}},
		{"pywa/message.json/order", "[order from catalog 354160437058781] 3 × HAMBURGER at 30 ILS, 2 × FRENCH_FRIES at 35 ILS, 2 × SODA at 10 ILS; total 180.00 ILS", func(t *testing.T, m *Message) {
			o := m.Order
			if o == nil || o.CatalogID != "354160437058781" || len(o.Items) != 3 || o.Items[1] != (OrderItem{"FRENCH_FRIES", 2, 35, "ILS"}) {
				t.Errorf("Order = %+v", o)
			}
		}},
		{"pywa/message.json/unsupported", "[unsupported: unknown] [WhatsApp error 131051 (Message type unknown): Message type is currently not supported.]", func(t *testing.T, m *Message) {
			want := Error{Code: 131051, Title: "Message type unknown", Message: "Message type unknown", Details: "Message type is currently not supported."}
			if len(m.Errors) != 1 || m.Errors[0] != want {
				t.Errorf("Errors = %+v, want [%+v]", m.Errors, want)
			}
		}},
		{"pywa/message.json/unsupported_with_type", "[unsupported: pool] [WhatsApp error 131051 (Message type unknown): Message type is currently not supported.]", nil},
		{"whaloc/unsupported-message.json", "[unsupported: poll_update] [WhatsApp error 131051 (Message type unknown): Message type is currently not supported.]", func(t *testing.T, m *Message) {
			if m.Unsupported == nil || m.Unsupported.Type != "poll_update" || len(m.Errors) != 1 {
				t.Errorf("Unsupported, Errors = %+v, %+v", m.Unsupported, m.Errors)
			}
		}},
		{"pywa/message.json/reply", "replied text", func(t *testing.T, m *Message) {
			if c := m.Context; c == nil || c.ID != "wamid.xyzxyz==" || c.From != "972123456789" || c.Forwarded {
				t.Errorf("Context = %+v, want a reply", c)
			}
		}},
		{"pywa/message.json/forwarded", "[forwarded] forwarded text", func(t *testing.T, m *Message) {
			if c := m.Context; c == nil || !c.Forwarded || c.FrequentlyForwarded || c.ID != "" {
				t.Errorf("Context = %+v, want forwarded", c)
			}
		}},
		{"pywa/message.json/forwarded_many_times", "[forwarded many times] text forwarded many times", func(t *testing.T, m *Message) {
			if c := m.Context; c == nil || !c.FrequentlyForwarded {
				t.Errorf("Context = %+v, want frequently forwarded", c)
			}
		}},
		{"pywa/message.json/referral", "BODY [via ad or post: AD_TITLE]", func(t *testing.T, m *Message) {
			want := Referral{SourceURL: "AD_OR_POST_FB_URL", SourceID: "ADID", SourceType: "ad or post", Headline: "AD_TITLE",
				Body: "AD_DESCRIPTION", MediaType: "image or video", ImageURL: "RAW_IMAGE_URL", VideoURL: "RAW_VIDEO_URL",
				ThumbnailURL: "RAW_THUMBNAIL_URL", CtwaClid: "CTWA_CLID"}
			if m.Referral == nil || *m.Referral != want {
				t.Errorf("Referral = %+v, want %+v", m.Referral, want)
			}
		}},
		{"whaloc/referral-message.json", "Is this still available? [via ad: Autumn sale, 30% off]", func(t *testing.T, m *Message) {
			if m.Referral == nil || m.Referral.CtwaClid != "ARAxYzc1YzExMS0yNTIyLTQ4ZmEtYmM3Ng" {
				t.Errorf("Referral = %+v", m.Referral)
			}
		}},
		{"whaloc/image-message.json", "[image] Is this the one?", func(t *testing.T, m *Message) {
			if md := m.Media; md == nil || md.ID != "1234567890" || md.Caption != "Is this the one?" || md.URL == "" {
				t.Errorf("Media = %+v", md)
			}
			if m.ProfileName != "Sheena Nelson" || m.CustomerKey() != "16505551234" {
				t.Errorf("ProfileName, CustomerKey = %q, %q", m.ProfileName, m.CustomerKey())
			}
		}},
		{"pywa/callback_button.json/button", "[button] title", func(t *testing.T, m *Message) {
			if in := m.Interactive; in == nil || in.Type != "button_reply" || in.ID != "callback_data" || in.Title != "title" {
				t.Errorf("Interactive = %+v", in)
			}
		}},
		{"pywa/callback_selection.json/description", "[list] title (description)", func(t *testing.T, m *Message) {
			if in := m.Interactive; in == nil || in.Type != "list_reply" || in.ID != "callback_data" || in.Description != "description" {
				t.Errorf("Interactive = %+v", in)
			}
		}},
		{"pywa/flow_completion.json/completion", "[form flow] Sent\ncomment_text: Comment Text\ndelivery_rating: 4\npurchase_rating: 2\nrecommend_radio: 0\ncs_rating: 0", func(t *testing.T, m *Message) {
			if in := m.Interactive; in == nil || in.Type != "nfm_reply" || !strings.Contains(in.ResponseJSON, `"flow_token"`) {
				t.Errorf("Interactive = %+v", in)
			}
		}},
		{"pywa/call_permission_update.json/reject", "[call permission: reject]", nil},
		{"pywa/callback_button.json/quick_reply", "[button] title", func(t *testing.T, m *Message) {
			if b := m.Button; b == nil || b.Payload != "callback_data" || b.Text != "title" {
				t.Errorf("Button = %+v", b)
			}
		}},
		{"pywa/system.json/phone_number_change", "[system] User A changed from 972987654321 to 972912345678", func(t *testing.T, m *Message) {
			if s := m.System; s == nil || s.Type != "user_changed_number" || s.NewWAID != "972912345678" {
				t.Errorf("System = %+v", s)
			}
			if m.ProfileName != "" || m.CustomerKey() != "972987654321" {
				t.Errorf("ProfileName, CustomerKey = %q, %q", m.ProfileName, m.CustomerKey())
			}
		}},
		{"pywa/system.json/identity_change", "[system] User identity changed", func(t *testing.T, m *Message) {
			if s := m.System; s == nil || s.Type != "customer_identity_changed" {
				t.Errorf("System = %+v", s)
			}
		}},
		{"whaloc/system-user-changed-number.json", "[system] User Sheena Nelson changed from 16505551234 to 12195555358", func(t *testing.T, m *Message) {
			if s := m.System; s == nil || s.NewWAID != "12195555358" {
				t.Errorf("System = %+v", s)
			}
		}},
		{"pywa/edited_message.json/image", "[edited] [image] Updated image caption", func(t *testing.T, m *Message) {
			e := m.Edit
			if e == nil || e.OriginalMessageID != "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=" || e.Message == nil {
				t.Fatalf("Edit = %+v", e)
			}
			if e.Message.Type != "image" || e.Message.Media == nil || e.Message.Media.Caption != "Updated image caption" {
				t.Errorf("Edit.Message = %+v", e.Message)
			}
		}},
		{"pywa/deleted_message.json/revoke", "[deleted message <ORIGINAL_WHATSAPP_MESSAGE_ID>]", func(t *testing.T, m *Message) {
			if r := m.Revoke; r == nil || r.OriginalMessageID != "<ORIGINAL_WHATSAPP_MESSAGE_ID>" {
				t.Errorf("Revoke = %+v", r)
			}
		}},
		{"pywa/outgoing_message.json/text", "Test message", func(t *testing.T, m *Message) {
			if !m.Echo || m.CustomerKey() != "<WHATSAPP_USER_PHONE_NUMBER>" || m.ToUserID != "<BSUID>" || m.ProfileName != "Test Name" {
				t.Errorf("Echo, CustomerKey, ToUserID, ProfileName = %v, %q, %q, %q", m.Echo, m.CustomerKey(), m.ToUserID, m.ProfileName)
			}
		}},
		{"pywa/outgoing_message.json/edit", "[edited] Text was edited", nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			m := onlyMessage(t, fixtureBody(t, tt.fixture))
			if got := m.Summary(); got != tt.summary {
				t.Errorf("Summary() = %q, want %q", got, tt.summary)
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

// Value-level errors beside a message stay on its event and come out on
// their own too, for the admin.
func TestValueErrorsOnMessageEvent(t *testing.T) {
	events, err := Parse(fixtureBody(t, "pywa/message.json/interactive_message_with_err"))
	if err != nil || len(events) != 2 {
		t.Fatalf("Parse = %d events, %v; want a message and an error", len(events), err)
	}
	ev := &events[0]
	want := Error{Code: 131000, Title: "Something went wrong", Message: "Something went wrong", Details: "Unsupported webhook payload"}
	if ev.Kind != KindMessage || len(ev.Errors) != 1 || ev.Errors[0] != want {
		t.Errorf("Kind, Errors = %q, %+v; want message with [%+v]", ev.Kind, ev.Errors, want)
	}
	if e := events[1]; e.Kind != KindError || len(e.Errors) != 1 || e.Errors[0] != want ||
		e.Notice() != "Meta reported error 131000 (Something went wrong): Unsupported webhook payload" {
		t.Errorf("second event = %q %+v %q", e.Kind, e.Errors, e.Notice())
	}
	if got := ev.Message.Summary(); got != "[interactive] [WhatsApp error 131000 (Something went wrong): Unsupported webhook payload]" {
		t.Errorf("Summary() = %q, want the errors it came with", got)
	}
	if ev.Message.Interactive != nil || ev.Message.Context == nil {
		t.Errorf("Interactive, Context = %+v, %+v", ev.Message.Interactive, ev.Message.Context)
	}
}
