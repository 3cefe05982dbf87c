package asterisk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wachan/wachan/pbx"
)

// ariLines returns every recorded event frame.
func ariLines(tb testing.TB) [][]byte {
	tb.Helper()
	files, err := filepath.Glob("../../testdata/ari/events-*.jsonl")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no recorded events: %v", err)
	}
	var out [][]byte
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			out = append(out, bytes.Clone(sc.Bytes()))
		}
		f.Close()
	}
	return out
}

// recordedMessage is the message part of a recorded TextMessageReceived.
type recordedMessage struct {
	Endpoint struct{ Resource string } `json:"endpoint"`
	Message  struct {
		From, To, Body string
	} `json:"message"`
}

// recordedTexts returns the recorded TextMessageReceived events.
func recordedTexts(tb testing.TB) []recordedMessage {
	var out []recordedMessage
	for _, l := range ariLines(tb) {
		if !bytes.Contains(l, []byte(`"TextMessageReceived"`)) {
			continue
		}
		var m recordedMessage
		if err := json.Unmarshal(l, &m); err != nil {
			tb.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// checkUser fails when u could break a SIP header or name-addr.
func checkUser(t *testing.T, in, u string) {
	t.Helper()
	if strings.ContainsAny(u, "\r\n\x00\"<>\\@ \t") {
		t.Fatalf("userPart(%q) = %q holds a forbidden character", in, u)
	}
	for _, r := range u {
		if r < 0x21 || r > 0x7e {
			t.Fatalf("userPart(%q) = %q holds %U", in, u, r)
		}
	}
}

var (
	cleanUser = regexp.MustCompile(`^[A-Za-z0-9_.+-]{1,40}$`)
	cleanHost = regexp.MustCompile(`^[A-Za-z0-9.-]{1,40}(:[0-9]{1,5})?$`)
)

// quote renders s as a SIP quoted-string.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// FuzzSIPAddress builds From/To values the way phones and Asterisk write
// them, with hostile display names and parameters, and checks that the
// user comes out exactly; on any other input the result stays harmless.
func FuzzSIPAddress(f *testing.F) {
	for _, m := range recordedTexts(f) {
		f.Add(m.Message.From, "1001", "127.0.0.1", "", uint8(0))
		f.Add(m.Message.To, "wa-447700900001", "127.0.0.1", "", uint8(3))
	}
	for _, s := range []string{
		`"Ann <sip:evil@x>" <sip:1001@127.0.0.1>`,
		`"A\"<b>" <sip:1001@h>;tag=1`,
		"\"x\r\nVia: y\" <sip:1001@h>",
		`Ann Smith <sip:1001@h:5060;transport=udp>`,
		`"unterminated <sip:1001@h>`,
		`<sip:wa-1-447700900001@127.0.0.1;user=phone>;tag=abc`,
		`pjsip:sip:wa-1@127.0.0.1`,
	} {
		f.Add(s, "1001", "h", "tag=1", uint8(1))
	}
	f.Fuzz(func(t *testing.T, display, user, host, params string, form uint8) {
		// Any input: a harmless result.
		checkUser(t, display, userPart(display))

		if !cleanUser.MatchString(user) || !cleanHost.MatchString(host) {
			return
		}
		params = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '=' || r == '.' {
				return r
			}
			return -1
		}, params)
		uri := "sip:" + user + "@" + host
		if params != "" {
			uri += ";" + params
		}
		var addr string
		switch form % 7 {
		case 0:
			addr = quote(display) + " <" + uri + ">;tag=" + params
		case 1:
			addr = quote(display) + "<" + uri + ">"
		case 2:
			// An unquoted display name is a run of tokens.
			name := strings.Join(strings.FieldsFunc(display, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
			}), " ")
			addr = name + " <" + uri + ">"
		case 3:
			addr = "pjsip:" + user + "@" + host
		case 4:
			addr = "<" + uri + ">"
		case 5:
			addr = uri
		case 6:
			addr = "pjsip:" + uri
		}
		if got := userPart(addr); got != user {
			t.Fatalf("userPart(%q) = %q, want %q", addr, got, user)
		}
	})
}

// FuzzTextMessageEvent sends TextMessageReceived events with fuzzed
// addresses and bodies through the adapter: a message reaches OnMessage
// only for a channel address, with a harmless sender and recipient and the
// body unchanged.
func FuzzTextMessageEvent(f *testing.F) {
	for _, m := range recordedTexts(f) {
		f.Add(m.Endpoint.Resource, m.Message.From, m.Message.To, m.Message.Body, "")
	}
	f.Add("", "\"Evil\r\n\" <sip:1001@h>", "pjsip:wa-1-4477@127.0.0.1", "hi\r\nthere", "5")
	f.Add("1001", "<sip:1001@h>", "pjsip:wa-1\r\nX: y@127.0.0.1", "", "1500")
	f.Add("1001\r\n", "<sip:1002@h>", "<sip:wa-1@h>", "x", "-1")
	f.Fuzz(func(t *testing.T, resource, from, to, body, cl string) {
		frame, err := json.Marshal(map[string]any{
			"type":      "TextMessageReceived",
			"timestamp": "2026-11-22T18:07:24.151+0000",
			"endpoint":  map[string]any{"technology": "PJSIP", "resource": resource, "state": "online"},
			"message": map[string]any{
				"from": from, "to": to, "body": body,
				"variables": map[string]string{"Content-Length": cl},
			},
		})
		if err != nil {
			return // not representable as JSON text
		}
		var got []pbx.TextMessage
		a := New(Options{App: "wachan", OnMessage: func(m pbx.TextMessage) { got = append(got, m) }})
		if err := a.handle(frame); err != nil {
			t.Fatalf("handle: %v", err)
		}
		if err := a.handle(frame); err != nil || len(got) > 1 {
			t.Fatalf("duplicate frame: %v, %d messages", err, len(got))
		}
		if len(got) == 0 {
			return
		}
		m := got[0]
		checkUser(t, to, m.To)
		checkUser(t, from, m.From)
		if !strings.HasPrefix(m.To, "wa-") || m.From == "" {
			t.Fatalf("message %+v passed on", m)
		}
		// JSON text carries invalid UTF-8 as U+FFFD.
		want := body
		if !utf8.ValidString(body) {
			b, _ := json.Marshal(body)
			json.Unmarshal(b, &want)
		}
		if m.Body != want || (m.Oversize && m.Body != "") {
			t.Fatalf("body %q became %+v", body, m)
		}
		if m.Time.IsZero() {
			t.Fatal("no time")
		}
	})
}

// FuzzEventDecode feeds arbitrary frames, seeded with every recorded one:
// handle never panics, ends the session only for ApplicationReplaced, and
// reports endpoints and messages only with harmless names.
func FuzzEventDecode(f *testing.F) {
	for _, l := range ariLines(f) {
		f.Add(l)
	}
	f.Add([]byte(`{"type":"EndpointStateChange","endpoint":{"technology":"pjsip","resource":"10\r\n01","state":"online"}}`))
	f.Add([]byte(`{"type":"TextMessageReceived","message":{"from":"\"a<sip:x@y>\" <sip:1001@h>","to":"pjsip:wa-1@h"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var msgs []pbx.TextMessage
		var eps []pbx.EndpointState
		a := New(Options{
			App:        "wachan",
			OnMessage:  func(m pbx.TextMessage) { msgs = append(msgs, m) },
			OnEndpoint: func(s pbx.EndpointState) { eps = append(eps, s) },
		})
		err := a.handle(data)
		var head struct{ Type string }
		decoded := json.Unmarshal(data, &head) == nil
		if replaced := errors.Is(err, ErrReplaced); replaced != (decoded && head.Type == "ApplicationReplaced") {
			t.Fatalf("handle = %v for type %q", err, head.Type)
		}
		if err != nil && !errors.Is(err, ErrReplaced) {
			t.Fatalf("handle = %v", err)
		}
		if len(msgs)+len(eps) > 1 {
			t.Fatalf("one frame gave %d messages and %d endpoints", len(msgs), len(eps))
		}
		for _, m := range msgs {
			checkUser(t, string(data), m.To)
			if m.Oversize && m.Body != "" {
				t.Fatalf("oversize with a body: %+v", m)
			}
		}
		for _, e := range eps {
			if e.Ext == "" {
				t.Fatalf("endpoint without a name: %+v", e)
			}
		}
		// A byte-identical copy is dropped.
		n := len(msgs) + len(eps)
		if err := a.handle(data); err != nil || len(msgs)+len(eps) != n {
			t.Fatalf("duplicate frame handled again: %v", err)
		}
	})
}

// FuzzHandoffMessage feeds arbitrary hand-off forms, seeded with the
// recorded messages: a message is passed on only for a channel address and
// a usable sender, with harmless names and the body unchanged.
func FuzzHandoffMessage(f *testing.F) {
	for _, m := range recordedTexts(f) {
		f.Add(m.Message.From, m.Message.To, "5f0a1c", "1001 MESSAGE", strconv.Itoa(len(m.Message.Body)), m.Message.Body)
	}
	f.Add("\"Evil\r\n\" <sip:1001@h>", "pjsip:wa-1-4477@127.0.0.1", "", "1 MESSAGE", "x", "hi\r\nthere")
	f.Add("<sip:1001@h>", "pjsip:wa-1\r\nX: y@127.0.0.1", "c", "", "1500", "")
	f.Fuzz(func(t *testing.T, from, to, callID, cseq, length, body string) {
		m, err := HandoffMessage(HandoffForm{From: from, To: to, CallID: callID, CSeq: cseq, Length: length, Body: body}, "wa-", time.Now())
		if err != nil {
			return
		}
		checkUser(t, to, m.To)
		checkUser(t, from, m.From)
		if !strings.HasPrefix(m.To, "wa-") || m.From == "" || m.Body != body || (m.Oversize && body != "") {
			t.Fatalf("message %+v passed on", m)
		}
		if (m.ID == "") != (strings.TrimSpace(callID) == "" || strings.TrimSpace(cseq) == "") {
			t.Fatalf("ID %q from %q %q", m.ID, callID, cseq)
		}
	})
}
