package graphemu

// InboundReply builds the webhook body of a customer message of type typ
// (payload is its type node) answering the business message contextID,
// as a tap on a reply button or list row arrives: context {from: the
// business number, id: contextID} (none for an empty contextID) and, for
// typ "interactive", {type: "button_reply", button_reply: {id, title}} or
// {type: "list_reply", list_reply: {id, title, description}}. It returns
// nil for an unknown number.
func (s *Server) InboundReply(pnid, fromWaID, name, contextID, typ string, payload any) []byte {
	_, body := s.inbound(pnid, fromWaID, name, contextID, typ, payload)
	return body
}
