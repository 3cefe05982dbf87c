package cloudapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// stateFields are the fields NumberState asks for.
const stateFields = "id,display_phone_number,verified_name,status,code_verification_status,name_status,quality_rating,messaging_limit_tier,throughput,platform_type,webhook_configuration"

// WebhookConfig is where Meta sends a number's webhooks: the app's
// callback URL and the WABA's and number's overrides, if any (a number
// override wins over a WABA override, which wins over the app's URL).
type WebhookConfig struct {
	Application string `json:"application"`
	WABA        string `json:"whatsapp_business_account"`
	PhoneNumber string `json:"phone_number"`
}

// Effective returns the URL Meta sends the number's messages to.
func (w WebhookConfig) Effective() string {
	switch {
	case w.PhoneNumber != "":
		return w.PhoneNumber
	case w.WABA != "":
		return w.WABA
	}
	return w.Application
}

// NumberState is a number's profile with its registration state and
// webhook configuration.
type NumberState struct {
	PhoneInfo
	WebhookConfiguration WebhookConfig `json:"webhook_configuration"`
}

// NumberState reads the state Connect needs of creds.PhoneNumberID.
func (c *Client) NumberState(ctx context.Context, creds Creds) (NumberState, error) {
	if err := needCreds(creds, true, false); err != nil {
		return NumberState{}, fmt.Errorf("reading number state: %w", err)
	}
	var st NumberState
	err := c.do(ctx, request{
		method: http.MethodGet,
		url:    c.graphURL(url.Values{"fields": {stateFields}}, creds.PhoneNumberID),
		token:  creds.Token,
	}, &st)
	if err != nil {
		return NumberState{}, fmt.Errorf("reading number state: %w", err)
	}
	return st, nil
}

// SubscribedApp is an app subscribed to a WABA's webhooks.
type SubscribedApp struct {
	ID                  string
	Name                string
	OverrideCallbackURI string
}

// SubscribedApps lists the apps subscribed to creds.WABAID.
func (c *Client) SubscribedApps(ctx context.Context, creds Creds) ([]SubscribedApp, error) {
	if err := needCreds(creds, false, true); err != nil {
		return nil, fmt.Errorf("listing subscribed apps: %w", err)
	}
	var out struct {
		Data []struct {
			App struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"whatsapp_business_api_data"`
			Override string `json:"override_callback_uri"`
		} `json:"data"`
	}
	err := c.do(ctx, request{method: http.MethodGet, url: c.graphURL(nil, creds.WABAID, "subscribed_apps"), token: creds.Token}, &out)
	if err != nil {
		return nil, fmt.Errorf("listing subscribed apps: %w", err)
	}
	apps := make([]SubscribedApp, 0, len(out.Data))
	for _, d := range out.Data {
		apps = append(apps, SubscribedApp{ID: d.App.ID, Name: d.App.Name, OverrideCallbackURI: d.Override})
	}
	return apps, nil
}

// SubscribeApp subscribes the token's app to creds.WABAID's webhooks.
func (c *Client) SubscribeApp(ctx context.Context, creds Creds) error {
	if err := needCreds(creds, false, true); err != nil {
		return fmt.Errorf("subscribing app: %w", err)
	}
	if err := c.postJSON(ctx, creds.Token, nil, creds.WABAID, "subscribed_apps"); err != nil {
		return fmt.Errorf("subscribing app: %w", err)
	}
	return nil
}

// Register registers creds.PhoneNumberID for Cloud API use with its
// six-digit two-step verification PIN.
func (c *Client) Register(ctx context.Context, creds Creds, pin string) error {
	if err := needCreds(creds, true, false); err != nil {
		return fmt.Errorf("registering number: %w", err)
	}
	body := map[string]string{"messaging_product": "whatsapp", "pin": pin}
	if err := c.postJSON(ctx, creds.Token, body, creds.PhoneNumberID, "register"); err != nil {
		return fmt.Errorf("registering number: %w", err)
	}
	return nil
}

// SetCallbackOverride points creds.PhoneNumberID's webhooks at uri (Meta
// verifies it with verifyToken first); an empty uri removes the override.
func (c *Client) SetCallbackOverride(ctx context.Context, creds Creds, uri, verifyToken string) error {
	if err := needCreds(creds, true, false); err != nil {
		return fmt.Errorf("setting callback override: %w", err)
	}
	body := map[string]any{"webhook_configuration": map[string]string{"override_callback_uri": uri, "verify_token": verifyToken}}
	if err := c.postJSON(ctx, creds.Token, body, creds.PhoneNumberID); err != nil {
		return fmt.Errorf("setting callback override: %w", err)
	}
	return nil
}

// postJSON POSTs v (nil for no body) to the Graph path segments and
// checks Meta's {"success": true}.
func (c *Client) postJSON(ctx context.Context, token string, v any, segments ...string) error {
	req := request{method: http.MethodPost, url: c.graphURL(nil, segments...), token: token}
	if v != nil {
		body, err := jsonBody(v)
		if err != nil {
			return err
		}
		req.body, req.contentType = body, "application/json"
	}
	var out struct {
		Success bool `json:"success"`
	}
	if err := c.do(ctx, req, &out); err != nil {
		return err
	}
	if !out.Success {
		return fmt.Errorf("graph api answered without success")
	}
	return nil
}
