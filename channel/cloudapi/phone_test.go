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
