package graphemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxSendBody bounds a send request body.
const maxSendBody = 1 << 20

type sendAnswer struct {
	MessagingProduct string        `json:"messaging_product"`
	Contacts         []sendContact `json:"contacts"`
	Messages         []sendMessage `json:"messages"`
}

type sendContact struct {
	Input  string `json:"input"`
	WaID   string `json:"wa_id,omitempty"`
	UserID string `json:"user_id,omitempty"`
}

type sendMessage struct {
	ID            string `json:"id"`
	MessageStatus string `json:"message_status,omitempty"`
}

// admitPost checks the token and number of a POST to /{ver}/{pnid}/…
// and applies a pending fault; when it answers the request itself, ok is
// false.
func (s *Server) admitPost(w http.ResponseWriter, r *http.Request) (pnid string, ok bool) {
	pnid = r.PathValue("id")
	s.mu.Lock()
	tok, gerr := s.checkToken(r)
	if gerr == nil {
		_, gerr = s.numberFor(pnid, tok, "post")
	}
	if gerr == nil {
		if f, ok := s.takeFault(pnid); ok {
			gerr = &f
		}
	}
	s.mu.Unlock()
	if gerr != nil {
		s.reject(w, pnid, *gerr)
		return pnid, false
	}
	return pnid, true
}

// handleMessages serves POST /{ver}/{pnid}/messages: sends and read
// receipts.
func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	pnid, ok := s.admitPost(w, r)
	if !ok {
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSendBody))
	if err != nil {
		s.reject(w, pnid, errParam("(#100) Invalid parameter").withDetails("request body too large or unreadable"))
		return
	}
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil || body == nil {
		s.reject(w, pnid, errParam("(#100) Invalid parameter").withDetails("request body is not a JSON object"))
		return
	}
	if str(body, "messaging_product") != "whatsapp" {
		s.reject(w, pnid, errParam("(#100) The parameter messaging_product is required."))
		return
	}
	if _, ok := body["status"]; ok {
		s.markRead(w, pnid, body)
		return
	}
	s.send(w, pnid, raw, body)
}

// markRead handles {status:"read", message_id, typing_indicator?}.
func (s *Server) markRead(w http.ResponseWriter, pnid string, body map[string]any) {
	if str(body, "status") != "read" {
		s.reject(w, pnid, errParam("(#100) Invalid parameter").withDetails("status must be read"))
		return
	}
	id := str(body, "message_id")
	if id == "" {
		s.reject(w, pnid, errParam("(#100) The parameter message_id is required."))
		return
	}
	typing := false
	if ti := obj(body, "typing_indicator"); ti != nil {
		if str(ti, "type") != "text" {
			s.reject(w, pnid, errParam("(#100) Invalid parameter").withDetails("typing_indicator.type must be text"))
			return
		}
		typing = true
	}
	s.mu.Lock()
	n := s.numbers[pnid]
	if n == nil || !n.inbound[id] {
		s.mu.Unlock()
		s.reject(w, pnid, errUnknownObject("post", id))
		return
	}
	n.reads = append(n.reads, ReadReceipt{MessageID: id, Typing: typing, Time: s.now()})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// send validates and accepts one message.
func (s *Server) send(w http.ResponseWriter, pnid string, raw []byte, body map[string]any) {
	s.mu.Lock()
	unregistered := s.numbers[pnid].Unregistered
	waba := s.numbers[pnid].WABAID
	s.mu.Unlock()
	if unregistered {
		s.reject(w, pnid, codeError(133010))
		return
	}
	if e := validateSend(body); e != nil {
		s.reject(w, pnid, *e)
		return
	}
	category := "service"
	if body["type"] == "template" {
		t := obj(body, "template")
		s.mu.Lock()
		tpl, ok := s.findTemplate(waba, str(t, "name"), str(obj(t, "language"), "code"))
		s.mu.Unlock()
		if e := checkTemplate(tpl, ok, t); e != nil {
			s.reject(w, pnid, *e)
			return
		}
		category = strings.ToLower(tpl.Category)
	}
	to, recipient := str(body, "to"), str(body, "recipient")
	if recipient != "" && !bsuidPattern.MatchString(recipient) {
		// A recipient that is not a business-scoped user id is a phone
		// number, as Meta treats it.
		to, recipient = recipient, ""
	}
	key := to
	if recipient != "" {
		key = recipient
	}

	now := s.now()
	s.mu.Lock()
	n := s.numbers[pnid]
	if n.limiter != nil && !n.limiter.AllowN(now, 1) {
		s.mu.Unlock()
		s.reject(w, pnid, codeError(130429).withDetails("Cloud API message throughput has been reached."))
		return
	}
	if !n.allowPair(digits(key)+recipient, now) {
		s.mu.Unlock()
		s.reject(w, pnid, codeError(131056).withDetails("Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."))
		return
	}
	msg := SentMessage{
		WAMID:     newWAMID(s.nextSeq(), digits(key)+recipient),
		To:        to,
		Recipient: recipient,
		Type:      str(body, "type"),
		Body:      body,
		Raw:       json.RawMessage(bytes.Clone(raw)),
		Time:      now,
	}
	n.sent = append(n.sent, msg)
	start := time.Now()
	n.later[msg.WAMID] = &laterStatus{due: s.laterDue(start), category: category}
	num := n.Number
	s.mu.Unlock()

	input := str(body, "to")
	if input == "" {
		input = str(body, "recipient")
	}
	c := sendContact{Input: input}
	if recipient != "" {
		c.UserID = recipient
	} else {
		c.WaID = digits(to)
	}
	writeJSON(w, http.StatusOK, sendAnswer{
		MessagingProduct: "whatsapp",
		Contacts:         []sendContact{c},
		Messages:         []sendMessage{{ID: msg.WAMID, MessageStatus: "accepted"}},
	})
	s.queueStatuses(num, msg, category, str(body, "biz_opaque_callback_data"), start)
}
