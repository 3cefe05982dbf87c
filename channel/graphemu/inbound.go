package graphemu

import (
	"errors"
	"fmt"
)

// InboundText builds the signed-ready webhook body of a text message from
// the customer fromWaID (profile name) to the number pnid, remembers its
// wamid so it can be marked read, and returns both. It returns empty values
// for an unknown number. Deliver the body with DeliverInbound.
func (s *Server) InboundText(pnid, fromWaID, name, text string) (wamid string, body []byte) {
	return s.Inbound(pnid, fromWaID, name, "text", map[string]any{"body": text})
}

// InboundMedia builds the webhook body of a media message (kind "image",
// "audio", "video", "document" or "sticker") carrying the media mediaID,
// which must come from AddMedia or an upload. It returns empty values for
// an unknown number or media id.
func (s *Server) InboundMedia(pnid, fromWaID, name, kind, mediaID, caption string) (wamid string, body []byte) {
	s.mu.Lock()
	m := s.media[mediaID]
	s.mu.Unlock()
	if m == nil {
		return "", nil
	}
	node := map[string]any{"id": m.id, "mime_type": m.mime, "sha256": m.sha256}
	switch kind {
	case "image", "video", "document":
		if caption != "" {
			node["caption"] = caption
		}
		if kind == "document" && m.filename != "" {
			node["filename"] = m.filename
		}
	case "audio":
		node["voice"] = false
	case "sticker":
		node["animated"] = false
	}
	return s.Inbound(pnid, fromWaID, name, kind, node)
}

// Inbound builds the webhook body of a customer message of type typ whose
// type node is payload (for example map[string]any{"body": "hi"} for
// "text"), remembers its wamid and returns both. It returns empty values for
// an unknown number.
func (s *Server) Inbound(pnid, fromWaID, name, typ string, payload any) (wamid string, body []byte) {
	return s.inbound(pnid, fromWaID, name, "", typ, payload)
}

// inbound is Inbound answering the business message contextID (none when
// empty).
func (s *Server) inbound(pnid, fromWaID, name, contextID, typ string, payload any) (wamid string, body []byte) {
	s.mu.Lock()
	n := s.numbers[pnid]
	if n == nil {
		s.mu.Unlock()
		return "", nil
	}
	wamid = newWAMID(s.nextSeq(), fromWaID)
	n.inbound[wamid] = true
	num := n.Number
	s.mu.Unlock()

	var c webhookContact
	c.Profile.Name = name
	c.WaID = fromWaID
	msg := map[string]any{
		"from":      fromWaID,
		"id":        wamid,
		"timestamp": unixString(s.now()),
		"type":      typ,
		typ:         payload,
	}
	if contextID != "" {
		msg["context"] = map[string]string{"from": digits(num.DisplayPhoneNumber), "id": contextID}
	}
	body, err := encodeMeta(envelope(num, webhookValue{Contacts: []webhookContact{c}, Messages: []map[string]any{msg}}))
	if err != nil {
		return "", nil
	}
	return wamid, body
}

// ErrNoWebhook is DeliverInbound's error when Meta would send the number's
// webhook nowhere: no URL, or its app not subscribed to its WABA.
var ErrNoWebhook = errors.New("delivering inbound webhook: no webhook URL for the number (or its app is not subscribed to its WABA)")

// DeliverInbound signs body with the number's app secret and POSTs it to
// where Meta would send it, returning the receiver's HTTP status. It stops when the
// Server is closed.
func (s *Server) DeliverInbound(pnid string, body []byte) (status int, err error) {
	s.mu.Lock()
	n := s.numbers[pnid]
	var url, secret string
	if n != nil {
		url, secret = s.target(n, "messages")
	}
	s.mu.Unlock()
	switch {
	case n == nil:
		return 0, fmt.Errorf("delivering inbound webhook: unknown number %q", pnid)
	case url == "":
		return 0, ErrNoWebhook
	}
	status, err = s.post(s.ctx, pnid, url, secret, body)
	if err != nil {
		return status, fmt.Errorf("delivering inbound webhook: %w", err)
	}
	return status, nil
}
