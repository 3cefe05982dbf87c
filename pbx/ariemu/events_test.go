package ariemu

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// readLines returns the frames of an events-*.jsonl fixture.
func readLines(t *testing.T, name string) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	return out
}

// next reads one frame or fails.
func next(t *testing.T, c *websocket.Conn) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(time.Minute))
	typ, data, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("reading event: %v", err)
	}
	if typ != websocket.TextMessage {
		t.Fatalf("frame type %d", typ)
	}
	return data
}

// field extracts a dotted path from a JSON event.
func field(t *testing.T, data []byte, path string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// sameFields checks the listed fields are equal in want and got.
func sameFields(t *testing.T, want, got []byte, paths ...string) {
	t.Helper()
	for _, p := range paths {
		w, g := field(t, want, p), field(t, got, p)
		wj, _ := json.Marshal(w)
		gj, _ := json.Marshal(g)
		if !bytes.Equal(wj, gj) {
			t.Fatalf("%s is %s, want %s", p, gj, wj)
		}
	}
}

// checkTimestamp checks Asterisk's timestamp layout.
func checkTimestamp(t *testing.T, data []byte) {
	t.Helper()
	ts, _ := field(t, data, "timestamp").(string)
	if _, err := time.Parse("2006-01-02T15:04:05.000-0700", ts); err != nil || !strings.HasSuffix(ts, "+0000") {
		t.Fatalf("timestamp %q: %v", ts, err)
	}
}

func TestTextMessageEvents(t *testing.T) {
	lines := readLines(t, "events-text-from-agent.jsonl")
	e := newEnv(t)
	e.register("1001")
	c := e.connect("wachan", "a")
	e.subscribe("wachan", "endpoint:PJSIP")
	for i, line := range lines {
		body := field(t, line, "message.body").(string)
		if code := e.s.PhoneSend("1001", "wa-447700900001", body); code != http.StatusAccepted {
			t.Fatalf("SIP answer %d", code)
		}
		got := next(t, c)
		sameShape(t, "line "+strconv.Itoa(i+1), lines[i], got)
		sameFields(t, lines[i], got, "type", "endpoint", "message.from", "message.to", "message.body",
			"message.variables.PJSIP_TRANSPORT", "message.variables.To", "message.variables.Content-Type",
			"message.variables.Content-Length", "asterisk_id", "application")
		checkTimestamp(t, got)
		if bytes.Contains(got, []byte(`\u003c`)) || !bytes.Contains(got, []byte(body)) {
			t.Fatalf("escaping differs from Asterisk: %s", got)
		}
	}
}

func TestOversizeBodies(t *testing.T) {
	lines := readLines(t, "events-text-from-agent-oversize.jsonl")
	e := newEnv(t)
	e.register("1001")
	c := e.connect("wachan", "a")
	e.subscribe("wachan", "endpoint:PJSIP")
	for i, line := range lines {
		n, _ := strconv.Atoi(field(t, line, "message.variables.Content-Length").(string))
		body := field(t, line, "message.body").(string)
		if body == "" { // emptied by Asterisk: send that many bytes
			body = strings.Repeat("abcdefghij", n/10+1)[:n]
			if i == len(lines)-1 { // 1025 bytes ending in an emoji
				body = body[:n-4] + "👋"
			}
		}
		if code := e.s.PhoneSend("1001", "wa-447700900001", body); code != http.StatusAccepted {
			t.Fatalf("SIP answer %d", code)
		}
		got := next(t, c)
		sameShape(t, "line "+strconv.Itoa(i+1), line, got, "variables")
		sameFields(t, line, got, "message.body", "message.variables.Content-Length")
	}
}

func TestContentTypes(t *testing.T) {
	lines := readLines(t, "events-text-content-types.jsonl")
	e := newEnv(t)
	e.register("1001")
	c := e.connect("wachan", "a")
	e.subscribe("wachan", "endpoint:PJSIP")
	tests := []struct {
		ctype, body string
		want        int
	}{
		{"text/html", "<b>x</b>", 415},
		{"application/json", "{}", 415},
		{"text/plain;charset=UTF-8", "ct text/plain;charset=UTF-8 Grüße", 202},
		{"text/plain", "", 202},
	}
	for _, tt := range tests {
		if got := e.s.PhoneSendType("1001", "wa-447700900001", tt.ctype, tt.body); got != tt.want {
			t.Fatalf("%s: SIP answer %d, want %d", tt.ctype, got, tt.want)
		}
	}
	for i := range 2 {
		got := next(t, c)
		sameShape(t, "line "+strconv.Itoa(i+1), lines[i], got, "variables")
		sameFields(t, lines[i], got, "message.body", "message.variables.Content-Type", "message.variables.Content-Length")
	}
}

func TestRegistrationEvents(t *testing.T) {
	lines := readLines(t, "events-registration.jsonl")
	e := newEnv(t)
	c := e.connect("wachan", "a")
	e.subscribe("wachan", "endpoint:PJSIP")
	e.register("1003")
	e.register("1003") // a refresh emits nothing
	e.s.Unregister("1003")
	var contact any
	for i := range 6 {
		got := next(t, c)
		sameShape(t, "line "+strconv.Itoa(i+1), lines[i], got)
		sameFields(t, lines[i], got, "type", "endpoint", "peer", "contact_info.contact_status",
			"contact_info.aor", "contact_info.roundtrip_usec", "asterisk_id", "application")
		checkTimestamp(t, got)
		if uri := field(t, got, "contact_info.uri"); uri != nil {
			if contact != nil && uri != contact {
				t.Fatalf("contact changed from %v to %v", contact, uri)
			}
			contact = uri
		}
	}
	if s, _ := contact.(string); !strings.HasPrefix(s, "sip:1003-0x") {
		t.Fatalf("contact uri %v", contact)
	}
}

func TestDuplicateSubscriptions(t *testing.T) {
	lines := readLines(t, "events-duplicate-subscriptions.jsonl")
	e := newEnv(t)
	e.register("1001")
	c := e.connect("wachan", "a")
	e.subscribe("wachan", "endpoint:PJSIP", "endpoint:PJSIP/1001", "endpoint:PJSIP/1003")
	e.s.PhoneSend("1001", "wa-447700900001", "tech + endpoint subscribed: how many events")
	e.register("1003")
	e.s.Unregister("1003")
	for i := 0; i < len(lines); i += 2 {
		a, b := next(t, c), next(t, c)
		if !bytes.Equal(a, b) {
			t.Fatalf("lines %d and %d differ:\n%s\n%s", i+1, i+2, a, b)
		}
		sameShape(t, "line "+strconv.Itoa(i+1), lines[i], a, "variables")
		sameFields(t, lines[i], a, "type", "endpoint")
	}
}

func TestApplicationReplacedEvents(t *testing.T) {
	lines := readLines(t, "events-application-replaced.jsonl")
	second := readLines(t, "events-application-replaced-second-connection.jsonl")
	e := newEnv(t)
	e.register("1001")
	a := e.connect("wachan", "a")
	e.subscribe("wachan", "endpoint:PJSIP")
	b := e.connect("wachan", "b")
	got := next(t, a)
	sameShape(t, "replaced", lines[0], got)
	sameFields(t, lines[0], got, "type", "application", "asterisk_id")
	if !bytes.HasPrefix(got, []byte(`{"type":"ApplicationReplaced","timestamp":"`)) {
		t.Fatalf("key order: %s", got)
	}
	e.s.PhoneSend("1001", "wa-447700900001", "after replace: who gets this?")
	got = next(t, b)
	sameShape(t, "second connection", second[0], got, "variables")
	// A stays open but gets nothing: the next thing it sees is the EOF of
	// a restart, not a frame.
	e.restart()
	a.SetReadDeadline(time.Now().Add(time.Minute))
	if _, data, err := a.ReadMessage(); err == nil {
		t.Fatalf("replaced socket received %s", data)
	}
}

func TestRestartIsPlainEOF(t *testing.T) {
	if lines := readLines(t, "events-asterisk-restart.jsonl"); len(lines) != 0 {
		t.Fatalf("fixture has %d lines", len(lines))
	}
	e := newEnv(t)
	e.register("1001")
	c := e.connect("wachan", "a")
	e.subscribe("wachan", "endpoint:PJSIP")
	e.restart()
	c.SetReadDeadline(time.Now().Add(time.Minute))
	_, _, err := c.ReadMessage()
	// gorilla reports a missing close frame as the synthetic code 1006.
	var ce *websocket.CloseError
	if err == nil || (errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure) {
		t.Fatalf("want EOF without close frame, got %v", err)
	}
	// Forgotten apps, kept registrations.
	e.rest(http.MethodGet, "/applications/wachan", 404)
	if !strings.Contains(string(e.rest(http.MethodGet, "/endpoints/PJSIP/1001", 200)), `"online"`) {
		t.Fatal("registration lost in restart")
	}
}

// routingCase is one case of events-message-routing.notes.json.
type routingCase struct {
	Case          string   `json:"case"`
	RequestURI    string   `json:"request_uri"`
	Body          string   `json:"body"`
	Subscriptions []string `json:"app_wachan_subscriptions"`
	Connected     bool     `json:"websocket_connected"`
	Final         string   `json:"final_sip_response_to_sender"`
	Events        int      `json:"ari_events_received"`
	Lines         []int    `json:"ari_event_line_numbers"`
}

func TestMessageRouting(t *testing.T) {
	data, err := readFixture("events-message-routing.notes.json")
	if err != nil {
		t.Fatal(err)
	}
	var notes struct {
		Cases []routingCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &notes); err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, "events-message-routing.jsonl")
	for _, rc := range notes.Cases {
		t.Run(rc.Case, func(t *testing.T) {
			e := newEnv(t)
			e.register("1001", "1002")
			c := e.connect("wachan", "a")
			e.subscribe("wachan", rc.Subscriptions...)
			// A sentinel subscription keeps the app alive while closed.
			if !rc.Connected {
				e.closeWS("a", "wachan", len(rc.Subscriptions) > 0)
			}
			user := strings.TrimPrefix(strings.SplitN(rc.RequestURI, "@", 2)[0], "sip:")
			want, _ := strconv.Atoi(strings.Fields(rc.Final)[1])
			if got := e.s.PhoneSend("1001", user, rc.Body); got != want {
				t.Fatalf("SIP answer %d, want %d", got, want)
			}
			// Register 1003 unsubscribed... use a sentinel message from a
			// tech subscription to prove no event preceded it.
			if !rc.Connected {
				return
			}
			e.subscribe("wachan", "endpoint:PJSIP/1003")
			e.register("1003")
			var got [][]byte
			for {
				f := next(t, c)
				if field(t, f, "type") == "EndpointStateChange" {
					break
				}
				got = append(got, f)
			}
			if len(got) != rc.Events {
				t.Fatalf("%d events, want %d", len(got), rc.Events)
			}
			for i, ln := range rc.Lines {
				sameShape(t, "event", lines[ln-1], got[i], "variables")
				sameFields(t, lines[ln-1], got[i], "message.from", "message.to", "message.body", "endpoint")
			}
		})
	}
}

func TestWaitInbox(t *testing.T) {
	e := newEnv(t)
	e.register("1002")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := e.s.WaitInbox(ctx, "1002", 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("empty inbox: %v", err)
	}
	e.rest(http.MethodPut, "/endpoints/PJSIP/1002/sendMessage?from=wa-1&body=hi", 202)
	got, err := e.s.WaitInbox(context.Background(), "1002", 1)
	if err != nil || got[0].Body != "hi" || got[0].From != "<sip:wa-1@127.0.0.1>" {
		t.Fatalf("%+v %v", got, err)
	}
}
