package ariemu

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/wachan/wachan/pbx/dialplan"
)

// Message is an inbound SIP MESSAGE as the dialplan sees it.
type Message struct {
	// Exten is ${EXTEN}: the Request-URI user, e.g. "wa-1-447700900001".
	Exten string
	// From, To and Body are ${MESSAGE(from)}, ${MESSAGE(to)} and
	// ${MESSAGE(body)}: "<sip:1001@127.0.0.1>",
	// "pjsip:wa-1-447700900001@127.0.0.1", and the body ("" from 1024
	// bytes on).
	From, To, Body string
	// Data is ${MESSAGE_DATA(name)}: every SIP header of the request plus
	// PJSIP_RECVADDR and PJSIP_TRANSPORT, the same values ARI sends as
	// message.variables.
	Data map[string]string
}

// Extension is one "exten =>" of the endpoints' message_context.
type Extension struct {
	// Pattern is the extension as written, e.g. "_wa-." or "_[0-9a-zA-Z]!".
	Pattern string
	// Run executes the extension's priorities for one message; nil does
	// nothing visible (the recorded NoOp, Log and Hangup).
	Run func(s *Server, m Message)
}

// RecordedDialplan is the [messages] context the recordings were made
// with: "_[0-9a-zA-Z]!" matches every user starting with a letter or digit
// and only logs.
func RecordedDialplan() []Extension {
	return []Extension{{Pattern: "_[0-9a-zA-Z]!"}}
}

// SetDialplan replaces the endpoints' message_context, like editing
// extensions.conf and "dialplan reload". No extensions leaves the context
// empty: only ARI subscriptions can then claim a message.
func (s *Server) SetDialplan(exts ...Extension) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dialplan = append([]Extension(nil), exts...)
}

// extensionFor returns the first extension matching exten; s.mu must be
// held.
func (s *Server) extensionFor(exten string) (Extension, bool) {
	for _, e := range s.dialplan {
		if dialplan.Match(e.Pattern, exten) {
			return e, true
		}
	}
	return Extension{}, false
}

// Handoff is the message_context rule `wachan setup asterisk` prints for
// wa- addresses:
//
//	Set(CURLOPT(conntimeout)=3), Set(CURLOPT(httptimeout)=10),
//	Set(CURLOPT(userpwd)=…), then
//	Set(WACHAN=${CURL(url,from=…&to=…&call_id=…&cseq=…&length=…&body=…)})
//	and, unless WACHAN is the accepted answer,
//	Set(MESSAGE(body)=notice) and
//	MessageSend(pjsip:<sender>,sip:${MESSAGE(to):6}).
//
// CURL() returns the answer's body whatever its status, and "" when the
// connection fails; each value is URIENCODE()d.
type Handoff struct {
	// URL is the CURL() target.
	URL string
	// UserPwd is CURLOPT(userpwd), "user:password" sent as Basic auth.
	UserPwd string
	// Accepted is the answer that means wachan took the message.
	Accepted string
	// Notice is the body sent back to the sender otherwise.
	Notice string
	// ConnTimeout and HTTPTimeout are CURLOPT(conntimeout) and
	// CURLOPT(httptimeout); default 3 s and 10 s.
	ConnTimeout, HTTPTimeout time.Duration
}

// Extension returns the rule as an extension with the given pattern.
func (h Handoff) Extension(pattern string) Extension {
	return Extension{Pattern: pattern, Run: h.run}
}

// run executes the rule for m.
func (h Handoff) run(s *Server, m Message) {
	if h.curl(m) == h.Accepted {
		return
	}
	// ${CUT(CUT(from,@,1),:,2)} of "<sip:1001@127.0.0.1>" is "1001".
	user, _, _ := strings.Cut(m.From, "@")
	_, user, _ = strings.Cut(user, ":")
	s.messageSend(user, "sip:"+strings.TrimPrefix(m.To, "pjsip:"), h.Notice)
}

// curl performs the CURL() POST and returns what the function would.
func (h Handoff) curl(m Message) string {
	conn, total := h.ConnTimeout, h.HTTPTimeout
	if conn <= 0 {
		conn = 3 * time.Second
	}
	if total <= 0 {
		total = 10 * time.Second
	}
	post := "from=" + uriEncode(m.From) + "&to=" + uriEncode(m.To) +
		"&call_id=" + uriEncode(m.Data["Call-ID"]) + "&cseq=" + uriEncode(m.Data["CSeq"]) +
		"&length=" + uriEncode(m.Data["Content-Length"]) + "&body=" + uriEncode(m.Body)
	ctx, cancel := context.WithTimeout(context.Background(), total)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, strings.NewReader(post))
	if err != nil {
		return ""
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user, pass, ok := strings.Cut(h.UserPwd, ":"); ok {
		req.SetBasicAuth(user, pass)
	}
	tr := &http.Transport{DialContext: (&net.Dialer{Timeout: conn}).DialContext, DisableKeepAlives: true}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return strings.TrimRight(string(body), " \t\r\n")
}

// uriEncode is URIENCODE(): everything but RFC 3986 unreserved characters
// is percent-encoded.
func uriEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// messageSend is the dialplan's MessageSend(pjsip:ext,from): the phone of
// ext gets body when it is registered; otherwise nothing is sent
// (MESSAGE_SEND_STATUS would say why).
func (s *Server) messageSend(ext, from, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.findEndpoint(ext)
	if e == nil || e.contact == "" {
		return
	}
	s.addInbox(e.name, Received{From: sipFrom(from), URI: e.contact, Body: body, Time: s.now()})
}
