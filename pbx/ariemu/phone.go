package ariemu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Received is a SIP MESSAGE that a simulated phone got from sendMessage.
type Received struct {
	// From is the SIP From header without its tag, e.g.
	// `"Ann Smith (WhatsApp)" <sip:wa-447700900001@127.0.0.1>`.
	From string
	// URI is the Request-URI: the registered contact or the URI given.
	URI string
	// Body is the text/plain body.
	Body string
	// Variables are the extra SIP headers that came from "variables".
	Variables map[string]string
	// Time is when the emulator accepted the request.
	Time time.Time
}

// addInbox appends to the inbox of ext and wakes waiters; s.mu must be held.
func (s *Server) addInbox(ext string, r Received) {
	s.inbox[ext] = append(s.inbox[ext], r)
	s.changedLocked()
}

// changedLocked wakes every waiter; s.mu must be held.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor waits until cond, evaluated with s.mu held, is true.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok := cond()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Inbox returns what the phone of ext has received, oldest first.
func (s *Server) Inbox(ext string) []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.inbox[ext]...)
}

// WaitInbox waits until the phone of ext has received at least n messages
// and returns them, or fails when ctx ends first.
func (s *Server) WaitInbox(ctx context.Context, ext string, n int) ([]Received, error) {
	var got []Received
	err := s.waitFor(ctx, func() bool {
		got = append([]Received(nil), s.inbox[ext]...)
		return len(got) >= n
	})
	if err != nil {
		return got, fmt.Errorf("waiting for %d messages at %s (have %d): %w", n, ext, len(got), err)
	}
	return got, nil
}

// maxInboundBody is the size from which Asterisk empties an inbound body.
const maxInboundBody = 1024

// PhoneSend simulates the phone of from sending a text/plain SIP MESSAGE to
// sip:to@127.0.0.1 and returns Asterisk's final SIP answer: 202 when an
// extension of the message_context matches to (see SetDialplan; by default
// every user starting with a letter or digit) or an application is
// subscribed to the sender or to PJSIP, connected or not; 404 otherwise;
// 403 for an unknown sender.
//
// Like Asterisk's message queue, the dialplan handler runs first, then ARI:
// connected applications get TextMessageReceived once per matching
// subscription, inactive ones miss it (see Missed). Bodies of 1024 bytes
// or more arrive empty. A real phone gets its 202 before the handlers run;
// PhoneSend returns after them, so that tests see their effects at once.
func (s *Server) PhoneSend(from, to, body string) int {
	return s.PhoneSendType(from, to, "text/plain", body)
}

// PhoneSendType is PhoneSend with a Content-Type: anything but text/plain
// (with any parameters) is refused with 415 and produces no event.
func (s *Server) PhoneSendType(from, to, contentType, body string) int {
	mt, _, _ := strings.Cut(contentType, ";")
	if !strings.EqualFold(strings.TrimSpace(mt), "text/plain") {
		return http.StatusUnsupportedMediaType
	}
	s.mu.Lock()
	e := s.findEndpoint(from)
	if e == nil {
		s.mu.Unlock()
		return http.StatusForbidden
	}
	ariWants := false
	for _, a := range s.apps {
		if a.matches(e.name) > 0 {
			ariWants = true
		}
	}
	ext, dialplanWants := s.extensionFor(to)
	if !ariWants && !dialplanWants {
		s.mu.Unlock()
		return http.StatusNotFound
	}
	ev, msg := s.textEvent(e, to, contentType, body)
	s.mu.Unlock()
	if dialplanWants && ext.Run != nil {
		ext.Run(s, msg)
	}
	if ariWants {
		s.deliver([]outEvent{ev})
	}
	return http.StatusAccepted
}

// Missed returns how many messages application name missed because no
// websocket served it ("Inactive Stasis app 'name' missed message").
func (s *Server) Missed(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.missed[name]
}

// textEvent builds the TextMessageReceived of a MESSAGE from e, with the
// headers a baresip phone sends, and the same message as the dialplan sees
// it; s.mu must be held.
func (s *Server) textEvent(e *endpoint, to, contentType, body string) (outEvent, Message) {
	ts := formatTime(s.now())
	ep := e.json()
	id := s.opts.AsteriskID
	port := strconv.Itoa(e.port)
	s.seq++
	nonce := fmt.Sprintf("%d/%s", s.now().Unix(), randHex(16))
	vars := orderedMap{
		{"PJSIP_RECVADDR", "127.0.0.1:" + port},
		{"PJSIP_TRANSPORT", "udp"},
		{"Via", "SIP/2.0/UDP 127.0.0.1:" + port + ";rport=" + port + ";received=127.0.0.1;branch=z9hG4bK" + randHex(8)},
		{"Max-Forwards", "70"},
		{"Authorization", fmt.Sprintf(`Digest username="%s", realm="asterisk", nonce="%s", uri="sip:%s@127.0.0.1", response="%s", cnonce="%s", opaque="%s", qop=auth, nc=00000001`,
			e.name, nonce, to, randHex(16), randHex(8), randHex(8))},
		{"To", "<sip:" + to + "@127.0.0.1>"},
		{"From", "<sip:" + e.name + "@127.0.0.1>;tag=" + randHex(8)},
		{"Call-ID", randHex(8)},
		{"CSeq", strconv.FormatUint(1000+s.seq, 10) + " MESSAGE"},
		{"User-Agent", "baresip v1.0.0 (x86_64/linux)"},
		{"Accept", "text/plain"},
		{"Content-Type", contentType},
		{"Content-Length", strconv.Itoa(len(body))},
	}
	if len(body) >= maxInboundBody {
		body = ""
	}
	msg := textMessage{From: "<sip:" + e.name + "@127.0.0.1>", To: "pjsip:" + to + "@127.0.0.1", Body: body, Variables: vars}
	data := make(map[string]string, len(vars))
	for _, kv := range vars {
		data[kv[0]] = kv[1]
	}
	return outEvent{resource: e.name, message: true, build: func(app string) any {
			return textMessageReceived{Type: "TextMessageReceived", Timestamp: ts, Endpoint: ep, Message: msg, AsteriskID: id, Application: app}
		}}, Message{
			Exten: to, From: msg.From, To: msg.To, Body: body, Data: data,
		}
}

// randHex returns n random bytes in hex.
func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
