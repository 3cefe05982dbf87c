package handoff

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/pbx"
	"github.com/wachan/wachan/pbx/asterisk"
)

// serve runs a gate's hand-off on a real fiber server over loopback.
func serve(t *testing.T) (base string, got chan pbx.TextMessage, g *Gate) {
	t.Helper()
	got = make(chan pbx.TextMessage, 100)
	log := slog.New(slog.DiscardHandler)
	g = New(func(m pbx.TextMessage) { got <- m }, "wa-", log)
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: api.ErrorHandler(log)})
	g.Register(app, "s3cret")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.Shutdown() })
	return "http://" + ln.Addr().String(), got, g
}

func post(t *testing.T, base, pass string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+asterisk.HandoffPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(asterisk.HandoffUser, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func form(callID, body string) url.Values {
	return url.Values{"from": {"<sip:1001@127.0.0.1>"}, "to": {"pjsip:wa-1-447700900001@127.0.0.1"},
		"call_id": {callID}, "cseq": {"7 MESSAGE"}, "length": {fmt.Sprint(len(body))}, "body": {body}}
}

func TestHandoffDeliversOnce(t *testing.T) {
	base, got, g := serve(t)
	if code, body := post(t, base, "s3cret", form("c1", "hello, ünïcode")); code != 200 || body != asterisk.HandoffAccepted {
		t.Fatalf("%d %q", code, body)
	}
	// The ARI copy of the same request is dropped, another request is not.
	g.Deliver(pbx.TextMessage{ID: "c1 7 MESSAGE", From: "1001", To: "wa-1-447700900001", Body: "hello, ünïcode"})
	g.Deliver(pbx.TextMessage{ID: "c2 7 MESSAGE", From: "1001", To: "wa-1-447700900001", Body: "second"})
	// Later requests reuse fiber's buffers; the first body must survive.
	for i := range 20 {
		post(t, base, "s3cret", form(fmt.Sprint("x", i), strings.Repeat("z", 900)))
	}
	m := <-got
	if m.Body != "hello, ünïcode" || m.From != "1001" || m.To != "wa-1-447700900001" || m.ID != "c1 7 MESSAGE" {
		t.Fatalf("first %+v", m)
	}
	if m := <-got; m.Body != "second" {
		t.Fatalf("second %+v", m)
	}
	if n := len(got); n != 20 {
		t.Fatalf("%d more messages, want 20", n)
	}
}

func TestHandoffRefusals(t *testing.T) {
	base, got, _ := serve(t)
	for _, tc := range []struct {
		name, pass string
		form       url.Values
		code       int
	}{
		{"wrong secret", "nope", form("a", "x"), 401},
		{"not a channel address", "s3cret", url.Values{"from": {"<sip:1001@h>"}, "to": {"pjsip:1002@h"}, "body": {"x"}}, 422},
		{"no sender", "s3cret", url.Values{"to": {"pjsip:wa-1-1@h"}, "body": {"x"}}, 422},
		{"too large", "s3cret", form("b", strings.Repeat("x", maxForm)), 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := post(t, base, tc.pass, tc.form); code != tc.code || body == asterisk.HandoffAccepted {
				t.Fatalf("%d %q", code, body)
			}
		})
	}
	if len(got) != 0 {
		t.Fatalf("%d messages delivered", len(got))
	}
}
