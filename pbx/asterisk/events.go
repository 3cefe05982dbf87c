package asterisk

import (
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/wachan/wachan/pbx"
)

// eventTimeFormat is ARI's timestamp layout.
const eventTimeFormat = "2006-01-02T15:04:05.000-0700"

// event holds the fields the adapter reads from any ARI event. The
// library's event types are not used: see the package documentation.
type event struct {
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	Endpoint  struct {
		Technology string `json:"technology"`
		Resource   string `json:"resource"`
		State      string `json:"state"`
	} `json:"endpoint"`
	Message struct {
		From      string            `json:"from"`
		To        string            `json:"to"`
		Body      string            `json:"body"`
		Variables map[string]string `json:"variables"`
	} `json:"message"`
	ContactInfo struct {
		ContactStatus string `json:"contact_status"`
	} `json:"contact_info"`
}

// handle processes one websocket frame; it returns ErrReplaced when the
// session must end.
func (a *Adapter) handle(data []byte) error {
	if a.dedup.Seen(sha256.Sum256(data)) {
		a.log.Debug("dropping duplicate ARI event")
		return nil
	}
	var ev event
	if err := json.Unmarshal(data, &ev); err != nil {
		a.log.Warn("undecodable ARI event", slog.Any("error", err))
		return nil
	}
	ts, err := time.Parse(eventTimeFormat, ev.Timestamp)
	if err != nil {
		ts = time.Now()
	}
	switch ev.Type {
	case "ApplicationReplaced":
		return ErrReplaced
	case "TextMessageReceived":
		a.textMessage(&ev, ts)
	case "EndpointStateChange", "ContactStatusChange":
		if !strings.EqualFold(ev.Endpoint.Technology, "PJSIP") || ev.Endpoint.Resource == "" {
			return nil
		}
		a.reportEndpoint(pbx.EndpointState{Ext: ev.Endpoint.Resource, Online: ev.Endpoint.State == "online", Time: ts})
	}
	return nil
}

// textMessage hands a message addressed to a channel address to OnMessage.
func (a *Adapter) textMessage(ev *event, ts time.Time) {
	to := userPart(ev.Message.To)
	if !strings.HasPrefix(to, a.opts.AddressPrefix) {
		a.log.Debug("ignoring message to a non-channel address", slog.String("to", to))
		return
	}
	from := ev.Endpoint.Resource
	if from == "" || !safeUser(from) {
		from = userPart(ev.Message.From)
	}
	if from == "" {
		a.log.Warn("ignoring message without a usable sender", slog.String("to", to))
		return
	}
	cl := contentLength(ev.Message.Variables)
	msg := pbx.TextMessage{
		ID:            messageID(header(ev.Message.Variables, "Call-ID", "i"), header(ev.Message.Variables, "CSeq", "")),
		From:          from,
		To:            to,
		Body:          ev.Message.Body,
		ContentLength: cl,
		Oversize:      cl > 0 && ev.Message.Body == "",
		Time:          ts,
	}
	if msg.Oversize {
		a.log.Warn("message body dropped by Asterisk (1024 bytes or more)",
			slog.String("from", from), slog.String("to", to), slog.Int("content_length", cl))
	}
	if a.opts.OnMessage != nil {
		a.opts.OnMessage(msg)
	}
}

// reportEndpoint calls OnEndpoint when the presence of st.Ext changed.
func (a *Adapter) reportEndpoint(st pbx.EndpointState) {
	a.mu.Lock()
	prev, known := a.states[st.Ext]
	a.states[st.Ext] = st.Online
	a.mu.Unlock()
	if known && prev == st.Online {
		return
	}
	if a.opts.OnEndpoint != nil {
		a.opts.OnEndpoint(st)
	}
}

// userPart extracts the user of "pjsip:wa-1@127.0.0.1", "<sip:1001@host>",
// `"Name" <sip:1001@host>;tag=x` or "sip:1001@host:5060". A display name,
// quoted or not, never contributes to the result (a quoted one may hold
// '<', '@' or ':'). A user that could not be in a SIP user part (control
// characters, spaces, quotes, angle brackets, backslashes, non-ASCII)
// gives "".
func userPart(uri string) string {
	uri = strings.TrimSpace(uri)
	if strings.HasPrefix(uri, `"`) {
		end := quotedEnd(uri)
		if end < 0 {
			return ""
		}
		uri = uri[end+1:]
	}
	if i := strings.IndexByte(uri, '<'); i >= 0 {
		uri = uri[i+1:]
		if j := strings.IndexByte(uri, '>'); j >= 0 {
			uri = uri[:j]
		}
	}
	if tech, rest, ok := strings.Cut(uri, ":"); ok && !strings.Contains(tech, "@") {
		uri = rest
		if strings.EqualFold(tech, "pjsip") {
			if _, r, ok := strings.Cut(uri, "sip:"); ok {
				uri = r
			}
		}
	}
	user, _, _ := strings.Cut(uri, "@")
	user, _, _ = strings.Cut(user, ";")
	if !safeUser(user) {
		return ""
	}
	return user
}

// quotedEnd returns the index of the quote closing the quoted string that
// starts s, honouring backslash escapes, or -1.
func quotedEnd(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// safeUser reports whether s holds only printable ASCII that cannot end or
// break a SIP header or name-addr.
func safeUser(s string) bool {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b <= ' ' || b >= 0x7f:
			return false
		case b == '"' || b == '<' || b == '>' || b == '\\' || b == '@':
			return false
		}
	}
	return true
}

// header returns the SIP header name (or its compact form) from vars.
func header(vars map[string]string, name, compact string) string {
	for k, v := range vars {
		if strings.EqualFold(k, name) || (compact != "" && k == compact) {
			return v
		}
	}
	return ""
}

// contentLength reads the SIP Content-Length (or its compact form "l").
func contentLength(vars map[string]string) int {
	for k, v := range vars {
		if strings.EqualFold(k, "Content-Length") || k == "l" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err == nil {
				return n
			}
		}
	}
	return 0
}
