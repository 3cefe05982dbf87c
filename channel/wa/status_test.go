package wa

import (
	"testing"
	"time"
)

func TestStatusFixtures(t *testing.T) {
	tests := []struct {
		fixture string
		check   func(t *testing.T, s *Status)
	}{
		{"pywa/message_status.json/failed", func(t *testing.T, s *Status) {
			want := Error{
				Code:    130472,
				Title:   "User's number is part of an experiment",
				Message: "User's number is part of an experiment",
				Details: "Failed to send message because this user's phone number is part of an experiment",
				Href:    "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
			}
			if s.Status != "failed" || len(s.Errors) != 1 || s.Errors[0] != want {
				t.Errorf("Status, Errors = %q, %+v; want failed with [%+v]", s.Status, s.Errors, want)
			}
		}},
		{"whaloc/status-failed.json", func(t *testing.T, s *Status) {
			if len(s.Errors) != 1 || s.Errors[0].Code != 131049 || s.Errors[0].Details == "" ||
				s.Errors[0].Href != "/documentation/business-messaging/whatsapp/support/error-codes" {
				t.Errorf("Errors = %+v", s.Errors)
			}
			if want := time.Unix(1751142888, 0); !s.Timestamp.Equal(want) {
				t.Errorf("Timestamp = %v, want %v", s.Timestamp, want)
			}
		}},
		{"whaloc/status-sent.json", func(t *testing.T, s *Status) {
			want := Pricing{Billable: true, PricingModel: "PMP", Type: "regular", Category: "marketing"}
			if s.Pricing == nil || *s.Pricing != want || s.RecipientID != "16505551234" {
				t.Errorf("Pricing, RecipientID = %+v, %q", s.Pricing, s.RecipientID)
			}
		}},
		{"pywa/message_status.json/sent", func(t *testing.T, s *Status) {
			if s.RecipientUserID != "US.13491208655302741918" {
				t.Errorf("RecipientUserID = %q, want the contact's user_id", s.RecipientUserID)
			}
		}},
		{"pywa/message_status.json/played", func(t *testing.T, s *Status) {
			if StatusRank(s.Status) != 4 {
				t.Errorf("Status %q ranks %d", s.Status, StatusRank(s.Status))
			}
		}},
		{"pywa/message_status.json/with_tracker", func(t *testing.T, s *Status) {
			if s.BizOpaqueCallbackData != "some data" {
				t.Errorf("BizOpaqueCallbackData = %q", s.BizOpaqueCallbackData)
			}
		}},
		{"pywa/message_status.json/group", func(t *testing.T, s *Status) {
			if s.RecipientType != "group" || s.Status != "read" {
				t.Errorf("RecipientType, Status = %q, %q", s.RecipientType, s.Status)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			ev := onlyEvent(t, fixtureBody(t, tt.fixture))
			if ev.Kind != KindStatus || ev.Status == nil {
				t.Fatalf("Kind = %q, Status = %v", ev.Kind, ev.Status)
			}
			tt.check(t, ev.Status)
		})
	}
}

func TestStatusRank(t *testing.T) {
	tests := []struct {
		status string
		want   int
	}{
		{"sent", 1}, {"delivered", 2}, {"read", 3}, {"played", 4}, {"failed", RankFailed},
		{"READ", 3}, {"deleted", 0}, {"", 0}, {"RINGING", 0},
	}
	for _, tt := range tests {
		if got := StatusRank(tt.status); got != tt.want {
			t.Errorf("StatusRank(%q) = %d, want %d", tt.status, got, tt.want)
		}
	}
	if !(StatusRank("sent") < StatusRank("delivered") && StatusRank("delivered") < StatusRank("read") &&
		StatusRank("read") < StatusRank("played") && StatusRank("played") < StatusRank("failed")) {
		t.Error("ranks are not ordered sent < delivered < read < played < failed")
	}
}

func TestAccountLevelFixtures(t *testing.T) {
	tests := []struct {
		fixture string
		kind    Kind
		check   func(t *testing.T, ev Event)
	}{
		{"whaloc/template-approved.json", KindTemplateStatus, func(t *testing.T, ev Event) {
			want := TemplateUpdate{ID: "1689556908129832", Name: "order_confirmation", Language: "en-US", Event: "APPROVED", Reason: "NONE", Category: "UTILITY"}
			if *ev.Template != want {
				t.Errorf("Template = %+v, want %+v", *ev.Template, want)
			}
			if want := time.Unix(1751247548, 0); !ev.Time.Equal(want) || ev.WABAID != "102290129340398" {
				t.Errorf("Time, WABAID = %v, %q", ev.Time, ev.WABAID)
			}
		}},
		{"pywa/template_status_update.json/rejected", KindTemplateStatus, func(t *testing.T, ev Event) {
			if ev.Template.Event != "REJECTED" || ev.Template.Reason != "INVALID_FORMAT" {
				t.Errorf("Template = %+v", ev.Template)
			}
		}},
		{"whaloc/template-quality.json", KindTemplateQuality, func(t *testing.T, ev Event) {
			if ev.Template.PreviousQuality != "GREEN" || ev.Template.NewQuality != "YELLOW" || ev.Template.ID != "806312974732579" {
				t.Errorf("Template = %+v", ev.Template)
			}
		}},
		{"pywa/template_category_update.json/marketing", KindTemplateCategory, func(t *testing.T, ev Event) {
			if ev.Template.NewCategory != "MARKETING" || ev.Template.ID != "12345678" {
				t.Errorf("Template = %+v", ev.Template)
			}
		}},
		{"pywa/template_components_update.json/element", KindTemplateComponents, func(t *testing.T, ev Event) {
			if ev.Template.Name != "my_message_template" || ev.Template.Language != "he" {
				t.Errorf("Template = %+v", ev.Template)
			}
		}},
		{"whaloc/phone-number-quality.json", KindPhoneQuality, func(t *testing.T, ev Event) {
			want := PhoneQualityUpdate{DisplayPhoneNumber: "15550783881", Event: "THROUGHPUT_UPGRADE", CurrentLimit: "TIER_UNLIMITED"}
			if *ev.PhoneQuality != want || ev.DisplayPhoneNumber != "15550783881" {
				t.Errorf("PhoneQuality = %+v, want %+v", *ev.PhoneQuality, want)
			}
		}},
		{"whaloc/account-update.json", KindAccountUpdate, func(t *testing.T, ev Event) {
			if *ev.Account != (AccountUpdate{Event: "VERIFIED_ACCOUNT", PhoneNumber: "15550783881"}) {
				t.Errorf("Account = %+v", *ev.Account)
			}
		}},
		{"pywa/account_update.json/account_restriction", KindAccountUpdate, func(t *testing.T, ev Event) {
			if ev.Account.Event != "ACCOUNT_RESTRICTION" {
				t.Errorf("Account = %+v", *ev.Account)
			}
		}},
		{"whaloc/business-capability-update.json", KindOther, func(t *testing.T, ev Event) {
			if ev.Field != "business_capability_update" {
				t.Errorf("Field = %q", ev.Field)
			}
		}},
		{"pywa/call_status.json/call_status", KindOther, func(t *testing.T, ev Event) {
			if ev.Field != "calls" || ev.Status != nil {
				t.Errorf("Field, Status = %q, %+v; a call status is not a message status", ev.Field, ev.Status)
			}
		}},
		{"pywa/call_terminate.json/call_terminate", KindOther, func(t *testing.T, ev Event) {
			if len(ev.Errors) != 1 || ev.Errors[0].Code != 12455 || ev.Errors[0].Details != "ERROR_DETAILS" {
				t.Errorf("Errors = %+v", ev.Errors)
			}
		}},
		{"pywa/user_marketing_preferences.json/signup", KindUserPreference, func(t *testing.T, ev Event) {
			p := ev.Preference
			if ev.Field != "user_preferences" || ev.PhoneNumberID == "" || p.Category != "marketing_messages" || p.Value != "signup" ||
				p.CustomerKey() != "16505551234" || p.Timestamp.Unix() != 1731705721 {
				t.Errorf("Field, PhoneNumberID, Preference = %q, %q, %+v", ev.Field, ev.PhoneNumberID, p)
			}
		}},
		{"pywa/user_marketing_preferences.json/resume", KindUserPreference, func(t *testing.T, ev Event) {
			if p := ev.Preference; p.Value != "resume" || p.Detail != "User requested to resume marketing messages" {
				t.Errorf("Preference = %+v", p)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			ev := onlyEvent(t, fixtureBody(t, tt.fixture))
			if ev.Kind != tt.kind {
				t.Fatalf("Kind = %q, want %q", ev.Kind, tt.kind)
			}
			if len(ev.Raw) == 0 {
				t.Error("Raw is empty")
			}
			tt.check(t, ev)
		})
	}
}
