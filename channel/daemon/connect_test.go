package daemon

import (
	"strings"
	"testing"

	"github.com/wachan/wachan/channel/graphemu"
)

type checkStep struct {
	Name, Status, Detail, Fix string
	Code                      int
}

type checkReport struct {
	OK, Fix, Connected bool
	VerifiedName       string `json:"verified_name"`
	Steps              []checkStep
}

func (r checkReport) step(t *testing.T, name string) checkStep {
	t.Helper()
	for _, s := range r.Steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no step %q in %+v", name, r)
	return checkStep{}
}

// Connect with a number Meta has not set up for wachan yet: the app is
// not subscribed to the WABA and the number is not registered. Test
// Connection reports both with their fixes and its result survives a
// restart; Connect subscribes the app, asks for the PIN, then registers
// the number and points its webhooks at wachan, and messages flow.
func TestConnect(t *testing.T) {
	t.Parallel()
	emu, h := startWithEmu(t, graphemu.Options{})
	cfg := h.cfg
	var ch map[string]any
	if code := h.do("POST", "/api/v1/channels", newChannelBody(), &ch); code != 201 {
		t.Fatalf("create = %d %v", code, ch)
	}
	id := ch["id"].(string)
	if err := emu.AddApp(graphemu.App{ID: "1234", Name: "Acme", Secret: appSecret}); err != nil {
		t.Fatal(err)
	}
	if err := emu.AddNumber(graphemu.Number{PhoneNumberID: pnid, WABAID: "102290129340398", DisplayPhoneNumber: "+44 7911 123456",
		VerifiedName: "Sales Ltd", Token: metaToken, AppID: "1234", Unregistered: true, PIN: "246810"}); err != nil {
		t.Fatal(err)
	}

	var tc struct {
		Connected bool
		Check     checkReport
	}
	if code := h.do("POST", "/api/v1/channels/"+id+"/test", nil, &tc); code != 200 || !tc.Connected || tc.Check.OK || tc.Check.Fix {
		t.Fatalf("test = %d %+v", code, tc)
	}
	if s := tc.Check.step(t, "subscription"); s.Status != "failed" || !strings.Contains(s.Fix, "Run Connect") {
		t.Fatalf("subscription = %+v", s)
	}
	if s := tc.Check.step(t, "registration"); s.Status != "failed" || !strings.Contains(s.Fix, "two-step verification PIN") {
		t.Fatalf("registration = %+v", s)
	}
	if emu.Subscribed("102290129340398", "1234") {
		t.Fatal("Test Connection changed something at Meta")
	}

	// The result is the channel's, across a restart.
	h.stop()
	h = start(t, cfg)
	var got struct{ Check checkReport }
	h.do("GET", "/api/v1/channels/"+id, nil, &got)
	if got.Check.VerifiedName != "Sales Ltd" || got.Check.step(t, "registration").Fix != tc.Check.step(t, "registration").Fix {
		t.Fatalf("after restart: %+v", got.Check)
	}

	// Connect without a PIN: subscribes, and asks for the PIN.
	var rep checkReport
	if code := h.do("POST", "/api/v1/channels/"+id+"/connect", nil, &rep); code != 200 || rep.OK || !rep.Fix {
		t.Fatalf("connect = %d %+v", code, rep)
	}
	if s := rep.step(t, "subscription"); s.Status != "fixed" || !emu.Subscribed("102290129340398", "1234") {
		t.Fatalf("subscription = %+v", s)
	}
	if s := rep.step(t, "registration"); s.Status != "failed" || !strings.Contains(s.Fix, "PIN") {
		t.Fatalf("registration = %+v", s)
	}
	var e struct{ Error struct{ Code, Field string } }
	if code := h.do("POST", "/api/v1/channels/"+id+"/connect", map[string]any{"pin": "12ab"}, &e); code != 422 || e.Error.Field != "pin" {
		t.Fatalf("bad PIN = %d %+v", code, e)
	}
	rep = checkReport{}
	h.do("POST", "/api/v1/channels/"+id+"/connect", map[string]any{"pin": "111111"}, &rep)
	if s := rep.step(t, "registration"); s.Status != "failed" || s.Code != 133005 {
		t.Fatalf("wrong PIN: %+v", s)
	}

	// With the PIN and the override: registered, and the number's
	// webhooks come to this channel's URL (Meta checks it first).
	rep = checkReport{}
	h.do("POST", "/api/v1/channels/"+id+"/connect", map[string]any{"pin": "246810", "override": true}, &rep)
	if s := rep.step(t, "registration"); s.Status != "fixed" || !strings.Contains(s.Detail, "CONNECTED") {
		t.Fatalf("registration = %+v", rep)
	}
	if s := rep.step(t, "webhook"); s.Status != "fixed" || !strings.Contains(s.Detail, "/webhook/"+id) {
		t.Fatalf("webhook = %+v", s)
	}
	_, body := emu.InboundText(pnid, "447700900001", "Ann", "hello")
	if code, err := emu.DeliverInbound(pnid, body); err != nil || code != 200 {
		t.Fatalf("inbound = %d %v", code, err)
	}
	h.waitStats(id, func(s stats) bool { return s.Received == 1 })
	if code := h.do("POST", "/api/v1/messages", map[string]any{"channel_id": id, "to": "447700900001", "text": "Hi"}, nil); code != 202 {
		t.Fatalf("send = %d", code)
	}
	h.waitStats(id, func(s stats) bool { return s.Read == 1 })
	// Test Connection now passes every step (the override's handshake
	// verified the channel's URL), and replaces the kept report.
	h.do("POST", "/api/v1/channels/"+id+"/test", nil, nil)
	var now struct{ Check checkReport }
	h.do("GET", "/api/v1/channels/"+id, nil, &now)
	if !now.Check.OK || now.Check.Fix || len(now.Check.Steps) != 5 {
		t.Fatalf("after Connect: %+v", now.Check)
	}
}
