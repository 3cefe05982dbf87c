package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// journalLen returns the number of journaled, unprocessed bodies.
func (e *env) journalLen() int {
	e.t.Helper()
	var n int
	e.store.View(func(tx *store.Tx) error { n = tx.JournalLen(); return nil })
	return n
}

// journal returns the journaled bodies, oldest first.
func (e *env) journal() [][]byte {
	e.t.Helper()
	var out [][]byte
	err := e.store.View(func(tx *store.Tx) error {
		entries, err := tx.Journal(1000)
		for _, en := range entries {
			out = append(out, append([]byte(nil), en.Body...))
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// events returns the channel's stored events.
func (e *env) events(channel string) []*store.Event {
	e.t.Helper()
	var out []*store.Event
	if err := e.store.View(func(tx *store.Tx) (err error) { out, err = tx.Events(channel, 1000); return }); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// addChannelSecret stores a channel with its own app secret.
func (e *env) addChannelSecret(id, pnid, appSecret string) {
	e.t.Helper()
	err := e.store.Update(func(tx *store.Tx) error {
		return tx.PutChannel(&store.Channel{ID: id, PhoneNumberID: pnid, AppSecret: appSecret, VerifyToken: "verify-" + id + "-0123456789abcdef0123"})
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// raw sends req as bytes on a fresh connection and returns the status code
// of the answer (0 when the server closed without answering).
func (e *env) raw(req string) int {
	e.t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.base, "http://"))
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	if _, err := io.WriteString(conn, req); err != nil {
		return 0
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// postWith posts body to channel with extra headers.
func (e *env) postWith(channel string, body []byte, hdr map[string]string) int {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.base+"/webhook/"+channel, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestHostileSignedBodies posts strange bodies: signed ones are journaled
// byte for byte and processed without harm; unsigned copies are refused.
func TestHostileSignedBodies(t *testing.T) {
	nested := strings.Repeat(`{"entry":[`, 20000) + strings.Repeat(`]}`, 20000)
	var huge bytes.Buffer
	huge.WriteString(`{"object":"whatsapp_business_account","entry":[`)
	for i := 0; huge.Len() < 3<<20; i++ {
		if i > 0 {
			huge.WriteByte(',')
		}
		fmt.Fprintf(&huge, `{"id":"WABA","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"PN1"},"contacts":[{"profile":{"name":"Ann"},"wa_id":"447700900001"}],"messages":[{"from":"447700900001","id":"wamid.H%d","timestamp":"1763830000","type":"text","text":{"body":"%s"}}]}}]}`, i, strings.Repeat("x", 10000))
	}
	huge.WriteString(`]}`)
	badUTF8 := bytes.Replace(textBody("PN1", "wamid.U", "447700900001", "MARK", 1763830000), []byte("MARK"), []byte("a\xff\xfe\xc3b"), 1)
	nulName := bytes.Replace(textBody("PN1", "wamid.N", "447700900001", "hi", 1763830000), []byte(`"Ann"`), []byte(`"An\u0000n\r\nVia: evil"`), 1)
	tests := []struct {
		name     string
		body     []byte
		unparsed bool // kept as an "unparsed" event
		messages int
	}{
		{"empty", []byte{}, true, 0},
		{"not JSON", []byte("<xml>hello</xml>"), true, 0},
		{"JSON array", []byte(`[1,2,3]`), true, 0},
		{"JSON string", []byte(`"entry"`), true, 0},
		{"deeply nested", []byte(nested), true, 0},
		{"truncated", textBody("PN1", "wamid.T", "447700900001", "hi", 1763830000)[:100], true, 0},
		{"invalid UTF-8", badUTF8, false, 1},
		{"NUL and CRLF in name", nulName, false, 1},
		{"huge", huge.Bytes(), false, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, t.TempDir())
			e.addChannel("c1", "PN1")
			if code := e.post("c1", tt.body, ""); code != 401 {
				t.Fatalf("unsigned: status %d, want 401", code)
			}
			if code := e.post("c1", tt.body, wa.Sign("wrong", tt.body)); code != 401 {
				t.Fatalf("wrongly signed: status %d, want 401", code)
			}
			if n := e.journalLen(); n != 0 {
				t.Fatalf("refused bodies journaled: %d", n)
			}
			e.postSigned("c1", tt.body)
			if j := e.journal(); len(j) != 1 || !bytes.Equal(j[0], tt.body) {
				t.Fatalf("journal holds %d bodies, first differs from what was sent", len(j))
			}
			e.drain()
			if n := e.journalLen(); n != 0 {
				t.Fatalf("journal after drain = %d", n)
			}
			evs := e.events("c1")
			if tt.unparsed != (len(evs) == 1 && evs[0].Kind == "unparsed") {
				t.Fatalf("events = %d (unparsed wanted: %v)", len(evs), tt.unparsed)
			}
			var msgs int
			e.store.View(func(tx *store.Tx) error {
				msgs = tx.MessageCount()
				return tx.Messages(0, func(m *store.Message) bool {
					if !utf8.ValidString(m.Text) {
						t.Errorf("stored text is not UTF-8: %q", m.Text)
					}
					return true
				})
			})
			if tt.messages >= 0 && msgs != tt.messages {
				t.Fatalf("messages = %d, want %d", msgs, tt.messages)
			}
			if tt.messages < 0 && msgs < 100 {
				t.Fatalf("huge body gave only %d messages", msgs)
			}
			if tt.name == "NUL and CRLF in name" {
				e.store.View(func(tx *store.Tx) error {
					c, err := tx.Customer("c1", "447700900001")
					if err != nil {
						t.Fatal(err)
					}
					// Stored as given: it is the PBX side's job to sanitize.
					if c.Name != "An\x00n\r\nVia: evil" {
						t.Fatalf("name = %q", c.Name)
					}
					return nil
				})
			}
		})
	}
}

// TestOversizeRefused sends bodies larger than MaxBody, declared and
// chunked: 413 and nothing journaled.
func TestOversizeRefused(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addChannel("c1", "PN1")
	sig := wa.Sign(secret, []byte("{}"))
	// Declared: the server answers from the headers, before the body.
	code := e.raw(fmt.Sprintf("POST /webhook/c1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s: %s\r\nContent-Length: %d\r\n\r\n{",
		wa.SignatureHeader, sig, MaxBody+1))
	if code != 413 {
		t.Fatalf("declared oversize: status %d, want 413", code)
	}
	// Chunked: the length is only known while reading.
	var b strings.Builder
	fmt.Fprintf(&b, "POST /webhook/c1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s: %s\r\nTransfer-Encoding: chunked\r\n\r\n", wa.SignatureHeader, sig)
	chunk := strings.Repeat("a", 1<<20)
	for range MaxBody/len(chunk) + 1 {
		fmt.Fprintf(&b, "%x\r\n%s\r\n", len(chunk), chunk)
	}
	b.WriteString("0\r\n\r\n")
	if code := e.raw(b.String()); code != 413 && code != 0 {
		t.Fatalf("chunked oversize: status %d, want 413 or a closed connection", code)
	}
	if n := e.journalLen(); n != 0 {
		t.Fatalf("oversize bodies journaled: %d", n)
	}
	// The server still works.
	e.postSigned("c1", textBody("PN1", "wamid.after", "447700900001", "hi", 1763830000))
}

// TestEncodedBodyRefused posts a gzip bomb, signed over its compressed
// and over its inflated bytes: refused before anything is inflated.
func TestEncodedBodyRefused(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addChannel("c1", "PN1")
	gzipped := func(b []byte) []byte {
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		w.Write(b)
		w.Close()
		return gz.Bytes()
	}
	small := textBody("PN1", "wamid.Z", "447700900001", "hi", 1763830000)
	bomb := append(bytes.Clone(small), bytes.Repeat([]byte(" "), 2*MaxBody)...)
	for _, inflated := range [][]byte{small, bomb} {
		gz := gzipped(inflated)
		for _, enc := range []string{"gzip", "deflate", "br", "gzip, gzip", "GZIP"} {
			for _, sig := range []string{wa.Sign(secret, gz), wa.Sign(secret, inflated)} {
				code := e.postWith("c1", gz, map[string]string{"Content-Encoding": enc, "Content-Type": "application/json", wa.SignatureHeader: sig})
				if code != 415 {
					t.Fatalf("Content-Encoding %q, %d bytes inflated: status %d, want 415", enc, len(inflated), code)
				}
			}
		}
	}
	if n := e.journalLen(); n != 0 {
		t.Fatalf("encoded bodies journaled: %d", n)
	}
	// identity is no encoding.
	body := textBody("PN1", "wamid.I", "447700900001", "hi", 1763830000)
	if code := e.postWith("c1", body, map[string]string{"Content-Encoding": "identity", wa.SignatureHeader: wa.Sign(secret, body)}); code != 200 {
		t.Fatalf("identity: status %d", code)
	}
}

// TestSignatureForms tries malformed and misplaced signatures.
func TestSignatureForms(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addChannel("c1", "PN1")
	body := textBody("PN1", "wamid.S", "447700900001", "hi", 1763830000)
	good := wa.Sign(secret, body)
	hexSum := strings.TrimPrefix(good, "sha256=")
	tests := []struct {
		name, sig string
		want      int
	}{
		{"empty", "", 401},
		{"prefix only", "sha256=", 401},
		{"sha1", "sha1=" + hexSum[:40], 401},
		{"upper-case prefix", "SHA256=" + hexSum, 401},
		{"no prefix", hexSum, 401},
		{"truncated", good[:len(good)-2], 401},
		{"extra byte", good + "00", 401},
		{"not hex", "sha256=" + strings.Repeat("zz", 32), 401},
		{"base64 of the MAC", "sha256=" + strings.Repeat("A", 43) + "=", 401},
		{"two values", good + "," + good, 401},
		{"signature of empty body", wa.Sign(secret, nil), 401},
		{"empty secret", wa.Sign("", body), 401},
		{"secret as signature", "sha256=" + secret, 401},
		{"good", good, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.post("c1", body, tt.sig); got != tt.want {
				t.Fatalf("status %d, want %d", got, tt.want)
			}
		})
	}
	// The signature anywhere but its header does not count.
	req, _ := http.NewRequest("POST", e.base+"/webhook/c1?"+url.Values{wa.SignatureHeader: {good}, "signature": {good}}.Encode(), bytes.NewReader(body))
	req.Header.Set("X-Hub-Signature", good)
	req.Header.Set("Cookie", wa.SignatureHeader+"="+good)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("signature outside its header: status %d", resp.StatusCode)
	}
	if n := e.journalLen(); n != 1 {
		t.Fatalf("journal = %d, want only the good one", n)
	}
}

// TestOtherChannelsSecret: each channel's webhook is checked with its own
// app secret, and a channel only takes updates for its own number.
func TestOtherChannelsSecret(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addChannelSecret("c1", "PN1", "secret-of-channel-one")
	e.addChannelSecret("c2", "PN2", "secret-of-channel-two")
	body1 := textBody("PN1", "wamid.X1", "447700900001", "for one", 1763830000)
	if code := e.post("c1", body1, wa.Sign("secret-of-channel-two", body1)); code != 401 {
		t.Fatalf("c1's payload signed with c2's secret at c1: status %d, want 401", code)
	}
	if code := e.post("c2", body1, wa.Sign("secret-of-channel-one", body1)); code != 401 {
		t.Fatalf("c1's payload signed with c1's secret at c2: status %d, want 401", code)
	}
	if n := e.journalLen(); n != 0 {
		t.Fatalf("journal = %d", n)
	}
	// Whoever holds c2's secret can reach c2's URL, but a payload naming
	// c1's number is not applied to either channel.
	if code := e.post("c2", body1, wa.Sign("secret-of-channel-two", body1)); code != 200 {
		t.Fatalf("c2-signed at c2: status %d", code)
	}
	e.drain()
	for _, ch := range []string{"c1", "c2"} {
		if c := e.counts(ch); c.Received != 0 {
			t.Fatalf("%s received %d", ch, c.Received)
		}
	}
	var msgs int
	e.store.View(func(tx *store.Tx) error { msgs = tx.MessageCount(); return nil })
	if msgs != 0 {
		t.Fatalf("messages = %d, want 0", msgs)
	}
	// Each channel takes its own, properly signed.
	if code := e.post("c1", body1, wa.Sign("secret-of-channel-one", body1)); code != 200 {
		t.Fatalf("c1-signed at c1: status %d", code)
	}
	e.drain()
	if c := e.counts("c1"); c.Received != 1 {
		t.Fatalf("c1 received %d", c.Received)
	}
}

// TestReplayProcessedOnce replays accepted bodies, concurrently and after
// processing: each is acknowledged, applied once.
func TestReplayProcessedOnce(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addChannel("c1", "PN1")
	addOutbound(t, e.store, "c1", "wamid.OUT", time.Unix(1763830000, 0))
	msg := textBody("PN1", "wamid.R", "447700900001", "hello", 1763830000)
	read := statusBody("PN1", "wamid.OUT", "read", 1763830100)
	delivered := statusBody("PN1", "wamid.OUT", "delivered", 1763830050)
	var wg sync.WaitGroup
	codes := make(chan int, 40)
	for range 10 {
		for _, b := range [][]byte{msg, read} {
			wg.Go(func() { codes <- e.post("c1", b, wa.Sign(secret, b)) })
		}
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Fatalf("replay answered %d", c)
		}
	}
	e.drain()
	for range 3 {
		e.postSigned("c1", msg)
		e.postSigned("c1", read)
		e.postSigned("c1", delivered) // older status replayed late
	}
	e.drain()
	want := store.Counts{Received: 1, Sent: 1, SentOK: 1, Delivered: 1, Read: 1}
	if got := e.counts("c1"); got != want {
		t.Fatalf("counts = %+v, want %+v", got, want)
	}
	e.store.View(func(tx *store.Tx) error {
		if n := tx.MessageCount(); n != 2 {
			t.Fatalf("messages = %d, want 2", n)
		}
		id, _ := tx.MessageIDByWAMID("c1", "wamid.OUT")
		m, _ := tx.Message(id)
		if m.Status != "read" {
			t.Fatalf("status = %q after replays", m.Status)
		}
		return nil
	})
}

// TestContentTypesIgnored: the signature, not the declared type, decides;
// the journal keeps the exact bytes.
func TestContentTypesIgnored(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addChannel("c1", "PN1")
	types := []string{"", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "application/xml"}
	var sent [][]byte
	for i, ct := range types {
		body := textBody("PN1", fmt.Sprintf("wamid.CT%d", i), "447700900001", "a=b&c=d", 1763830000)
		hdr := map[string]string{"Content-Type": ct}
		if code := e.postWith("c1", body, hdr); code != 401 {
			t.Fatalf("%q unsigned: status %d", ct, code)
		}
		hdr[wa.SignatureHeader] = wa.Sign(secret, body)
		if code := e.postWith("c1", body, hdr); code != 200 {
			t.Fatalf("%q signed: status %d", ct, code)
		}
		sent = append(sent, body)
	}
	j := e.journal()
	if len(j) != len(sent) {
		t.Fatalf("journal = %d, want %d", len(j), len(sent))
	}
	for i := range j {
		if !bytes.Equal(j[i], sent[i]) {
			t.Fatalf("journal entry %d differs from the body sent", i)
		}
	}
	// A multipart body that is not multipart is refused by the server
	// whether or not it is signed.
	body := textBody("PN1", "wamid.MP", "447700900001", "hi", 1763830000)
	hdr := map[string]string{"Content-Type": "multipart/form-data; boundary=xyz", wa.SignatureHeader: wa.Sign(secret, body)}
	if code := e.postWith("c1", body, hdr); code != 200 && code != 400 {
		t.Fatalf("multipart: status %d", code)
	}
	delete(hdr, wa.SignatureHeader)
	if code := e.postWith("c1", body, hdr); code != 401 && code != 400 {
		t.Fatalf("multipart unsigned: status %d", code)
	}
	e.drain()
	if c := e.counts("c1"); c.Received < int64(len(types)) {
		t.Fatalf("received = %d", c.Received)
	}
}

// TestHeaderAndPathInjection sends raw requests with smuggled headers and
// odd channel ids: none is accepted or journaled.
func TestHeaderAndPathInjection(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addChannel("c1", "PN1")
	body := string(textBody("PN1", "wamid.J", "447700900001", "hi", 1763830000))
	good := wa.Sign(secret, []byte(body))
	req := func(path, headers string) string {
		return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s", path, headers, len(body), body)
	}
	tests := []struct {
		name, req string
	}{
		{"NUL after signature", req("/webhook/c1", wa.SignatureHeader+": "+good+"\x00\r\n")},
		{"signature then junk", req("/webhook/c1", wa.SignatureHeader+": "+good+" junk\r\n")},
		{"wrong first of two", req("/webhook/c1", wa.SignatureHeader+": sha256=00\r\n"+wa.SignatureHeader+": "+good+"\r\n")},
		{"folded signature", req("/webhook/c1", wa.SignatureHeader+": sha256=\r\n "+strings.TrimPrefix(good, "sha256=")+"\r\n")},
		{"CRLF in path", req("/webhook/c1%0d%0aX-Hub-Signature-256:%20"+url.PathEscape(good), "")},
		{"traversal", req("/webhook/..%2fc1", wa.SignatureHeader+": "+good+"\r\n")},
		{"encoded slash", req("/webhook/c1%2f..", wa.SignatureHeader+": "+good+"\r\n")},
		{"NUL in id", req("/webhook/c1%00", wa.SignatureHeader+": "+good+"\r\n")},
		{"CR in id", req("/webhook/c1%0d", wa.SignatureHeader+": "+good+"\r\n")},
		{"space in id", req("/webhook/c1%20", wa.SignatureHeader+": "+good+"\r\n")},
		{"upper-case id", req("/webhook/C1", wa.SignatureHeader+": "+good+"\r\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code := e.raw(tt.req); code >= 200 && code < 300 {
				t.Fatalf("status %d", code)
			}
			if n := e.journalLen(); n != 0 {
				t.Fatalf("journaled %d", n)
			}
		})
	}
	// The same request, well formed, goes through.
	if code := e.raw(req("/webhook/c1", wa.SignatureHeader+": "+good+"\r\n")); code != 200 {
		t.Fatalf("well-formed raw request: status %d", code)
	}
}

// TestVerifyHostile tries the subscription handshake with wrong tokens and
// bad challenges: refused, and the channel is not marked verified.
func TestVerifyHostile(t *testing.T) {
	e := newEnv(t, t.TempDir())
	e.addChannel("c1", "PN1")
	const token = "verify-token-0123456789abcdef0123"
	tests := []struct {
		name  string
		query string
		want  []int
	}{
		{"wrong token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"verify-token-0123456789abcdef0124"}, "hub.challenge": {"1"}}.Encode(), []int{403}},
		{"token prefix", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token[:10]}, "hub.challenge": {"1"}}.Encode(), []int{403}},
		{"token twice", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token + token}, "hub.challenge": {"1"}}.Encode(), []int{403}},
		{"no token", "hub.mode=subscribe&hub.challenge=1", []int{403}},
		{"no mode", url.Values{"hub.verify_token": {token}, "hub.challenge": {"1"}}.Encode(), []int{403}},
		{"missing challenge", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token}}.Encode(), []int{400}},
		{"empty challenge", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token}, "hub.challenge": {""}}.Encode(), []int{400}},
		{"markup challenge", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token}, "hub.challenge": {"<script>alert(1)</script>"}}.Encode(), []int{400}},
		{"CRLF challenge", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token}, "hub.challenge": {"1\r\nSet-Cookie: a=b"}}.Encode(), []int{400}},
		{"long challenge", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token}, "hub.challenge": {strings.Repeat("9", 1000)}}.Encode(), []int{400}},
		// Beyond the server's header buffer: refused before the handler.
		{"huge challenge", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token}, "hub.challenge": {strings.Repeat("9", 64<<10)}}.Encode(), []int{400, 414, 431}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(e.base + "/webhook/c1?" + tt.query)
			if err != nil && len(tt.query) > 64<<10 && errors.Is(err, syscall.ECONNRESET) {
				// Refused too: the server answered and closed before
				// reading the whole request, so the client may get the
				// reset before the answer.
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			ok := false
			for _, w := range tt.want {
				ok = ok || resp.StatusCode == w
			}
			if !ok {
				t.Fatalf("status %d, want one of %v", resp.StatusCode, tt.want)
			}
			if bytes.Contains(b, []byte("script")) || bytes.Contains(b, []byte("Set-Cookie")) || resp.Header.Get("Set-Cookie") != "" {
				t.Fatalf("challenge reflected: %q", b)
			}
			if len(b) > 100 {
				t.Fatalf("answer of %d bytes", len(b))
			}
		})
	}
	e.store.View(func(tx *store.Tx) error {
		ch, _ := tx.Channel("c1")
		if !ch.VerifiedAt.IsZero() {
			t.Fatal("refused handshakes marked the channel verified")
		}
		return nil
	})
	// A proper handshake still works and answers text.
	resp, err := http.Get(e.base + "/webhook/c1?" + url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token}, "hub.challenge": {"1158201444"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "1158201444" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("handshake = %d %q %q", resp.StatusCode, b, resp.Header.Get("Content-Type"))
	}
}
