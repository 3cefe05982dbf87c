package cloudapi

import "net/url"

// Limits of call-to-action URL messages, in characters.
const (
	MaxCTADisplayText = 20
	MaxCTAURL         = 2000
)

func (i *Interactive) validateCTA() error {
	if len(i.Buttons) > 0 || len(i.Sections) > 0 || i.Button != "" {
		return invalid("interactive.action", "a cta_url message has one URL button only")
	}
	if i.CTA == nil {
		return invalid("interactive.action.parameters", "required")
	}
	if err := required("interactive.action.parameters.display_text", i.CTA.DisplayText, MaxCTADisplayText); err != nil {
		return err
	}
	if err := required("interactive.action.parameters.url", i.CTA.URL, MaxCTAURL); err != nil {
		return err
	}
	if u, err := url.Parse(i.CTA.URL); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return invalid("interactive.action.parameters.url", "not an http(s) URL")
	}
	return nil
}

func (i *Interactive) validateLocationRequest() error {
	switch {
	case i.Header != nil:
		return invalid("interactive.header", "a location request has no header")
	case i.Footer != "":
		return invalid("interactive.footer", "a location request has no footer")
	case len(i.Buttons) > 0 || len(i.Sections) > 0 || i.Button != "" || i.CTA != nil:
		return invalid("interactive.action", "a location request has only its send-location button")
	}
	return nil
}
