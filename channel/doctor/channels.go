package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/connect"
	"github.com/wachan/wachan/store"
)

// channelState is what the checks need of a channel.
type channelState struct {
	id, name, number string
	verified         bool
	// test returns the token check's verdict.
	test func(ctx context.Context) (detail string, explain string, err error)
	// connect runs Connect (without a PIN or override) and returns its
	// report.
	connect func(ctx context.Context) (*store.CheckReport, error)
}

// checkChannels tests every channel's token and webhook verification and
// runs Connect (which subscribes the app to the WABA when it is not, and
// reports the number's registration and where Meta sends its webhooks):
// straight against the Graph API with the stored tokens when no daemon
// runs, else through the daemon's admin API.
func (d *Doctor) checkChannels(ctx context.Context, stored []*store.Channel, running bool) []Result {
	var chans []channelState
	if running {
		var err error
		chans, err = d.daemonChannels(ctx)
		if err != nil {
			return []Result{warn("channels", err.Error(), "set WACHAN_ADMIN_TOKEN to the admin token so doctor can test channels through the running daemon")}
		}
	} else {
		graph := cloudapi.New(cloudapi.Options{BaseURL: d.cfg.GraphURL, Version: d.cfg.GraphVersion, HTTP: d.hc})
		for _, ch := range stored {
			creds := cloudapi.Creds{PhoneNumberID: ch.PhoneNumberID, WABAID: ch.WABAID, Token: ch.AccessToken}
			in := connect.Input{Fix: true, ChannelURL: d.cfg.PublicURL + "/webhook/" + ch.ID, VerifiedAt: ch.VerifiedAt, Now: d.opts.Now}
			if ch.AppID != "" {
				in.AppURL = d.cfg.PublicURL + "/webhook/app/" + ch.AppID
			}
			chans = append(chans, channelState{id: ch.ID, name: ch.Name, number: ch.Number, verified: !ch.VerifiedAt.IsZero(),
				connect: func(ctx context.Context) (*store.CheckReport, error) { return connect.Run(ctx, graph, ch, in) },
				test: func(ctx context.Context) (string, string, error) {
					info, err := graph.PhoneNumber(ctx, creds)
					var apiErr *cloudapi.APIError
					if errors.As(err, &apiErr) {
						return "", apiErr.Explain(), err
					}
					if err != nil {
						return "", "The Graph API could not be reached: check the host's internet access, DNS and proxy settings.", err
					}
					return phoneDetail(info.VerifiedName, info.QualityRating), "", nil
				}})
		}
	}
	if len(chans) == 0 {
		return []Result{warn("channels", "none configured", "create one in the admin panel or with POST /api/v1/channels")}
	}
	var out []Result
	for _, ch := range chans {
		name := fmt.Sprintf("channel %s (%s)", ch.id, ch.number)
		tctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		detail, explain, err := ch.test(tctx)
		cancel()
		if err != nil {
			out = append(out, fail(name+" token", err.Error(), explain))
		} else {
			out = append(out, ok(name+" token", "valid: "+detail))
		}
		if ch.connect != nil {
			cctx, cancel := context.WithTimeout(ctx, 45*time.Second)
			rep, err := ch.connect(cctx)
			cancel()
			if err != nil {
				out = append(out, warn(name+" connect", err.Error(), "run Connect from the channel's page in the admin panel"))
			} else {
				out = append(out, connectResults(name, rep)...)
			}
		}
		if ch.verified {
			out = append(out, ok(name+" webhook", "verified by Meta"))
		} else {
			out = append(out, fail(name+" webhook", "never verified by Meta, so no messages arrive",
				fmt.Sprintf("in Meta's App Dashboard, WhatsApp > Configuration: set the callback URL to %s/webhook/%s and the verify token to the channel's verify_token, click Verify and save, then subscribe the messages field", d.cfg.PublicURL, ch.id)))
		}
	}
	return out
}

// connectResults turns Connect's steps into results; the token and
// delivery steps are the token and webhook results already.
func connectResults(name string, rep *store.CheckReport) []Result {
	var out []Result
	for _, s := range rep.Steps {
		step := s.Name
		switch step {
		case connect.StepToken, connect.StepDeliveries:
			continue
		case connect.StepWebhook:
			step = "callback"
		}
		switch s.Status {
		case connect.OK:
			out = append(out, ok(name+" "+step, s.Detail))
		case connect.Fixed:
			out = append(out, ok(name+" "+step, "fixed: "+s.Detail))
		case connect.Warning:
			out = append(out, warn(name+" "+step, s.Detail, s.Fix))
		case connect.Failed:
			out = append(out, fail(name+" "+step, s.Detail, s.Fix))
		}
	}
	return out
}

func phoneDetail(verifiedName, quality string) string {
	if quality == "" {
		quality = "unknown"
	}
	return fmt.Sprintf("%s, quality %s", verifiedName, quality)
}

// daemonChannels lists the channels through the admin API.
func (d *Doctor) daemonChannels(ctx context.Context) ([]channelState, error) {
	if d.opts.AdminToken == "" {
		return nil, errors.New("a daemon holds the store and no admin token is set, so channels cannot be tested")
	}
	var list struct {
		Channels []struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			Number   string `json:"number"`
			Verified bool   `json:"webhook_verified"`
		} `json:"channels"`
	}
	if err := d.admin(ctx, http.MethodGet, "/api/v1/channels", &list); err != nil {
		return nil, err
	}
	var out []channelState
	for _, c := range list.Channels {
		out = append(out, channelState{id: c.ID, name: c.Name, number: c.Number, verified: c.Verified,
			connect: func(ctx context.Context) (*store.CheckReport, error) {
				var rep store.CheckReport
				if err := d.admin(ctx, http.MethodPost, "/api/v1/channels/"+c.ID+"/connect", &rep); err != nil {
					return nil, err
				}
				return &rep, nil
			},
			test: func(ctx context.Context) (string, string, error) {
				var tc struct {
					Connected    bool   `json:"connected"`
					VerifiedName string `json:"verified_name"`
					Quality      string `json:"quality_rating"`
					Error        *struct {
						Code        int    `json:"code"`
						Message     string `json:"message"`
						Explanation string `json:"explanation"`
					} `json:"error"`
				}
				if err := d.admin(ctx, http.MethodPost, "/api/v1/channels/"+c.ID+"/test", &tc); err != nil {
					return "", "", err
				}
				if !tc.Connected {
					if tc.Error == nil {
						return "", "", errors.New("test connection failed")
					}
					return "", tc.Error.Explanation, fmt.Errorf("graph api error %d: %s", tc.Error.Code, tc.Error.Message)
				}
				return phoneDetail(tc.VerifiedName, tc.Quality), "", nil
			}})
	}
	return out, nil
}

func (d *Doctor) admin(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, d.opts.AdminURL+path, nil)
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+d.opts.AdminToken)
	resp, err := d.hc.Do(req)
	if err != nil {
		return fmt.Errorf("asking the daemon: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return errors.New("the daemon refused the admin token (401)")
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the daemon answered %s to %s %s", resp.Status, method, path)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decoding %s: %w", path, err)
	}
	return nil
}
