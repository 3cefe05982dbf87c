package graphemu

// InboundReply builds the webhook body of a customer message of type typ
// (payload is its type node) answering the business message contextID,
// as a tap on a reply button or list row arrives:
// context {from: the business number, id: contextID} and, for typ
// "interactive", {type: "button_reply", button_reply: {id, title}} or
// {type: "list_reply", list_reply: {id, title, description}}. It returns
// nil for an unknown number.
func (s *Server) InboundReply(pnid, fromWaID, name, contextID, typ string, payload any) []byte {
	s.mu.Lock()
	n := s.numbers[pnid]
	if n == nil {
		s.mu.Unlock()
		return nil
	}
	wamid := newWAMID(s.nextSeq(), fromWaID)
	n.inbound[wamid] = true
	num := n.Number
	s.mu.Unlock()

	var c webhookContact
	c.Profile.Name = name
	c.WaID = fromWaID
	msg := map[string]any{
		"context":   map[string]string{"from": digits(num.DisplayPhoneNumber), "id": contextID},
		"from":      fromWaID,
		"id":        wamid,
		"timestamp": unixString(s.now()),
		"type":      typ,
		typ:         payload,
	}
	body, err := encodeMeta(envelope(num, webhookValue{Contacts: []webhookContact{c}, Messages: []map[string]any{msg}}))
	if err != nil {
		return nil
	}
	return body
}
