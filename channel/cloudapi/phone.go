package cloudapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/nyaruka/phonenumbers"
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
// the country code and the number; spaces, dashes, dots and parentheses
// allowed), in E.164 form, or why it cannot be a phone number.
//
// It accepts every number whose length is possible for its country code
// (libphonenumber's possible-number rules), not only numbers of ranges
// known to be allocated: Meta hands out numbers, such as its +1 555 test
// numbers, that a validity check refuses. A number that is only dialable
// locally (no area code) is refused, since WhatsApp needs the full number.
func ParseNumber(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "+") {
		return "", errors.New(`must be in international format starting with "+" and the country code, e.g. +447700900123`)
	}
	if i := strings.IndexFunc(s[1:], notPhoneRune); i >= 0 {
		return "", fmt.Errorf("may contain only digits, spaces, dashes, dots and parentheses after the \"+\", found %q", []rune(s[1+i:])[0])
	}
	n, err := phonenumbers.Parse(s, "")
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return "", errors.New("does not start with a known country code after the \"+\"")
	case err != nil:
		return "", errors.New("is not a phone number: " + err.Error())
	}
	cc := n.GetCountryCode()
	switch phonenumbers.IsPossibleNumberWithReason(n) {
	case phonenumbers.IS_POSSIBLE:
		return phonenumbers.Format(n, phonenumbers.E164), nil
	case phonenumbers.INVALID_COUNTRY_CODE:
		return "", fmt.Errorf("+%d is not a country code", cc)
	case phonenumbers.TOO_SHORT:
		return "", fmt.Errorf("is too short for a number of country code +%d", cc)
	case phonenumbers.TOO_LONG:
		return "", fmt.Errorf("is too long for a number of country code +%d", cc)
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return "", fmt.Errorf("is too short for a number of country code +%d: is the area code missing?", cc)
	default:
		return "", fmt.Errorf("has a length no number of country code +%d has", cc)
	}
}

// notPhoneRune reports whether r has no place in a written phone number.
func notPhoneRune(r rune) bool {
	return !(r >= '0' && r <= '9' || strings.ContainsRune(" -.()\u00a0", r))
}
