package connect

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// Graph is the part of the Graph API client Connect uses.
type Graph interface {
	NumberState(ctx context.Context, creds cloudapi.Creds) (cloudapi.NumberState, error)
	SubscribedApps(ctx context.Context, creds cloudapi.Creds) ([]cloudapi.SubscribedApp, error)
	SubscribeApp(ctx context.Context, creds cloudapi.Creds) error
	Register(ctx context.Context, creds cloudapi.Creds, pin string) error
	SetCallbackOverride(ctx context.Context, creds cloudapi.Creds, uri, verifyToken string) error
}

// Input is what a run may do and what it knows of wachan's side.
type Input struct {
	// Fix allows changes at Meta: subscribing the app, registering the
	// number with PIN, setting the override. Without it a run only reads
	// (Test Connection).
	Fix bool
	// PIN is the number's two-step verification PIN, needed to register.
	PIN string
	// Override points the number's webhooks at ChannelURL (with the
	// channel's verify token), so several PBXs can share one Meta app.
	Override bool
	// AppURL and ChannelURL are wachan's callback URLs for the channel's
	// app and the channel itself.
	AppURL, ChannelURL string
	// Refused24h and LastRefusal are the webhook deliveries refused in the
	// last 24 hours and why; VerifiedAt the last handshake.
	Refused24h  int
	LastRefusal string
	VerifiedAt  time.Time
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Step names, in order.
const (
	StepToken        = "token"
	StepSubscription = "subscription"
	StepNumber       = "number"
	StepRegistration = "registration"
	StepWebhook      = "webhook"
	StepDeliveries   = "deliveries"
)

// Step statuses.
const (
	OK      = "ok"
	Fixed   = "fixed"
	Warning = "warning"
	Failed  = "failed"
	Skipped = "skipped"
)

var pinPattern = regexp.MustCompile(`^[0-9]{6}$`)

// ErrBadPIN is returned for a PIN that is not six digits.
var ErrBadPIN = errors.New("the PIN must be the number's six-digit two-step verification PIN")

// run holds one Connect's state.
type run struct {
	g     Graph
	ch    *store.Channel
	in    Input
	creds cloudapi.Creds
	rep   *store.CheckReport
}

// Run checks ch with its token and, with in.Fix, fixes what it can. The
// report says, step by step, what passed and what to do about the rest.
func Run(ctx context.Context, g Graph, ch *store.Channel, in Input) (*store.CheckReport, error) {
	if in.PIN != "" && !pinPattern.MatchString(in.PIN) {
		return nil, ErrBadPIN
	}
	if in.Now == nil {
		in.Now = time.Now
	}
	r := &run{g: g, ch: ch, in: in, rep: &store.CheckReport{At: in.Now().UTC(), Fix: in.Fix},
		creds: cloudapi.Creds{PhoneNumberID: ch.PhoneNumberID, WABAID: ch.WABAID, Token: ch.AccessToken}}
	st, ok := r.token(ctx)
	if ok {
		r.subscription(ctx)
		st = r.number(ctx, st)
		r.webhook(ctx, st)
	} else {
		for _, name := range []string{StepSubscription, StepNumber, StepWebhook} {
			r.add(store.CheckStep{Name: name, Status: Skipped, Detail: "needs a working token"})
		}
	}
	r.deliveries()
	r.rep.OK = true
	for _, s := range r.rep.Steps {
		if s.Status == Failed {
			r.rep.OK = false
		}
	}
	return r.rep, nil
}

func (r *run) add(s store.CheckStep) { r.rep.Steps = append(r.rep.Steps, s) }

// failure is a failed step for a Graph error, with Meta's code and a fix.
func failure(name, doing string, err error, fix string) store.CheckStep {
	s := store.CheckStep{Name: name, Status: Failed, Detail: doing + ": " + err.Error(), Fix: fix}
	if apiErr, ok := errors.AsType[*cloudapi.APIError](err); ok {
		s.Code = apiErr.Code
		s.Fix = apiErr.Explain()
		if fix != "" {
			s.Fix += " " + fix
		}
	} else if fix == "" {
		s.Fix = "The Graph API could not be reached: check the PBX's internet access, DNS and proxy settings."
	}
	return s
}

// token is Test Connection: the token reads the number's state.
func (r *run) token(ctx context.Context) (cloudapi.NumberState, bool) {
	st, err := r.g.NumberState(ctx, r.creds)
	if err != nil {
		r.add(failure(StepToken, "reading the number with the channel's token", err, ""))
		return st, false
	}
	r.rep.Connected = true
	r.rep.DisplayPhoneNumber, r.rep.VerifiedName, r.rep.QualityRating = st.DisplayPhoneNumber, st.VerifiedName, st.QualityRating
	r.add(store.CheckStep{Name: StepToken, Status: OK, Detail: fmt.Sprintf("the token reads %s (%s), quality %s", st.DisplayPhoneNumber, st.VerifiedName, or(st.QualityRating, "unknown"))})
	return st, true
}

// subscription checks that the channel's app is subscribed to the WABA
// (Meta sends no webhook otherwise) and, with Fix, subscribes it.
func (r *run) subscription(ctx context.Context) {
	apps, err := r.g.SubscribedApps(ctx, r.creds)
	if err != nil {
		r.add(failure(StepSubscription, "listing the apps subscribed to WABA "+r.ch.WABAID, err,
			"Check the WABA id, and that the token has whatsapp_business_management on this account."))
		return
	}
	if r.subscribed(apps) {
		r.add(store.CheckStep{Name: StepSubscription, Status: OK, Detail: r.appName() + " is subscribed to WABA " + r.ch.WABAID})
		return
	}
	if !r.in.Fix {
		r.add(store.CheckStep{Name: StepSubscription, Status: Failed, Detail: r.appName() + " is not subscribed to WABA " + r.ch.WABAID + ", so Meta sends it no webhooks",
			Fix: "Run Connect: wachan subscribes the app (POST /" + r.ch.WABAID + "/subscribed_apps)."})
		return
	}
	if err := r.g.SubscribeApp(ctx, r.creds); err != nil {
		r.add(failure(StepSubscription, "subscribing the app to WABA "+r.ch.WABAID, err,
			"The token needs whatsapp_business_management on this account."))
		return
	}
	apps, err = r.g.SubscribedApps(ctx, r.creds)
	if err == nil && !r.subscribed(apps) {
		r.add(store.CheckStep{Name: StepSubscription, Status: Failed, Detail: "subscribed the token's app, but app " + r.ch.AppID + " is still not subscribed",
			Fix: "The access token belongs to another Meta app than app " + r.ch.AppID + ": create the System User token for app " + r.ch.AppID + ", or correct the channel's App ID."})
		return
	}
	r.add(store.CheckStep{Name: StepSubscription, Status: Fixed, Detail: "subscribed " + r.appName() + " to WABA " + r.ch.WABAID})
}

// subscribed reports whether the channel's app (any app when the channel
// names none) is among apps.
func (r *run) subscribed(apps []cloudapi.SubscribedApp) bool {
	for _, a := range apps {
		if r.ch.AppID == "" || a.ID == r.ch.AppID {
			return true
		}
	}
	return false
}

func (r *run) appName() string {
	if r.ch.AppID == "" {
		return "the token's app"
	}
	return "app " + r.ch.AppID
}

// number checks the number's state and registers it when needed; it
// returns the state after any registration.
func (r *run) number(ctx context.Context, st cloudapi.NumberState) cloudapi.NumberState {
	var notes []string
	if v := st.CodeVerificationStatus; v != "" && v != "VERIFIED" {
		notes = append(notes, "ownership "+v+": verify the number in WhatsApp Manager (Phone numbers → Verify)")
	}
	if v := st.NameStatus; v != "" && v != "APPROVED" && v != "AVAILABLE_WITHOUT_REVIEW" {
		notes = append(notes, "display name "+v+": messages may be limited until Meta approves it")
	}
	if st.QualityRating == "RED" {
		notes = append(notes, "quality RED: Meta may lower the messaging limit; review the templates and opt-outs")
	}
	detail := fmt.Sprintf("status %s, quality %s, messaging limit %s, throughput %s",
		or(st.Status, "unknown"), or(st.QualityRating, "unknown"), or(st.MessagingLimitTier, "unknown"), or(st.Throughput.Level, "unknown"))
	step := store.CheckStep{Name: StepNumber, Status: OK, Detail: detail}
	if len(notes) > 0 {
		step.Status, step.Fix = Warning, strings.Join(notes, "; ")+"."
	}
	switch st.Status {
	case "CONNECTED", "":
		r.add(step)
		return st
	case "PENDING", "NOT_REGISTERED", "UNVERIFIED":
		r.add(step)
		return r.register(ctx, st)
	default:
		step.Status = Failed
		step.Fix = "Meta reports the number " + st.Status + ": open WhatsApp Manager → Phone numbers for the reason (a ban, a restriction, or a number being migrated), and fix it there."
		r.add(step)
		return st
	}
}

// register registers a number that is not registered, with the admin's
// PIN.
func (r *run) register(ctx context.Context, st cloudapi.NumberState) cloudapi.NumberState {
	fix := "The number is not registered for Cloud API use, so it can neither send nor receive. Enter its six-digit two-step verification PIN and run Connect: wachan registers it (POST /" + r.ch.PhoneNumberID + "/register). A number without a PIN gets the one you enter."
	if !r.in.Fix || r.in.PIN == "" {
		r.add(store.CheckStep{Name: StepRegistration, Status: Failed, Detail: "not registered (status " + st.Status + ")", Fix: fix})
		return st
	}
	if err := r.g.Register(ctx, r.creds, r.in.PIN); err != nil {
		r.add(failure(StepRegistration, "registering the number", err, ""))
		return st
	}
	after, err := r.g.NumberState(ctx, r.creds)
	if err != nil {
		r.add(failure(StepRegistration, "reading the number after registering it", err, ""))
		return st
	}
	r.add(store.CheckStep{Name: StepRegistration, Status: Fixed, Detail: "registered; status now " + after.Status})
	return after
}

// webhook checks where Meta sends the number's messages and, with
// Override, points them at the channel's URL.
func (r *run) webhook(ctx context.Context, st cloudapi.NumberState) {
	wc := st.WebhookConfiguration
	ours := or(r.in.AppURL, r.in.ChannelURL)
	if r.in.Fix && r.in.Override {
		if err := r.g.SetCallbackOverride(ctx, r.creds, r.in.ChannelURL, r.ch.VerifyToken); err != nil {
			r.add(failure(StepWebhook, "setting the number's callback override to "+r.in.ChannelURL, err, ""))
			return
		}
		r.add(store.CheckStep{Name: StepWebhook, Status: Fixed, Detail: "Meta now sends this number's messages to " + r.in.ChannelURL + " (a per-number override); template and account updates still go to the app's URL"})
		return
	}
	eff := wc.Effective()
	switch {
	case eff == "":
		r.add(store.CheckStep{Name: StepWebhook, Status: Failed, Detail: "the app has no callback URL, so Meta sends the number's webhooks nowhere",
			Fix: "In Meta's App Dashboard, WhatsApp → Configuration, set the Callback URL to " + ours + " with the verify token shown on the channel page, and subscribe the messages field."})
	case eff == ours || eff == r.in.ChannelURL:
		r.add(store.CheckStep{Name: StepWebhook, Status: OK, Detail: "Meta sends this number's messages to " + eff})
	case eff == wc.Application:
		r.add(store.CheckStep{Name: StepWebhook, Status: Warning, Detail: "Meta sends this number's messages to " + eff + ", not to wachan",
			Fix: "Set the app's Callback URL to " + ours + " (Meta's App Dashboard, WhatsApp → Configuration), or, if that URL serves other numbers of the app, run Connect with the override option: it points only this number at wachan."})
	default:
		r.add(store.CheckStep{Name: StepWebhook, Status: Warning, Detail: "an override sends this number's messages to " + eff + ", not to wachan",
			Fix: "Run Connect with the override option to point this number at " + r.in.ChannelURL + ", or remove the override at Meta."})
	}
}

// deliveries reports what wachan saw of Meta's deliveries.
func (r *run) deliveries() {
	switch {
	case r.in.Refused24h > 0:
		r.add(store.CheckStep{Name: StepDeliveries, Status: Failed, Detail: fmt.Sprintf("%d webhook deliveries refused in the last 24 h: %s", r.in.Refused24h, r.in.LastRefusal),
			Fix: "Paste the app secret of app " + or(r.ch.AppID, "of this number") + " (App Dashboard → App settings → Basic) into the channel."})
	case r.in.VerifiedAt.IsZero():
		r.add(store.CheckStep{Name: StepDeliveries, Status: Warning, Detail: "Meta has not verified wachan's callback URL yet",
			Fix: "In Meta's App Dashboard, WhatsApp → Configuration, enter the Callback URL and verify token shown on the channel page and click Verify and save."})
	default:
		r.add(store.CheckStep{Name: StepDeliveries, Status: OK, Detail: "callback URL verified " + r.in.VerifiedAt.UTC().Format(time.RFC3339) + "; no delivery refused in 24 h"})
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
