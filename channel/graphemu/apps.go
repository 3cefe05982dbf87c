package graphemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// App is an emulated Meta app: Meta posts the webhooks of every number of
// the WABAs it is subscribed to to its one CallbackURL, signed with its
// Secret, unless a WABA or the number has an override URL.
type App struct {
	ID          string
	Name        string
	Secret      string
	CallbackURL string // empty fires none
}

// subscription is an app subscribed to a WABA, with its optional
// override.
type subscription struct {
	overrideURL string
}

// overridable lists the webhook fields Meta sends to a number's or WABA's
// override URL; every other field always goes to the app's URL (Meta,
// "Webhook overrides").
var overridable = map[string]bool{
	"messages": true, "message_echoes": true, "smb_message_echoes": true, "calls": true, "history": true,
	"smb_app_state_sync": true, "consumer_profile": true, "messaging_handovers": true, "standby": true,
	"group_lifecycle_update": true, "group_participants_update": true, "group_settings_update": true,
	"group_status_update": true, "account_settings_update": true,
}

// AddApp registers a, replacing an app with the same ID. ID and Secret are
// required.
func (s *Server) AddApp(a App) error {
	if a.ID == "" || a.Secret == "" {
		return errors.New("adding app: id and secret required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[a.ID] = &a
	return nil
}

// Subscribe subscribes app to waba, as the developer quick-start does for
// its test WABA (and POST /{waba-id}/subscribed_apps does).
func (s *Server) Subscribe(waba, app string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subscribe(waba, app, "")
}

// Unsubscribe removes app's subscription to waba.
func (s *Server) Unsubscribe(waba, app string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.subs[waba], app)
}

// Subscribed reports whether app is subscribed to waba.
func (s *Server) Subscribed(waba, app string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.subs[waba][app] != nil
}

// subscribe records app's subscription to waba; s.mu must be held.
func (s *Server) subscribe(waba, app, override string) {
	if s.subs[waba] == nil {
		s.subs[waba] = map[string]*subscription{}
	}
	s.subs[waba][app] = &subscription{overrideURL: override}
}

// QuickStart adds what a new developer app gets from Meta: a test WABA
// with a registered test business number in the US 555 range, the app
// subscribed to it. app must have been added; token may use the number.
func (s *Server) QuickStart(app, token string) (Number, error) {
	s.mu.Lock()
	s.quickstarts++
	k := s.quickstarts
	s.mu.Unlock()
	n := Number{
		PhoneNumberID:      strconv.Itoa(106540352240000 + k),
		WABAID:             strconv.Itoa(102290129340000 + k),
		DisplayPhoneNumber: fmt.Sprintf("+1 555-%03d-%04d", 25+k/10000, 3483+k%10000-1),
		VerifiedName:       "Test Number",
		Token:              token,
		AppID:              app,
	}
	if err := s.AddNumber(n); err != nil {
		return Number{}, err
	}
	s.Subscribe(n.WABAID, app)
	return n, nil
}

// GatedWebhooks returns how many webhooks were not sent because the
// number's app was not subscribed to its WABA.
func (s *Server) GatedWebhooks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gated
}

// target returns where a webhook of field about n goes and the secret
// that signs it, as Meta decides: a number without an app uses its own
// WebhookURL and AppSecret; otherwise nothing unless its app is
// subscribed to its WABA, then the number's override, the WABA's
// override, or the app's URL (the app's URL always for fields that cannot
// be overridden). s.mu must be held.
func (s *Server) target(n *number, field string) (url, secret string) {
	if n.AppID == "" {
		return n.WebhookURL, n.AppSecret
	}
	app := s.apps[n.AppID]
	if app == nil {
		return "", ""
	}
	sub := s.subs[n.WABAID][n.AppID]
	if sub == nil {
		s.gated++
		return "", ""
	}
	url = app.CallbackURL
	if overridable[field] {
		switch {
		case n.overrideURL != "":
			url = n.overrideURL
		case sub.overrideURL != "":
			url = sub.overrideURL
		}
	}
	return url, app.Secret
}

// appTargets returns the distinct app URLs (and secrets) of the apps
// subscribed to waba, for account-level fields; s.mu must be held.
func (s *Server) appTargets(waba string) []struct{ pnid, url, secret string } {
	var out []struct{ pnid, url, secret string }
	seen := map[string]bool{}
	for _, n := range s.numbers {
		if n.WABAID != waba {
			continue
		}
		url, secret := s.target(n, "message_template_status_update")
		if url == "" || seen[url] {
			continue
		}
		seen[url] = true
		out = append(out, struct{ pnid, url, secret string }{n.PhoneNumberID, url, secret})
	}
	return out
}

// appOfToken returns the app a token was issued for: the app of a number
// the token may use; s.mu must be held.
func (s *Server) appOfToken(tok string) *App {
	for _, n := range s.numbers {
		if n.Token == tok && n.AppID != "" {
			return s.apps[n.AppID]
		}
	}
	return nil
}

// handleSubscribedApps serves GET, POST and DELETE
// /{ver}/{waba-id}/subscribed_apps for the token's app.
func (s *Server) handleSubscribedApps(w http.ResponseWriter, r *http.Request) {
	waba := r.PathValue("id")
	s.mu.Lock()
	tok, gerr := s.wabaToken(r, waba, map[string]string{"GET": "get", "POST": "post", "DELETE": "delete"}[r.Method])
	if gerr != nil {
		s.mu.Unlock()
		writeError(w, *gerr)
		return
	}
	app := s.appOfToken(tok)
	switch r.Method {
	case http.MethodGet:
		data := []map[string]any{}
		for id, sub := range s.subs[waba] {
			a := s.apps[id]
			if a == nil {
				continue
			}
			entry := map[string]any{"whatsapp_business_api_data": map[string]string{
				"id": a.ID, "name": a.Name, "link": "https://www.facebook.com/games/?app_id=" + a.ID}}
			if sub.overrideURL != "" {
				entry["override_callback_uri"] = sub.overrideURL
			}
			data = append(data, entry)
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"data": data})
	case http.MethodDelete:
		if app != nil {
			delete(s.subs[waba], app.ID)
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]bool{"success": true})
	default:
		s.mu.Unlock()
		if app == nil {
			writeError(w, codeError(200).withDetails("the access token belongs to no app that may manage this account"))
			return
		}
		var in struct {
			OverrideCallbackURI string `json:"override_callback_uri"`
			VerifyToken         string `json:"verify_token"`
		}
		if err := readJSON(r, &in); err != nil {
			writeError(w, errParam("(#100) "+err.Error()))
			return
		}
		if in.OverrideCallbackURI != "" {
			if gerr := s.handshake(r.Context(), in.OverrideCallbackURI, in.VerifyToken); gerr != nil {
				writeError(w, *gerr)
				return
			}
		}
		s.mu.Lock()
		s.subscribe(waba, app.ID, in.OverrideCallbackURI)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]bool{"success": true})
	}
}

// handleRegister serves POST /{ver}/{phone-number-id}/register.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	pnid, ok := s.admitPost(w, r)
	if !ok {
		return
	}
	var in struct {
		MessagingProduct string `json:"messaging_product"`
		PIN              string `json:"pin"`
	}
	if err := readJSON(r, &in); err != nil {
		writeError(w, errParam("(#100) "+err.Error()))
		return
	}
	if in.MessagingProduct != "whatsapp" {
		writeError(w, errParam("(#100) The parameter messaging_product is required."))
		return
	}
	if len(in.PIN) != 6 || strings6Digits(in.PIN) != nil {
		writeError(w, errParam("(#100) Param pin must be 6 characters long."))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.numbers[pnid]
	if n.PIN != "" && n.PIN != in.PIN {
		writeError(w, codeError(133005))
		return
	}
	n.PIN, n.Unregistered = in.PIN, false
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// handleNumberUpdate serves POST /{ver}/{phone-number-id}: the number's
// webhook_configuration override.
func (s *Server) handleNumberUpdate(w http.ResponseWriter, r *http.Request) {
	pnid, ok := s.admitPost(w, r)
	if !ok {
		return
	}
	var in struct {
		WebhookConfiguration *struct {
			OverrideCallbackURI string `json:"override_callback_uri"`
			VerifyToken         string `json:"verify_token"`
		} `json:"webhook_configuration"`
	}
	if err := readJSON(r, &in); err != nil {
		writeError(w, errParam("(#100) "+err.Error()))
		return
	}
	if in.WebhookConfiguration == nil {
		writeError(w, errParam("(#100) Nothing to update"))
		return
	}
	uri := in.WebhookConfiguration.OverrideCallbackURI
	if uri != "" {
		if gerr := s.handshake(r.Context(), uri, in.WebhookConfiguration.VerifyToken); gerr != nil {
			writeError(w, *gerr)
			return
		}
	}
	s.mu.Lock()
	s.numbers[pnid].overrideURL = uri
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// webhookConfiguration is the webhook_configuration field of a number;
// s.mu must be held.
func (s *Server) webhookConfiguration(n *number) map[string]string {
	out := map[string]string{}
	if app := s.apps[n.AppID]; app != nil && app.CallbackURL != "" {
		out["application"] = app.CallbackURL
	} else if n.AppID == "" && n.WebhookURL != "" {
		out["application"] = n.WebhookURL
	}
	if sub := s.subs[n.WABAID][n.AppID]; sub != nil && sub.overrideURL != "" {
		out["whatsapp_business_account"] = sub.overrideURL
	}
	if n.overrideURL != "" {
		out["phone_number"] = n.overrideURL
	}
	return out
}

// handshake verifies an override URL as Meta does before accepting it: a
// GET with hub.mode=subscribe, a challenge and the verify token, answered
// 200 with the challenge.
func (s *Server) handshake(ctx context.Context, callback, token string) *graphError {
	fail := func(why string) *graphError {
		e := codeError(2200).withDetails("Callback verification failed with the following errors: %s", why)
		return &e
	}
	u, err := url.Parse(callback)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fail("the callback URL is not a valid URL")
	}
	challenge := strconv.FormatUint(s.nextSeqLocked()+1000000, 10)
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.challenge", challenge)
	q.Set("hub.verify_token", token)
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fail(err.Error())
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return fail("could not reach the callback URL")
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK || string(body) != challenge {
		return fail(fmt.Sprintf("HTTP status code %d, or the response did not match the challenge", resp.StatusCode))
	}
	return nil
}

// nextSeqLocked is nextSeq taking s.mu.
func (s *Server) nextSeqLocked() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextSeq()
}

// readJSON decodes a JSON (or empty) request body into v.
func readJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("reading body: %w", err)
	}
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("body is not valid JSON: %w", err)
	}
	return nil
}

// strings6Digits returns an error unless s is only digits.
func strings6Digits(s string) error {
	for _, c := range s {
		if c < '0' || c > '9' {
			return errors.New("not digits")
		}
	}
	return nil
}

// handlePost serves POST /{ver}/{id}: a phone number's settings when id is
// a number, otherwise a template edit or an upload session's data.
func (s *Server) handlePost(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	_, isNumber := s.numbers[r.PathValue("id")]
	s.mu.Unlock()
	if isNumber {
		s.handleNumberUpdate(w, r)
		return
	}
	s.handlePostObject(w, r)
}
