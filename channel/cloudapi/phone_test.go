package cloudapi_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
)

func TestPhoneNumber(t *testing.T) {
	e := newEnv(t, graphemu.Options{}, func(n *graphemu.Number) { n.QualityRating = "YELLOW" })
	info, err := e.client.PhoneNumber(t.Context(), e.creds)
	if err != nil {
		t.Fatalf("PhoneNumber: %v", err)
	}
	want := cloudapi.PhoneInfo{
		ID:                     testPNID,
		DisplayPhoneNumber:     "+1 555-078-3881",
		VerifiedName:           "Acme Support",
		QualityRating:          "YELLOW",
		CodeVerificationStatus: "VERIFIED",
		PlatformType:           "CLOUD_API",
		Throughput:             cloudapi.Throughput{Level: "STANDARD"},
		NameStatus:             "APPROVED",
		Status:                 "CONNECTED",
		MessagingLimitTier:     "TIER_1K",
	}
	if info != want {
		t.Errorf("info\n got %+v\nwant %+v", info, want)
	}

	wrong := e.creds
	wrong.PhoneNumberID = "123456789"
	_, err = e.client.PhoneNumber(t.Context(), wrong)
	apiErr, ok := errors.AsType[*cloudapi.APIError](err)
	if !ok || apiErr.Code != 100 || apiErr.Subcode != 33 || !strings.HasPrefix(apiErr.Message, "Unsupported get request") {
		t.Fatalf("unknown id: %v, want 100/33 Unsupported get request", err)
	}
	if !strings.Contains(apiErr.Explain(), "Admin system user") {
		t.Errorf("Explain = %q", apiErr.Explain())
	}
	if _, err := e.client.PhoneNumber(t.Context(), cloudapi.Creds{PhoneNumberID: testPNID}); !errors.Is(err, cloudapi.ErrMissingArgument) {
		t.Errorf("missing token: %v", err)
	}
}

func TestUnregisteredNumber(t *testing.T) {
	e := newEnv(t, graphemu.Options{}, func(n *graphemu.Number) { n.Unregistered = true })
	_, err := e.client.Send(t.Context(), e.creds, textTo("5511912345678"))
	apiErr, ok := errors.AsType[*cloudapi.APIError](err)
	if !ok || apiErr.Code != 133010 || !strings.Contains(apiErr.Explain(), "not registered") {
		t.Fatalf("error %v, want 133010", err)
	}
}

func TestParseNumber(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		// Meta's test numbers and the Ofcom drama range: possible, not
		// "valid" for libphonenumber, and real WhatsApp business numbers.
		{in: "+15550253483", want: "+15550253483"},
		{in: "+1 555-025-3483", want: "+15550253483"},
		{in: "+447700900123", want: "+447700900123"},
		{in: " +44 (0)7700 900123 ", want: "+447700900123"},
		{in: "+55 11 91234-5678", want: "+5511912345678"},
		{in: "+39 06 1234 5678", want: "+390612345678"}, // Italian leading zero kept
		{in: "+49.30.123456", want: "+4930123456"},
		{in: "07700 900123", err: "international format"},
		{in: "", err: "international format"},
		{in: "+", err: "not a phone number"},
		{in: "+44 12", err: "too short for a number of country code +44"},
		{in: "+1 456 7890", err: "area code missing"},
		{in: "+44 7700 900123 4567 89", err: "too long for a number of country code +44"},
		{in: "+999 1234567", err: "country code"},
		{in: "+1 800 FLOWERS", err: `found 'F'`},
		{in: "+44 7700 900123;ext=1", err: `found ';'`},
	} {
		got, err := cloudapi.ParseNumber(tc.in)
		if tc.err == "" {
			if err != nil || got != tc.want {
				t.Errorf("ParseNumber(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParseNumber(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.err)
		}
	}
}
