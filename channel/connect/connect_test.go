package connect_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/connect"
	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/store"
)

const (
	pnid, waba, token = "106540352242922", "102290129340398", "EAAG-token"
	appURL            = "https://pbx.example.com/webhook/app/1234"
	chURL             = "https://pbx.example.com/webhook/ch1"
)

// Each step's verdict and fix for set-ups Meta really produces, over
// loopback against the Graph emulator.
func TestSteps(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(*graphemu.Server)
		number func(*graphemu.Number)
		ch     func(*store.Channel)
		in     connect.Input
		step   string
		status string
		fix    string
		// unverified: Meta never verified wachan's callback URL.
		unverified bool
	}{
		{name: "all well", step: connect.StepWebhook, status: connect.OK},
		{name: "expired token", setup: func(s *graphemu.Server) { s.ExpireToken(token) }, step: connect.StepToken, status: connect.Failed, fix: "permanent System User token"},
		{name: "other steps skipped without a token", setup: func(s *graphemu.Server) { s.ExpireToken(token) }, step: connect.StepSubscription, status: connect.Skipped},
		{name: "unsubscribed, read only", setup: func(s *graphemu.Server) { s.Unsubscribe(waba, "1234") }, step: connect.StepSubscription, status: connect.Failed, fix: "Run Connect"},
		{name: "unsubscribed, fixed", setup: func(s *graphemu.Server) { s.Unsubscribe(waba, "1234") }, in: connect.Input{Fix: true}, step: connect.StepSubscription, status: connect.Fixed},
		{name: "token of another app", setup: func(s *graphemu.Server) { s.Unsubscribe(waba, "1234") }, ch: func(c *store.Channel) { c.AppID = "9999" },
			in: connect.Input{Fix: true}, step: connect.StepSubscription, status: connect.Failed, fix: "belongs to another Meta app than app 9999"},
		{name: "quality red", number: func(n *graphemu.Number) { n.QualityRating = "RED" }, step: connect.StepNumber, status: connect.Warning, fix: "quality RED"},
		{name: "unregistered without PIN", number: func(n *graphemu.Number) { n.Unregistered = true }, in: connect.Input{Fix: true}, step: connect.StepRegistration, status: connect.Failed, fix: "two-step verification PIN"},
		{name: "registered with PIN", number: func(n *graphemu.Number) { n.Unregistered = true }, in: connect.Input{Fix: true, PIN: "135790"}, step: connect.StepRegistration, status: connect.Fixed},
		{name: "app URL elsewhere", setup: func(s *graphemu.Server) {
			s.AddApp(graphemu.App{ID: "1234", Secret: "s", CallbackURL: "https://other.example.com/hook"})
		}, step: connect.StepWebhook, status: connect.Warning, fix: "override option"},
		{name: "no app URL", setup: func(s *graphemu.Server) { s.AddApp(graphemu.App{ID: "1234", Secret: "s"}) }, step: connect.StepWebhook, status: connect.Failed, fix: "set the Callback URL to " + appURL},
		{name: "refused deliveries", in: connect.Input{Refused24h: 3, LastRefusal: "signature does not match"}, step: connect.StepDeliveries, status: connect.Failed, fix: "app secret of app 1234"},
		{name: "never verified", unverified: true, step: connect.StepDeliveries, status: connect.Warning, fix: "Verify and save"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu := graphemu.New(graphemu.Options{})
			base, err := emu.Start()
			if err != nil {
				t.Fatal(err)
			}
			defer emu.Close()
			emu.AddApp(graphemu.App{ID: "1234", Secret: "s", CallbackURL: appURL})
			n := graphemu.Number{PhoneNumberID: pnid, WABAID: waba, DisplayPhoneNumber: "+1 555-025-3483", VerifiedName: "Test", Token: token, AppID: "1234"}
			if tc.number != nil {
				tc.number(&n)
			}
			emu.AddNumber(n)
			emu.Subscribe(waba, "1234")
			if tc.setup != nil {
				tc.setup(emu)
			}
			ch := &store.Channel{ID: "ch1", PhoneNumberID: pnid, WABAID: waba, AppID: "1234", AccessToken: token, VerifyToken: "vt"}
			if tc.ch != nil {
				tc.ch(ch)
			}
			in := tc.in
			in.AppURL, in.ChannelURL = appURL, chURL
			if !tc.unverified {
				in.VerifiedAt = time.Now()
			}
			rep, err := connect.Run(t.Context(), cloudapi.New(cloudapi.Options{BaseURL: base}), ch, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range rep.Steps {
				if s.Name != tc.step {
					continue
				}
				if s.Status != tc.status || !strings.Contains(s.Fix, tc.fix) {
					t.Fatalf("%s = %+v, want %s with fix %q", tc.step, s, tc.status, tc.fix)
				}
				if tc.status == connect.Failed && rep.OK {
					t.Fatalf("report OK with a failed step: %+v", rep)
				}
				return
			}
			t.Fatalf("no step %s in %+v", tc.step, rep.Steps)
		})
	}
	if _, err := connect.Run(t.Context(), nil, &store.Channel{}, connect.Input{PIN: "12345a"}); err != connect.ErrBadPIN {
		t.Fatalf("bad PIN: %v", err)
	}
}
