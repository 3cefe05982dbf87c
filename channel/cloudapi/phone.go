package cloudapi

import (
	"context"
	"errors"
	"fmt"
	"github.com/nyaruka/phonenumbers"
	"net/http"
	"net/url"
	"strings"
)

// phoneFields are the fields PhoneNumber asks for.
const phoneFields = "id,display_phone_number,verified_name,quality_rating,code_verification_status,platform_type,throughput,name_status,status,messaging_limit_tier"

// PhoneInfo describes a business phone number as Meta sees it.
type PhoneInfo struct {
	ID                     string     `json:"id"`
	DisplayPhoneNumber     string     `json:"display_phone_number"`
	VerifiedName           string     `json:"verified_name"`
	QualityRating          string     `json:"quality_rating"`           // GREEN, YELLOW, RED, UNKNOWN
	CodeVerificationStatus string     `json:"code_verification_status"` // VERIFIED, NOT_VERIFIED, EXPIRED
	PlatformType           string     `json:"platform_type"`            // CLOUD_API, ON_PREMISE, NOT_APPLICABLE
	Throughput             Throughput `json:"throughput"`
	NameStatus             string     `json:"name_status"`
	Status                 string     `json:"status"` // CONNECTED, PENDING, …
	MessagingLimitTier     string     `json:"messaging_limit_tier"`
}

// Throughput is a number's throughput level (STANDARD or HIGH).
type Throughput struct {
	Level string `json:"level"`
}

// PhoneNumber reads creds.PhoneNumberID's profile. It is the cheapest call
// that proves the token and the phone number id work together.
func (c *Client) PhoneNumber(ctx context.Context, creds Creds) (PhoneInfo, error) {
	if err := needCreds(creds, true, false); err != nil {
		return PhoneInfo{}, fmt.Errorf("reading phone number: %w", err)
	}
	var info PhoneInfo
	err := c.do(ctx, request{
		method: http.MethodGet,
		url:    c.graphURL(url.Values{"fields": {phoneFields}}, creds.PhoneNumberID),
		token:  creds.Token,
	}, &info)
	if err != nil {
		return PhoneInfo{}, fmt.Errorf("reading phone number: %w", err)
	}
	return info, nil
}

// ParseNumber returns s, a phone number in international format ("+",
// the country code and the number; spaces and dashes allowed), in E.164
// form, or why it is not a valid number.
func ParseNumber(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "+") {
		return "", errors.New(`must be in international format starting with "+" and the country code, e.g. +447700900123`)
	}
	n, err := phonenumbers.Parse(s, "")
	if err != nil {
		return "", errors.New("is not a phone number: " + err.Error())
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", errors.New("is not a valid number for its country")
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}
