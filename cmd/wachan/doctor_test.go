package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/pbx/ariemu"
	"github.com/wachan/wachan/store"
)

const recordedEtc = "../../pbx/setup/testdata/recorded"

func TestSetupAsterisk(t *testing.T) {
	code, out, _ := wachan(t, "setup", "asterisk", "--ari-url", "http://127.0.0.1:8088/ari", "--ari-user", "wachan")
	if code != 0 {
		t.Fatalf("setup asterisk = %d", code)
	}
	mustContain(t, "guide", out, "[wachan]\ntype = user", "message_context = wachan-messages", "bindport = 8088")

	code, out, _ = wachan(t, "setup", "asterisk", "--ari-url", "http://127.0.0.1:8088/ari", "--ari-user", "ari", "--asterisk-etc", recordedEtc)
	if code != 1 {
		t.Fatalf("setup asterisk with the recorded dialplan = %d", code)
	}
	mustContain(t, "file check", out, "FAIL extensions.conf: extensions.conf:14: exten => _[0-9a-zA-Z]!")

	const freepbxEtc = "../../pbx/setup/testdata/freepbx"
	code, out, _ = wachan(t, "setup", "asterisk", "--freepbx", "--asterisk-dir", freepbxEtc, "--ari-url", "http://127.0.0.1:8088/ari", "--ari-user", "wachan")
	if code != 1 {
		t.Fatalf("setup asterisk --freepbx without the rule = %d", code)
	}
	mustContain(t, "FreePBX guide", out, freepbxEtc+"/ari_additional_custom.conf", "[from-internal-custom]\nexten => _wa-.,1,", "fwconsole reload",
		"FAIL extensions.conf: context [from-internal] (1001, 1002, pjsip.endpoint.conf:5) has no rule for wa- addresses")

	if code, _, errOut := wachan(t, "setup", "freeswitch"); code != 2 || !strings.Contains(errOut, "usage: wachan setup asterisk") {
		t.Fatalf("setup freeswitch = %d %q", code, errOut)
	}
}

func TestSetupAsteriskCheck(t *testing.T) {
	emu, err := ariemu.New(ariemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	emu.Register("1002")
	dir := t.TempDir()

	t.Setenv("WACHAN_ARI_PASSWORD", "ari")
	code, out, errOut := wachan(t, "setup", "asterisk", "--check", "--data-dir", dir, "--ari-url", emu.URL(), "--ari-user", "ari")
	if code != 0 {
		t.Fatalf("setup asterisk --check = %d: %s%s", code, out, errOut)
	}
	mustContain(t, "check", out, "ok   ari credentials", "ok   asterisk version: Asterisk 22.10.1", "1 registered (1002)", "ok   app subscription", "ok   ari app wachan")

	t.Setenv("WACHAN_ARI_PASSWORD", "not-the-password")
	code, out, _ = wachan(t, "setup", "asterisk", "--check", "--data-dir", dir, "--ari-url", emu.URL(), "--ari-user", "ari")
	if code != 1 {
		t.Fatalf("setup asterisk --check with a wrong password = %d", code)
	}
	mustContain(t, "check", out, "FAIL ari credentials: 401 Authentication required: wrong ari user/password in ari.conf")

	// --clean removes every reference a crashed run left.
	t.Setenv("WACHAN_ARI_PASSWORD", "ari")
	conn, _, err := websocketDial(emu, "oldbot")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		ariPost(t, emu, "/applications/oldbot/subscription?eventSource=endpoint:PJSIP")
	}
	if code, out, _ = wachan(t, "setup", "asterisk", "--check", "--data-dir", dir, "--ari-url", emu.URL(), "--ari-user", "ari"); code != 0 {
		t.Fatalf("a warning is not a failure: %d", code)
	}
	mustContain(t, "check", out, "WARN ari app oldbot: subscribed to PJSIP", "wachan setup asterisk --clean oldbot")
	conn.Close()
	code, out, errOut = wachan(t, "setup", "asterisk", "--clean", "oldbot", "--data-dir", dir, "--ari-url", emu.URL(), "--ari-user", "ari")
	if code != 0 || emu.SubscriptionRefs("oldbot", "PJSIP") != 0 {
		t.Fatalf("--clean = %d %s%s, %d references left", code, out, errOut, emu.SubscriptionRefs("oldbot", "PJSIP"))
	}
	mustContain(t, "clean", out, "removed subscription references of oldbot (PJSIP: 3)")
	if strings.Contains(out, "not-the-password") {
		t.Fatal("password printed")
	}
}

// TestDoctorWithRunningDaemon tests channels through the daemon's API while
// it holds the store.
func TestDoctorWithRunningDaemon(t *testing.T) {
	emu := graphemu.New(graphemu.Options{})
	emuURL, err := emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	emu.AddNumber(graphemu.Number{PhoneNumberID: testPNID, WABAID: testWABA, Token: testMetaToken, VerifiedName: "Sales Ltd"})
	d := startDaemon(t, emuURL, &store.Channel{ID: "sales", Number: "+447911123456", PhoneNumberID: testPNID, WABAID: testWABA,
		AccessToken: testMetaToken, AppSecret: testAppSecret, VerifiedAt: time.Now()})
	t.Setenv("WACHAN_ADMIN_TOKEN", testAdminToken)
	code, out, errOut := wachan(t, "doctor", "--data-dir", d.dir, "--graph-url", emuURL, "--url", d.base)
	if code != 1 {
		t.Fatalf("doctor = %d (public_url is plain http, so it must fail): %s%s", code, out, errOut)
	}
	mustContain(t, "doctor", out,
		"ok   config: valid",
		"ok   store: locked by the running daemon, which answers "+d.base+"/healthz: fine",
		"WARN ari: ari_url is empty",
		"ok   channel sales (+447911123456) token: valid: Sales Ltd, quality GREEN",
		"ok   channel sales (+447911123456) webhook: verified by Meta",
		"FAIL public_url: http://127.0.0.1:8080 is not https",
	)
	for _, secret := range []string{testMetaToken, testAppSecret, testAdminToken} {
		if strings.Contains(out, secret) {
			t.Fatalf("doctor printed a secret:\n%s", out)
		}
	}

	emu.ExpireToken(testMetaToken)
	_, out, _ = wachan(t, "doctor", "--data-dir", d.dir, "--graph-url", emuURL, "--url", d.base)
	mustContain(t, "doctor", out, "FAIL channel sales (+447911123456) token: graph api error 190", "fix: The access token has expired")
}

// websocketDial connects an event websocket for app to the emulator.
func websocketDial(emu *ariemu.Server, app string) (*websocket.Conn, *http.Response, error) {
	return websocket.DefaultDialer.Dial("ws://"+emu.Addr()+"/ari/events?app="+app+"&api_key=ari:ari&subscribeAll=false", nil)
}

// ariPost issues an authenticated POST to the emulator's ARI.
func ariPost(t *testing.T, emu *ariemu.Server, path string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, emu.URL()+path, nil)
	req.SetBasicAuth("ari", "ari")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST %s: %d", path, resp.StatusCode)
	}
}
