package setup

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// claims returns the endpoint ids among ids that make Asterisk hand an
// application agents' messages: PJSIP, or one PJSIP endpoint.
func claims(ids []string) []string {
	var out []string
	for _, id := range ids {
		if strings.EqualFold(id, "PJSIP") || strings.HasPrefix(strings.ToUpper(id), "PJSIP/") {
			out = append(out, id)
		}
	}
	return out
}

// CheckApps reports on every Stasis application subscribed to the agents'
// endpoints, wachan's own included. running says whether a wachan daemon
// is known to be running: then its application must exist with the
// configured subscriptions. Any other subscribed application, or wachan's
// while wachan is not running, makes Asterisk accept agents' messages
// (202) and drop them whenever its websocket is closed.
func (c *ARIClient) CheckApps(ctx context.Context, running bool) []Result {
	var apps []Application
	if err := c.get(ctx, http.MethodGet, "/applications", &apps); err != nil {
		return []Result{fail("ari apps", "listing applications: "+err.Error(), "check ari_url, ari_user and ari_password")}
	}
	var out []Result
	mine := false
	for _, a := range apps {
		if a.Name == c.p.app() {
			mine = true
			out = append(out, c.judgeOwn(a, running))
			continue
		}
		if ids := claims(a.EndpointIDs); len(ids) > 0 {
			out = append(out, warn("ari app "+a.Name, "subscribed to "+strings.Join(ids, ", ")+": Asterisk accepts agents' messages for it too, and drops them whenever its websocket is closed",
				"if nothing uses it any more: wachan setup asterisk --clean "+a.Name+" (one DELETE per subscription reference)"))
		}
	}
	if !mine {
		name := "ari app " + c.p.app()
		if running {
			out = append(out, fail(name, "Asterisk has no application "+c.p.app()+": the running wachan is not connected to ARI",
				"read wachan's log for ARI errors (journalctl -u wachan); check ari_url, ari_user and ari_password"))
		} else {
			out = append(out, ok(name, "not registered (wachan registers it when it connects)"))
		}
	}
	return out
}

// judgeOwn reports on wachan's own application.
func (c *ARIClient) judgeOwn(app Application, running bool) Result {
	name := "ari app " + c.p.app()
	var want []string
	for _, s := range c.p.sources() {
		if id, ok := strings.CutPrefix(s, "endpoint:"); ok {
			want = append(want, id)
		}
	}
	have := map[string]bool{}
	for _, id := range app.EndpointIDs {
		have[id] = true
	}
	var extra []string
	for _, id := range app.EndpointIDs {
		for _, other := range app.EndpointIDs {
			if id != other && strings.HasPrefix(id, other+"/") {
				extra = append(extra, id)
			}
		}
	}
	var missing []string
	for _, id := range want {
		if !have[id] {
			missing = append(missing, id)
		}
	}
	subs := strings.Join(app.EndpointIDs, ", ")
	switch {
	case !running && len(claims(app.EndpointIDs)) > 0:
		return warn(name, "Asterisk keeps "+c.p.app()+" subscribed to "+subs+" while wachan is not running (it was stopped without unsubscribing): agents' messages are accepted (202) and ARI drops them",
			"start wachan, which replaces the old subscriptions with one, or: wachan setup asterisk --clean "+c.p.app())
	case len(extra) > 0:
		return warn(name, "overlapping subscriptions "+subs+": every event arrives twice",
			"set ari_subscribe = endpoint:PJSIP and restart wachan, or remove them with: wachan setup asterisk --clean "+c.p.app()+" while wachan is stopped")
	case running && len(missing) > 0:
		return fail(name, "not subscribed to "+strings.Join(missing, ", ")+": agents' messages do not reach wachan through ARI",
			"restart wachan so it subscribes again; check ari_subscribe")
	}
	if subs == "" {
		subs = "nothing"
	}
	return ok(name, "registered, subscribed to "+subs)
}

// Clean removes every subscription reference application name holds on
// the agents' endpoints. Asterisk counts references (each POST adds one,
// each DELETE removes one) while listing a source once, so each source is
// deleted until Asterisk answers that it is not subscribed. It returns the
// references removed per endpoint id.
func (c *ARIClient) Clean(ctx context.Context, name string) (map[string]int, error) {
	app, exists, err := c.App(ctx, name)
	if err != nil || !exists {
		if err == nil {
			err = fmt.Errorf("no application %s in Asterisk", name)
		}
		return nil, err
	}
	removed := map[string]int{}
	for _, id := range claims(app.EndpointIDs) {
		path := "/applications/" + url.PathEscape(name) + "/subscription?eventSource=" + url.QueryEscape("endpoint:"+id)
		for range 10000 {
			err := c.get(ctx, http.MethodDelete, path, nil)
			var se *statusError
			if errors.As(err, &se) && se.status == http.StatusUnprocessableEntity {
				break
			}
			if err != nil {
				return removed, fmt.Errorf("unsubscribing %s from endpoint:%s: %w", name, id, err)
			}
			removed[id]++
		}
	}
	return removed, nil
}
