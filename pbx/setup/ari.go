package setup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// ARIClient runs the live checks. The zero value is not usable; build it
// with NewARIClient.
type ARIClient struct {
	p  Params
	hc *http.Client
}

// NewARIClient returns a client for p's ARI; hc nil means a client with a
// 10 s timeout.
func NewARIClient(p Params, hc *http.Client) *ARIClient {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	p.URL = strings.TrimRight(p.URL, "/")
	return &ARIClient{p: p, hc: hc}
}

// statusError is a non-2xx ARI answer.
type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string { return fmt.Sprintf("ARI answered %d %s", e.status, e.body) }

func (c *ARIClient) get(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.p.URL+path, nil)
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	req.SetBasicAuth(c.p.User, c.p.Password)
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("reading answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return &statusError{status: resp.StatusCode, body: strings.TrimSpace(string(body))}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decoding %s: %w", path, err)
	}
	return nil
}

// Application is what ARI reports about a Stasis application.
type Application struct {
	Name        string   `json:"name"`
	EndpointIDs []string `json:"endpoint_ids"`
}

// App returns the application name's state, or ok false when Asterisk has
// no such application (no WebSocket ever connected for it since the last
// restart, or it had no subscriptions when its WebSocket closed).
func (c *ARIClient) App(ctx context.Context, name string) (app Application, ok bool, err error) {
	err = c.get(ctx, http.MethodGet, "/applications/"+url.PathEscape(name), &app)
	var se *statusError
	if errors.As(err, &se) && se.status == http.StatusNotFound {
		return Application{}, false, nil
	}
	return app, err == nil, err
}

// Check runs the live checks in order; it stops after the first failure
// that makes the rest meaningless (unreachable, wrong credentials).
func (c *ARIClient) Check(ctx context.Context) []Result {
	var out []Result
	if c.p.URL == "" {
		return []Result{fail("ari", "ari_url is empty, so wachan does not connect to Asterisk",
			"set ari_url (e.g. http://127.0.0.1:8088/ari), ari_user and ari_password in wachan's configuration")}
	}
	host, port := c.p.hostPort()
	var info struct {
		System struct {
			Version string `json:"version"`
		} `json:"system"`
	}
	err := c.get(ctx, http.MethodGet, "/asterisk/info", &info)
	var se *statusError
	switch {
	case errors.As(err, &se) && se.status == http.StatusUnauthorized:
		return append(out, ok("ari reachable", c.p.URL),
			fail("ari credentials", "401 Authentication required: wrong ari user/password in ari.conf",
				fmt.Sprintf("in %s add or fix [%s] with type = user, read_only = no, password = <ari_password>, then `asterisk -rx 'module reload res_ari.so'`; or correct ari_user/ari_password in wachan", c.p.edit("ari.conf", "ari_additional_custom.conf"), c.p.user())))
	case errors.As(err, &se) && se.status == http.StatusNotFound:
		return append(out, fail("ari reachable", fmt.Sprintf("%s answers 404 for /asterisk/info", c.p.URL),
			fmt.Sprintf("ari_url must end in /ari (http://%s:%s/ari); if it does, ARI is off: set enabled = yes under [general] in ari.conf and load res_ari.so", host, port)))
	case err != nil:
		return append(out, fail("ari reachable", fmt.Sprintf("cannot reach %s: %v", c.p.URL, err),
			fmt.Sprintf("start Asterisk; in %s set enabled = yes, bindaddr = %s and bindport = %s under [general], then `asterisk -rx 'module reload http'`", c.p.edit("http.conf", "http_custom.conf"), host, port)))
	}
	out = append(out, ok("ari reachable", c.p.URL), ok("ari credentials", "user "+c.p.User+" accepted"))
	out = append(out, versionResult(info.System.Version))
	out = append(out, c.checkCurl(ctx))

	var eps []struct {
		Technology string `json:"technology"`
		Resource   string `json:"resource"`
		State      string `json:"state"`
	}
	if err := c.get(ctx, http.MethodGet, "/endpoints", &eps); err != nil {
		out = append(out, fail("pjsip endpoints", fmt.Sprintf("listing endpoints: %v", err), "check Asterisk's log; GET /ari/endpoints must work"))
	} else {
		var all, online []string
		for _, e := range eps {
			if e.Technology != "PJSIP" {
				continue
			}
			all = append(all, e.Resource)
			if e.State == "online" {
				online = append(online, e.Resource)
			}
		}
		switch {
		case len(all) == 0:
			out = append(out, fail("pjsip endpoints", "Asterisk has no PJSIP endpoints",
				"configure the agents' phones as PJSIP endpoints (type = endpoint with auth and aors), then `asterisk -rx 'module reload res_pjsip.so'`"))
		case len(online) == 0:
			out = append(out, warn("pjsip endpoints", fmt.Sprintf("%d configured (%s), none registered", len(all), strings.Join(all, ", ")),
				"register at least one agent's softphone; until then wachan holds the messages for offline extensions"))
		default:
			out = append(out, ok("pjsip endpoints", fmt.Sprintf("%d configured, %d registered (%s)", len(all), len(online), strings.Join(online, ", "))))
		}
	}
	out = append(out, c.checkSubscribe(ctx))
	if o := overlapping(c.p.sources()); len(o) > 0 {
		out = append(out, warn("ari_subscribe", "overlapping event sources "+strings.Join(o, ", ")+": Asterisk sends every event twice",
			"set ari_subscribe = endpoint:PJSIP alone"))
	}
	return out
}

// checkCurl checks that func_curl.so, which the hand-off rule's CURL()
// needs, is loaded.
func (c *ARIClient) checkCurl(ctx context.Context) Result {
	const name = "func_curl.so"
	err := c.get(ctx, http.MethodGet, "/asterisk/modules/func_curl.so", nil)
	var se *statusError
	switch {
	case errors.As(err, &se) && se.status == http.StatusNotFound:
		return fail(name, "not loaded: the dialplan rule cannot hand agents' messages to wachan, so every agent gets the \"not sent\" notice",
			"asterisk -rx 'module load func_curl.so' (it needs Asterisk built with libcurl), and load it at start (modules.conf)")
	case err != nil:
		return warn(name, "cannot tell whether it is loaded: "+err.Error(), "asterisk -rx 'module show like func_curl'")
	}
	return ok(name, "loaded (CURL() for the hand-off rule)")
}

// versionResult judges the Asterisk version.
func versionResult(v string) Result {
	major, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	switch {
	case v == "":
		return warn("asterisk version", "unknown", "GET /ari/asterisk/info gave no system.version")
	case major > 0 && major < 18:
		return warn("asterisk version", "Asterisk "+v+" is older than 18",
			"upgrade to a supported Asterisk (20 or 22 LTS); wachan is tested against 22")
	}
	return ok("asterisk version", "Asterisk "+v)
}

// checkSubscribe proves the user may create a Stasis application and
// subscribe it to the configured sources, with a throw-away application
// that is unsubscribed and disconnected again so Asterisk destroys it.
func (c *ARIClient) checkSubscribe(ctx context.Context) Result {
	const name = "app subscription"
	b := make([]byte, 4)
	rand.Read(b)
	app := c.p.app() + "-check-" + hex.EncodeToString(b)
	u, err := url.Parse(c.p.URL + "/events")
	if err != nil {
		return fail(name, err.Error(), "fix ari_url")
	}
	u.Scheme = map[string]string{"https": "wss"}[u.Scheme]
	if u.Scheme == "" {
		u.Scheme = "ws"
	}
	u.RawQuery = url.Values{"app": {app}, "subscribeAll": {"false"}}.Encode()
	hdr := http.Header{}
	req := &http.Request{Header: hdr}
	req.SetBasicAuth(c.p.User, c.p.Password)
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment}
	conn, resp, err := d.DialContext(ctx, u.String(), hdr)
	if err != nil {
		status := ""
		if resp != nil {
			status = " (" + resp.Status + ")"
			resp.Body.Close()
		}
		return fail(name, "the event WebSocket /ari/events was refused"+status+": "+err.Error(),
			"a proxy in front of Asterisk must pass WebSocket upgrades; res_ari and res_http_websocket must be loaded")
	}
	defer conn.Close()
	sources := strings.Join(c.p.sources(), ",")
	path := "/applications/" + url.PathEscape(app) + "/subscription?eventSource=" + url.QueryEscape(sources)
	if err := c.get(ctx, http.MethodPost, path, nil); err != nil {
		fix := "give the ARI user read_only = no in ari.conf"
		var se *statusError
		if errors.As(err, &se) && (se.status == 422 || se.status == 400) {
			fix = "fix ari_subscribe: " + se.body + " (use endpoint:PJSIP)"
		}
		return fail(name, "subscribing to "+sources+": "+err.Error(), fix)
	}
	if err := c.get(ctx, http.MethodDelete, path, nil); err != nil {
		return warn(name, "unsubscribing the test application "+app+": "+err.Error(),
			"restart Asterisk to drop it; until then it also receives agents' messages")
	}
	conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	return ok(name, "the ARI user may subscribe an application to "+sources)
}
