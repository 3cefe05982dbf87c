package ariemu

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// setups puts the emulator in the state each rest-*.json fixture was
// recorded in (from its note and README.md).
var setups = map[string]func(e *env){
	"rest-asterisk-info.json":                    func(e *env) {},
	"rest-asterisk-ping.json":                    func(e *env) {},
	"rest-auth-api-key-query.json":               func(e *env) {},
	"rest-auth-api-key-wrong.json":               func(e *env) {},
	"rest-auth-missing.json":                     func(e *env) {},
	"rest-auth-wrong-password.json":              func(e *env) {},
	"rest-unknown-path.json":                     func(e *env) {},
	"rest-method-not-allowed.json":               func(e *env) {},
	"rest-endpoints-list.json":                   func(e *env) { e.register("1001", "1002") },
	"rest-endpoints-list-by-tech.json":           func(e *env) { e.register("1001", "1002") },
	"rest-endpoint-get-online.json":              func(e *env) { e.register("1001") },
	"rest-endpoint-get-offline.json":             func(e *env) {},
	"rest-endpoint-get-nonexistent.json":         func(e *env) {},
	"rest-endpoint-get-1003-after-register.json": func(e *env) { e.register("1003") },
	"rest-endpoint-get-after-kill9.json":         func(e *env) { e.register("1002") },
	"rest-endpoint-get-after-contact-expired.json": func(e *env) {
		e.register("1002")
		e.s.Unregister("1002")
	},
	"rest-endpoints-list-after-restart.json":        func(e *env) { e.register("1001"); e.restart() },
	"rest-applications-list-empty.json":             func(e *env) {},
	"rest-applications-list.json":                   func(e *env) { e.connect("wachan", "a") },
	"rest-application-get.json":                     func(e *env) { e.connect("wachan", "a") },
	"rest-application-get-nonexistent.json":         func(e *env) {},
	"rest-subscribe-endpoint-tech.json":             func(e *env) { e.connect("wachan", "a") },
	"rest-subscribe-endpoint-tech-for-events.json":  func(e *env) { e.connect("wachan", "a") },
	"rest-subscribe-endpoint.json":                  connectedWith("endpoint:PJSIP"),
	"rest-subscribe-endpoint-nonexistent.json":      connectedWith("endpoint:PJSIP"),
	"rest-subscribe-app-never-connected.json":       func(e *env) {},
	"rest-application-get-subscribed.json":          connectedWith("endpoint:PJSIP", "endpoint:PJSIP/1001"),
	"rest-unsubscribe-endpoint.json":                connectedWith("endpoint:PJSIP", "endpoint:PJSIP/1001"),
	"rest-unsubscribe-endpoint-not-subscribed.json": connectedWith("endpoint:PJSIP"),
	"rest-unsubscribe-endpoint-nonexistent.json":    connectedWith("endpoint:PJSIP"),
	"rest-unsubscribe-app-never-connected.json":     func(e *env) {},
	"rest-subscribe-missing-eventsource.json":       connectedWith(),
	"rest-subscribe-bad-eventsource-scheme.json":    connectedWith(),
	"rest-subscribe-endpoint-tech-twice.json":       connectedWith("endpoint:PJSIP"),
	"rest-subscribe-multiple-eventsources.json":     connectedWith("endpoint:PJSIP"),
	"rest-unsubscribe-multiple-eventsources.json":   connectedWith("endpoint:PJSIP", "endpoint:PJSIP/1001", "endpoint:PJSIP/1002"),
	"rest-application-get-after-ws-closed.json":     closedWith("endpoint:PJSIP", "endpoint:PJSIP/1002"),
	"rest-applications-list-after-ws-closed.json":   closedWith("endpoint:PJSIP", "endpoint:PJSIP/1002"),
	"rest-subscribe-after-ws-closed.json":           closedWith("endpoint:PJSIP", "endpoint:PJSIP/1002"),
	"rest-unsubscribe-after-ws-closed.json":         closedWith("endpoint:PJSIP", "endpoint:PJSIP/1002", "endpoint:PJSIP/1003"),
	"rest-application-get-after-ws-closed-no-subscriptions.json": func(e *env) {
		e.connect("tmpapp", "t")
		e.closeWS("t", "tmpapp", false)
	},
	"rest-application-get-after-ws-reconnect.json": func(e *env) {
		closedWith("endpoint:PJSIP", "endpoint:PJSIP/1002")(e)
		e.connect("wachan", "b")
	},
	"rest-application-get-before-replace.json": connectedWith("endpoint:PJSIP"),
	"rest-application-get-after-replace.json": func(e *env) {
		connectedWith("endpoint:PJSIP")(e)
		e.connect("wachan", "b")
	},
	"rest-application-get-before-restart.json": connectedWith("endpoint:PJSIP"),
	"rest-application-get-after-restart-before-reconnect.json": func(e *env) {
		connectedWith("endpoint:PJSIP")(e)
		e.restart()
	},
	"rest-applications-list-after-restart.json": func(e *env) {
		connectedWith("endpoint:PJSIP")(e)
		e.restart()
	},
	"rest-application-get-after-restart-reconnect.json": func(e *env) {
		connectedWith("endpoint:PJSIP")(e)
		e.restart()
		e.connect("wachan", "b")
	},
}

// connectedWith connects wachan and subscribes it to srcs.
func connectedWith(srcs ...string) func(*env) {
	return func(e *env) {
		e.connect("wachan", "a")
		e.subscribe("wachan", srcs...)
	}
}

// closedWith connects wachan, subscribes it to srcs and closes its socket.
func closedWith(srcs ...string) func(*env) {
	return func(e *env) {
		connectedWith(srcs...)(e)
		e.closeWS("a", "wachan", true)
	}
}

// dynamicBodies hold timestamps; they are compared by shape and stable fields.
var dynamicBodies = map[string][]string{
	"rest-asterisk-info.json":      {"build", "system", "config"},
	"rest-asterisk-ping.json":      {"ping", "asterisk_id"},
	"rest-auth-api-key-query.json": {"ping", "asterisk_id"},
}

// observedMessage is the part of observed.sip_trace_at_1002 we compare.
type observed struct {
	Trace []struct {
		Message string `json:"message"`
	} `json:"sip_trace_at_1002"`
}

func TestRESTConformance(t *testing.T) {
	files, err := filepath.Glob(fixtures + "rest-*.json")
	if err != nil || len(files) < 70 {
		t.Fatalf("fixtures: %d files, %v", len(files), err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			x := loadExchange(t, name)
			e := newEnv(t)
			setup, ok := setups[name]
			if strings.HasPrefix(name, "rest-sendmessage-") {
				setup, ok = func(e *env) { e.register("1001", "1002") }, true
			}
			if !ok {
				t.Fatalf("no setup for %s", name)
			}
			setup(e)
			before := len(e.s.Inbox("1002"))
			got := replay(t, e.s, x)

			if got.status != x.Response.Status {
				t.Fatalf("status %d, want %d (body %s)", got.status, x.Response.Status, got.body)
			}
			if len(got.headers) != len(x.Response.Headers) {
				t.Fatalf("headers %v, want %v", got.headers, x.Response.Headers)
			}
			for i, h := range x.Response.Headers {
				if got.headers[i][0] != h[0] {
					t.Fatalf("header %d is %q, want %q", i, got.headers[i][0], h[0])
				}
				if h[0] != "Date" && h[0] != "Content-Length" && got.headers[i][1] != h[1] {
					t.Fatalf("header %s is %q, want %q", h[0], got.headers[i][1], h[1])
				}
			}
			if stable, dyn := dynamicBodies[name]; dyn {
				sameShape(t, name, []byte(x.Response.Body), got.body)
				var w, g map[string]json.RawMessage
				json.Unmarshal([]byte(x.Response.Body), &w)
				json.Unmarshal(got.body, &g)
				for _, k := range stable {
					if !bytes.Equal(w[k], g[k]) {
						t.Fatalf("%s is %s, want %s", k, g[k], w[k])
					}
				}
			} else if string(got.body) != x.Response.Body {
				t.Fatalf("body\n got %q\nwant %q", got.body, x.Response.Body)
			}

			// A 202 must have reached the phone as recorded in its SIP trace.
			if x.Response.Status == 202 {
				checkDelivery(t, e, x, before)
			}
		})
	}
}

// checkDelivery compares the new inbox entry of 1002 with the MESSAGE the
// real phone received.
func checkDelivery(t *testing.T, e *env, x exchange, before int) {
	t.Helper()
	inbox := e.s.Inbox("1002")
	if len(inbox) != before+1 {
		t.Fatalf("1002 received %d messages, want 1", len(inbox)-before)
	}
	got := inbox[before]
	var o observed
	if err := json.Unmarshal(x.Observed, &o); err != nil {
		t.Fatal(err)
	}
	if len(o.Trace) == 0 {
		// The dead phone's MESSAGE went to its stale contact unanswered.
		if !strings.HasPrefix(got.URI, "sip:1002-") {
			t.Fatalf("Request-URI %q, want the registered contact", got.URI)
		}
		return
	}
	head, body, _ := strings.Cut(o.Trace[0].Message, "\r\n\r\n")
	if got.Body != body {
		t.Fatalf("body %q, want %q", got.Body, body)
	}
	lines := strings.Split(head, "\r\n")
	wantURI := strings.Fields(lines[0])[1]
	if strings.HasPrefix(got.URI, "sip:1002-") != strings.HasPrefix(wantURI, "sip:1002-") ||
		(!strings.HasPrefix(wantURI, "sip:1002-") && got.URI != wantURI) {
		t.Fatalf("Request-URI %q, recorded %q", got.URI, wantURI)
	}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ": ")
		switch {
		case k == "From":
			from, _, _ := strings.Cut(v, ";tag=")
			if got.From != from {
				t.Fatalf("From %q, want %q", got.From, from)
			}
		case strings.HasPrefix(k, "X-"):
			if got.Variables[k] != v {
				t.Fatalf("header %s is %q, want %q", k, got.Variables[k], v)
			}
		}
	}
}

func TestWebsocketHandshakes(t *testing.T) {
	for _, name := range []string{"ws-handshake-ok.json", "ws-handshake-wrong-credentials.json", "ws-handshake-missing-app.json"} {
		t.Run(name, func(t *testing.T) {
			x := loadExchange(t, name)
			var raw struct {
				RawResponse string `json:"raw_response"`
			}
			data, _ := readFixture(name)
			json.Unmarshal(data, &raw)
			e := newEnv(t)
			got := rawExchange(t, e.s, x, len(raw.RawResponse))
			want := raw.RawResponse
			// Dates differ; compare line by line except Date.
			gl, wl := strings.Split(got, "\r\n"), strings.Split(want, "\r\n")
			if len(gl) != len(wl) {
				t.Fatalf("got\n%q\nwant\n%q", got, want)
			}
			for i := range wl {
				if strings.HasPrefix(wl[i], "Date: ") && strings.HasPrefix(gl[i], "Date: ") {
					continue
				}
				if gl[i] != wl[i] {
					t.Fatalf("line %d: got %q, want %q", i, gl[i], wl[i])
				}
			}
		})
	}
}

func TestAppLifecycle(t *testing.T) {
	e := newEnv(t)
	e.connect("wachan", "a")
	if ex, act := e.s.AppState("wachan"); !ex || !act {
		t.Fatalf("app after connect: exists %v active %v", ex, act)
	}
	// Stop refuses connections until Start.
	e.s.Stop()
	if _, _, err := websocketDial(e.s.Addr()); err == nil {
		t.Fatal("connected while stopped")
	}
	if err := e.s.Start(); err != nil {
		t.Fatal(err)
	}
	if ex, _ := e.s.AppState("wachan"); ex {
		t.Fatal("app survived Stop")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, _, err := websocketDial(e.s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := e.s.WaitAppState(ctx, "wachan", true, true); err != nil {
		t.Fatal(err)
	}
}
