package setup

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wachan/wachan/pbx/ariemu"
)

func emulator(t *testing.T) *ariemu.Server {
	t.Helper()
	emu, err := ariemu.New(ariemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	return emu
}

func params(emu *ariemu.Server) Params {
	return Params{URL: emu.URL(), User: "ari", Password: "ari", App: "wachan", Subscribe: "endpoint:PJSIP"}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// connectApp opens the event WebSocket for app like wachan does.
func connectApp(t *testing.T, emu *ariemu.Server, app string, sources ...string) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+emu.Addr()+"/ari/events?app="+app+"&api_key=ari:ari&subscribeAll=false", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := NewARIClient(Params{URL: emu.URL(), User: "ari", Password: "ari"}, nil)
	for _, s := range sources {
		if err := c.get(ctx(t), http.MethodPost, "/applications/"+app+"/subscription?eventSource="+url.QueryEscape(s), nil); err != nil {
			t.Fatal(err)
		}
	}
	return conn
}

func TestCheckAgainstEmulator(t *testing.T) {
	emu := emulator(t)
	if err := emu.Register("1001"); err != nil {
		t.Fatal(err)
	}
	c := NewARIClient(params(emu), nil)
	res := c.Check(ctx(t))
	out := render(res)
	for _, want := range []string{
		"ok   ari reachable: " + emu.URL(),
		"ok   ari credentials: user ari accepted",
		"ok   asterisk version: Asterisk 22.10.1",
		"ok   func_curl.so: loaded",
		"ok   pjsip endpoints: 3 configured, 1 registered (1001)",
		"ok   app subscription: the ARI user may subscribe an application to endpoint:PJSIP",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if Print(new(strings.Builder), res) != OK {
		t.Fatalf("not all ok:\n%s", out)
	}
	// The throw-away application is gone once its socket closed.
	for i := 0; ; i++ {
		var apps []Application
		if err := c.get(ctx(t), http.MethodGet, "/applications", &apps); err != nil {
			t.Fatal(err)
		}
		if len(apps) == 0 {
			break
		}
		if i == 200 {
			t.Fatalf("the check left applications behind: %+v", apps)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCheckFailures(t *testing.T) {
	emu := emulator(t)
	noCurl, err := ariemu.New(ariemu.Options{Modules: []string{"res_ari.so"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(noCurl.Close)
	stopped := emulator(t)
	stopped.Stop()
	for _, tc := range []struct {
		name string
		p    func() Params
		want []string
	}{
		{"wrong password", func() Params { p := params(emu); p.Password = "wrong-pw-123"; return p },
			[]string{"FAIL ari credentials: 401 Authentication required: wrong ari user/password in ari.conf", "fix: in /etc/asterisk/ari.conf add or fix [ari]"}},
		{"unreachable", func() Params { return params(stopped) },
			[]string{"FAIL ari reachable: cannot reach " + stopped.URL(), "in /etc/asterisk/http.conf set enabled = yes, bindaddr = 127.0.0.1 and bindport = " + strings.Split(stopped.Addr(), ":")[1]}},
		{"not the ari root", func() Params { p := params(emu); p.URL = strings.TrimSuffix(p.URL, "/ari") + "/asterisk"; return p },
			[]string{"FAIL ari reachable:", "answers 404", "ari_url must end in /ari"}},
		{"empty url", func() Params { return Params{} },
			[]string{"FAIL ari: ari_url is empty"}},
		{"bad subscription", func() Params { p := params(emu); p.Subscribe = "endpoint:PJSIP/9999"; return p },
			[]string{"FAIL app subscription: subscribing to endpoint:PJSIP/9999", "Event source does not exist", "fix: fix ari_subscribe"}},
		{"overlapping sources", func() Params { p := params(emu); p.Subscribe = "endpoint:PJSIP,endpoint:PJSIP/1001"; return p },
			[]string{"WARN ari_subscribe: overlapping event sources endpoint:PJSIP + endpoint:PJSIP/1001", "set ari_subscribe = endpoint:PJSIP alone"}},
		{"no func_curl", func() Params { return params(noCurl) },
			[]string{"FAIL func_curl.so: not loaded: the dialplan rule cannot hand agents' messages to wachan", "fix: asterisk -rx 'module load func_curl.so'"}},
		{"no endpoints registered", func() Params { return params(emu) },
			[]string{"WARN pjsip endpoints: 3 configured (1001, 1002, 1003), none registered"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p()
			out := render(NewARIClient(p, nil).Check(ctx(t)))
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Fatalf("output lacks %q:\n%s", w, out)
				}
			}
			if p.Password != "" && p.Password != "ari" && strings.Contains(out, p.Password) {
				t.Fatalf("password leaked:\n%s", out)
			}
		})
	}
}

// one finds the result named name.
func one(t *testing.T, rs []Result, name string) Result {
	t.Helper()
	for _, r := range rs {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no result %q in\n%s", name, render(rs))
	return Result{}
}

func TestCheckApps(t *testing.T) {
	emu := emulator(t)
	c := NewARIClient(params(emu), nil)
	if r := one(t, c.CheckApps(ctx(t), false), "ari app wachan"); r.Status != OK || !strings.Contains(r.Detail, "not registered") {
		t.Fatalf("no daemon, no app: %v", r)
	}
	r := one(t, c.CheckApps(ctx(t), true), "ari app wachan")
	if r.Status != Fail || !strings.Contains(r.Detail, "not connected to ARI") || !strings.Contains(r.Fix, "journalctl -u wachan") {
		t.Fatalf("daemon running, no app: %v", r)
	}

	conn := connectApp(t, emu, "wachan")
	if r := one(t, c.CheckApps(ctx(t), true), "ari app wachan"); r.Status != Fail || !strings.Contains(r.Detail, "not subscribed to PJSIP") {
		t.Fatalf("connected without subscription: %v", r)
	}
	conn.Close()

	conn = connectApp(t, emu, "wachan", "endpoint:PJSIP")
	if r := one(t, c.CheckApps(ctx(t), true), "ari app wachan"); r.Status != OK || r.Detail != "registered, subscribed to PJSIP" {
		t.Fatalf("connected and subscribed: %v", r)
	}
	if r := one(t, c.CheckApps(ctx(t), false), "ari app wachan"); r.Status != Warn || !strings.Contains(r.Detail, "accepted (202) and ARI drops them") ||
		r.Fix != "start wachan, which replaces the old subscriptions with one, or: wachan setup asterisk --clean wachan" {
		t.Fatalf("left-over subscribed app while wachan is down: %v", r)
	}
	if err := c.get(ctx(t), http.MethodPost, "/applications/wachan/subscription?eventSource=endpoint:PJSIP/1001", nil); err != nil {
		t.Fatal(err)
	}
	r = one(t, c.CheckApps(ctx(t), true), "ari app wachan")
	if r.Status != Warn || !strings.Contains(r.Detail, "every event arrives twice") || !strings.Contains(r.Fix, "--clean wachan") {
		t.Fatalf("overlapping subscriptions: %v", r)
	}
	conn.Close()

	// Applications of other names that claim agents' messages are listed;
	// one subscribed elsewhere only is not.
	other := connectApp(t, emu, "oldbot", "endpoint:PJSIP/1002")
	defer other.Close()
	quiet := connectApp(t, emu, "recorder")
	defer quiet.Close()
	rs := c.CheckApps(ctx(t), true)
	if r := one(t, rs, "ari app oldbot"); r.Status != Warn || !strings.Contains(r.Detail, "subscribed to PJSIP/1002") || !strings.Contains(r.Fix, "wachan setup asterisk --clean oldbot") {
		t.Fatalf("other app: %v", r)
	}
	for _, r := range rs {
		if r.Name == "ari app recorder" {
			t.Fatalf("listed an app that claims no message: %v", r)
		}
	}
}

func TestClean(t *testing.T) {
	emu := emulator(t)
	emu.Register("1001")
	emu.SetDialplan() // only subscriptions claim messages
	c := NewARIClient(params(emu), nil)
	conn := connectApp(t, emu, "wachan", "endpoint:PJSIP", "endpoint:PJSIP", "endpoint:PJSIP", "endpoint:PJSIP/1001")
	conn.Close()
	if err := emu.WaitAppState(ctx(t), "wachan", true, false); err != nil {
		t.Fatal(err)
	}
	if code := emu.PhoneSend("1001", "wa-1-447700900001", "lost"); code != 202 || emu.Missed("wachan") == 0 {
		t.Fatalf("before clean: %d, missed %d", code, emu.Missed("wachan"))
	}
	removed, err := c.Clean(ctx(t), "wachan")
	if err != nil || removed["PJSIP"] != 3 || removed["PJSIP/1001"] != 1 {
		t.Fatalf("removed %v, %v", removed, err)
	}
	if code := emu.PhoneSend("1001", "wa-1-447700900001", "refused"); code != 404 {
		t.Fatalf("after clean: SIP answer %d, want 404", code)
	}
	if _, err := c.Clean(ctx(t), "nosuchapp"); err == nil {
		t.Fatal("cleaning a missing app succeeded")
	}
}
