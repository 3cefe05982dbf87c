package ingest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

const secret = "app-secret-for-tests"

type env struct {
	t       testing.TB
	dir     string
	store   *store.Store
	proc    *Processor
	handler *Handler
	base    string
	app     *fiber.App
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newEnv starts a real fiber server on loopback over a real bbolt file.
func newEnv(t testing.TB, dir string) *env {
	t.Helper()
	st, err := store.Open(dir, store.Options{}, discard())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: dir, store: st}
	e.proc = NewProcessor(st, discard(), Hooks{})
	e.app = fiber.New(fiber.Config{BodyLimit: MaxBody, DisableStartupMessage: true})
	e.handler = NewHandler(st, discard(), nil)
	e.handler.Register(e.app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.app.Listener(ln)
	e.base = "http://" + ln.Addr().String()
	t.Cleanup(e.close)
	return e
}

func (e *env) close() {
	if e.app != nil {
		e.app.Shutdown()
		e.app = nil
	}
	if e.store != nil {
		e.store.Close()
		e.store = nil
	}
}

func (e *env) addChannel(id, pnid string) {
	e.t.Helper()
	err := e.store.Update(func(tx *store.Tx) error {
		return tx.PutChannel(&store.Channel{ID: id, PhoneNumberID: pnid, AppSecret: secret, VerifyToken: "verify-token-0123456789abcdef0123"})
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) post(channel string, body []byte, sig string) int {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.base+"/webhook/"+channel, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(wa.SignatureHeader, sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (e *env) postSigned(channel string, body []byte) {
	e.t.Helper()
	if code := e.post(channel, body, wa.Sign(secret, body)); code != 200 {
		e.t.Fatalf("POST status = %d, want 200", code)
	}
}

func (e *env) drain() {
	e.t.Helper()
	for {
		n, err := e.proc.Drain()
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func (e *env) counts(channel string) store.Counts {
	e.t.Helper()
	var c store.Counts
	if err := e.store.View(func(tx *store.Tx) (err error) {
		c, err = tx.SumCounts(channel, time.Time{}, time.Time{}, time.UTC)
		return
	}); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func textBody(pnid, wamid, from, text string, ts int64) []byte {
	return fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":%q},"contacts":[{"profile":{"name":"Ann"},"wa_id":%q}],"messages":[{"from":%q,"id":%q,"timestamp":"%d","type":"text","text":{"body":%s}}]}}]}]}`,
		pnid, from, from, wamid, ts, jsonString(text))
}

func statusBody(pnid, wamid, status string, ts int64) []byte {
	errs := ""
	if status == "failed" {
		errs = `,"errors":[{"code":131026,"title":"Message undeliverable","error_data":{"details":"Receiver is incapable"}}]`
	}
	return fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":%q},"statuses":[{"id":%q,"status":%q,"timestamp":"%d","recipient_id":"447700900001"%s}]}}]}]}`,
		pnid, wamid, status, ts, errs)
}

// jsonString encodes s escaping non-ASCII as \uXXXX, as Meta does.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r > 0x7e:
			if r > 0xffff {
				r -= 0x10000
				fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestVerifyHandshake(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addChannel("c1", "PN1")
	tests := []struct {
		name, channel, mode, token string
		want                       int
		body                       string
	}{
		{"ok", "c1", "subscribe", "verify-token-0123456789abcdef0123", 200, "1158201444"},
		{"wrong token", "c1", "subscribe", "nope", 403, ""},
		{"empty token", "c1", "subscribe", "", 403, ""},
		{"wrong mode", "c1", "unsubscribe", "verify-token-0123456789abcdef0123", 403, ""},
		{"unknown channel", "zz", "subscribe", "verify-token-0123456789abcdef0123", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{"hub.mode": {tt.mode}, "hub.verify_token": {tt.token}, "hub.challenge": {"1158201444"}}
			resp, err := http.Get(e.base + "/webhook/" + tt.channel + "?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == 200 && string(b) != tt.body {
				t.Fatalf("body = %q, want bare challenge %q", b, tt.body)
			}
		})
	}
	e.store.View(func(tx *store.Tx) error {
		ch, _ := tx.Channel("c1")
		if ch.VerifiedAt.IsZero() {
			t.Error("successful verification not recorded")
		}
		return nil
	})
}

func TestPostRefusals(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addChannel("c1", "PN1")
	body := textBody("PN1", "wamid.A", "447700900001", "hi", 1763830000)
	tests := []struct {
		name, channel string
		body          []byte
		sig           string
		want          int
	}{
		{"no signature", "c1", body, "", 401},
		{"wrong secret", "c1", body, wa.Sign("other", body), 401},
		{"signature of another body", "c1", body, wa.Sign(secret, []byte("{}")), 401},
		{"malformed header", "c1", body, "sha1=abc", 401},
		{"unknown channel", "nochannel", body, wa.Sign(secret, body), 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.post(tt.channel, tt.body, tt.sig); got != tt.want {
				t.Fatalf("status = %d, want %d", got, tt.want)
			}
		})
	}
	var n int
	e.store.View(func(tx *store.Tx) error { n = tx.JournalLen(); return nil })
	if n != 0 {
		t.Fatalf("refused requests journaled %d entries", n)
	}
}

func TestEscapedEmojiSignatureAndText(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addChannel("c1", "PN1")
	text := "Grüße 👋 你好"
	body := textBody("PN1", "wamid.E", "447700900001", text, 1763830000)
	if !bytes.Contains(body, []byte(`\ud83d\udc4b`)) {
		t.Fatalf("test body is not \\u-escaped: %s", body)
	}
	e.postSigned("c1", body)
	// The same content signed over re-encoded (unescaped) bytes must fail.
	var v any
	json.Unmarshal(body, &v)
	reencoded, _ := json.Marshal(v)
	if e.post("c1", body, wa.Sign(secret, reencoded)) != 401 {
		t.Fatal("signature over re-encoded JSON accepted")
	}
	e.drain()
	e.store.View(func(tx *store.Tx) error {
		id, err := tx.MessageIDByWAMID("c1", "wamid.E")
		if err != nil {
			t.Fatal(err)
		}
		m, _ := tx.Message(id)
		if m.Text != text {
			t.Fatalf("stored text = %q, want %q", m.Text, text)
		}
		return nil
	})
}

func TestDuplicateRedeliveryCountedOnce(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addChannel("c1", "PN1")
	body := textBody("PN1", "wamid.D", "447700900001", "hello", 1763830000)
	for range 3 {
		e.postSigned("c1", body)
	}
	e.drain()
	e.postSigned("c1", body) // redelivered after processing
	e.drain()
	if c := e.counts("c1"); c.Received != 1 {
		t.Fatalf("received = %d, want 1", c.Received)
	}
	e.store.View(func(tx *store.Tx) error {
		if n := tx.MessageCount(); n != 1 {
			t.Fatalf("messages = %d, want 1", n)
		}
		c, err := tx.Customer("c1", "447700900001")
		if err != nil || c.Name != "Ann" {
			t.Fatalf("customer = %+v, %v", c, err)
		}
		return nil
	})
}

func TestOtherPhoneNumberKeptUnrouted(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addChannel("c1", "PN1")
	e.postSigned("c1", textBody("PN-OTHER", "wamid.O", "447700900001", "hi", 1763830000))
	e.drain()
	if c := e.counts("c1"); c.Received != 0 {
		t.Fatalf("received = %d, want 0", c.Received)
	}
	if u := e.unrouted(); len(u) != 1 || u[0].PhoneNumberID != "PN-OTHER" || u[0].Via != "c1" {
		t.Fatalf("unrouted = %+v", u)
	}
}

func addOutbound(t *testing.T, st *store.Store, channel, wamid string, at time.Time) {
	t.Helper()
	addOutboundAs(t, st, channel, wamid, "sent", at)
}

// addOutboundAs stores a send the outbox finished, now in status.
func addOutboundAs(t *testing.T, st *store.Store, channel, wamid, status string, at time.Time) {
	t.Helper()
	err := st.Update(func(tx *store.Tx) error {
		if _, err := tx.AddMessage(&store.Message{ChannelID: channel, Direction: store.Outbound, WAMID: wamid, Type: "text", Status: status, Timestamp: at}); err != nil {
			return err
		}
		return tx.AddCounts(channel, at, store.Counts{Sent: 1, SentOK: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStatusesOneWay(t *testing.T) {
	sent := time.Unix(1763830000, 0)
	tests := []struct {
		name       string
		initial    string // the message's status before the webhooks; "" is sent
		seq        []string
		wantStatus string
		want       store.Counts
	}{
		{"in order", "", []string{"sent", "delivered", "read"}, "read", store.Counts{Sent: 1, SentOK: 1, Delivered: 1, Read: 1}},
		{"read before delivered", "", []string{"read", "delivered", "sent"}, "read", store.Counts{Sent: 1, SentOK: 1, Delivered: 1, Read: 1}},
		{"read without delivered", "", []string{"read"}, "read", store.Counts{Sent: 1, SentOK: 1, Delivered: 1, Read: 1}},
		{"repeated delivered", "", []string{"delivered", "delivered"}, "delivered", store.Counts{Sent: 1, SentOK: 1, Delivered: 1}},
		{"failed terminal", "", []string{"failed", "delivered", "read"}, "failed", store.Counts{Sent: 1, SentFailed: 1}},
		{"played after read", "", []string{"read", "played"}, "played", store.Counts{Sent: 1, SentOK: 1, Delivered: 1, Read: 1}},
		{"failed straight from accepted", "accepted", []string{"failed"}, "failed", store.Counts{Sent: 1, SentFailed: 1}},
		{"unranked status kept aside", "", []string{"delivered", "deleted"}, "delivered", store.Counts{Sent: 1, SentOK: 1, Delivered: 1}},
		{"failed after accepted and sent", "accepted", []string{"sent", "failed", "read"}, "failed", store.Counts{Sent: 1, SentFailed: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, t.TempDir())
			e.addChannel("c1", "PN1")
			addOutboundAs(t, e.store, "c1", "wamid.OUT", cmp.Or(tt.initial, "sent"), sent)
			for i, s := range tt.seq {
				e.postSigned("c1", statusBody("PN1", "wamid.OUT", s, sent.Unix()+int64(10*(i+1))))
			}
			e.drain()
			if got := e.counts("c1"); got != tt.want {
				t.Fatalf("counts = %+v, want %+v", got, tt.want)
			}
			e.store.View(func(tx *store.Tx) error {
				id, _ := tx.MessageIDByWAMID("c1", "wamid.OUT")
				m, _ := tx.Message(id)
				if m.Status != tt.wantStatus {
					t.Fatalf("status = %q, want %q", m.Status, tt.wantStatus)
				}
				if n := len(m.Trail); slices.Contains(tt.seq, "deleted") && (n != 2 || m.Trail[1].Status != "deleted") {
					t.Fatalf("trail = %+v, want the unranked status after delivered", m.Trail)
				}
				if tt.wantStatus == "failed" && (m.Error == nil || m.Error.Code != 131026 || m.Error.Details == "") {
					t.Fatalf("failed error = %+v", m.Error)
				}
				return nil
			})
		})
	}
}

// TestCrashBetweenAckAndProcessing acknowledges bodies, closes the store
// before any processing (as a crash would leave it), reopens and replays.
func TestCrashBetweenAckAndProcessing(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, dir)
	e.addChannel("c1", "PN1")
	for i := range 20 {
		e.postSigned("c1", textBody("PN1", fmt.Sprintf("wamid.C%d", i), "447700900001", "m", 1763830000+int64(i)))
	}
	e.postSigned("c1", textBody("PN1", "wamid.C3", "447700900001", "m", 1763830003)) // a redelivery in the journal
	e.close()

	e2 := newEnv(t, dir)
	var pending int
	e2.store.View(func(tx *store.Tx) error { pending = tx.JournalLen(); return nil })
	if pending != 21 {
		t.Fatalf("journal after restart = %d, want 21", pending)
	}
	e2.drain()
	e2.drain()
	if c := e2.counts("c1"); c.Received != 20 {
		t.Fatalf("received after replay = %d, want 20", c.Received)
	}
	e2.close()
	e3 := newEnv(t, dir)
	e3.drain()
	if c := e3.counts("c1"); c.Received != 20 {
		t.Fatalf("received after second restart = %d, want 20", c.Received)
	}
}

func TestUnparsableSignedBodyKept(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addChannel("c1", "PN1")
	e.postSigned("c1", []byte(`not json at all`))
	e.drain()
	e.store.View(func(tx *store.Tx) error {
		evs, _ := tx.Events("c1", 10)
		if len(evs) != 1 || evs[0].Kind != "unparsed" || !strings.Contains(string(evs[0].Raw), "not json") {
			t.Fatalf("events = %+v", evs)
		}
		return nil
	})
}

// TestEveryFixture posts every recorded webhook body, signed, to a channel
// of its own for its phone number id and checks that each distinct inbound
// message is stored and counted once.
func TestEveryFixture(t *testing.T) {
	e := newEnv(t, t.TempDir())
	bodies := fixtureBodies(t)
	if len(bodies) < 60 {
		t.Fatalf("only %d fixture bodies found", len(bodies))
	}
	want := map[string]int{}
	for i, fb := range bodies {
		events, err := wa.Parse(fb.body)
		if err != nil {
			t.Fatalf("%s: %v", fb.name, err)
		}
		pnid, wamids := "", map[string]bool{}
		for _, ev := range events {
			if ev.PhoneNumberID != "" {
				pnid = ev.PhoneNumberID
			}
			if ev.Kind == wa.KindMessage {
				wamids[ev.Message.ID] = true
			}
		}
		id := fmt.Sprintf("ch%d", i)
		e.addChannel(id, pnid)
		want[id] = len(wamids)
		e.postSigned(id, fb.body)
	}
	e.drain()
	total := 0
	for i, fb := range bodies {
		id := fmt.Sprintf("ch%d", i)
		total += want[id]
		if got := e.counts(id).Received; got != int64(want[id]) {
			t.Errorf("%s: received = %d, want %d", fb.name, got, want[id])
		}
	}
	if total < 40 {
		t.Fatalf("only %d inbound messages across fixtures", total)
	}
}

type fixtureBody struct {
	name string
	body []byte
}

func fixtureBodies(t *testing.T) []fixtureBody {
	t.Helper()
	root := "../../testdata/whatsapp"
	var out []fixtureBody
	files, _ := filepath.Glob(filepath.Join(root, "whaloc/docs/fixtures/webhooks/*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fixtureBody{filepath.Base(f), b})
	}
	files, _ = filepath.Glob(filepath.Join(root, "pywa/tests/data/updates/*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cases map[string]json.RawMessage
		if err := json.Unmarshal(b, &cases); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for name, body := range cases {
			out = append(out, fixtureBody{filepath.Base(f) + ":" + name, body})
		}
	}
	files, _ = filepath.Glob(filepath.Join(root, "meta/*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fixtureBody{"meta/" + filepath.Base(f), b})
	}
	return out
}
