package ariemu

import (
	"fmt"
	"net/http"
	"strings"
)

// endpoint is one configured PJSIP endpoint and its simulated phone.
type endpoint struct {
	name    string
	port    int    // the phone's SIP port on 127.0.0.1
	contact string // registered contact URI; "" when offline
}

// endpointJSON is ARI's Endpoint object, keys in Asterisk's order.
type endpointJSON struct {
	Technology string   `json:"technology"`
	Resource   string   `json:"resource"`
	State      string   `json:"state"`
	ChannelIDs []string `json:"channel_ids"`
}

func (e *endpoint) json() endpointJSON {
	state := "offline"
	if e.contact != "" {
		state = "online"
	}
	return endpointJSON{Technology: "PJSIP", Resource: e.name, State: state, ChannelIDs: []string{}}
}

// findEndpoint returns the configured endpoint name; s.mu must be held.
func (s *Server) findEndpoint(name string) *endpoint {
	for _, e := range s.endpoints {
		if e.name == name {
			return e
		}
	}
	return nil
}

func (s *Server) endpointList() []endpointJSON {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]endpointJSON, 0, len(s.endpoints))
	for _, e := range s.endpoints {
		list = append(list, e.json())
	}
	return list
}

// listEndpoints answers GET /endpoints.
func (s *Server) listEndpoints(*http.Request, []string) *response {
	return jsonResponse(http.StatusOK, s.endpointList())
}

// listEndpointsByTech answers GET /endpoints/{tech}.
func (s *Server) listEndpointsByTech(_ *http.Request, args []string) *response {
	if !strings.EqualFold(args[0], "PJSIP") {
		return errorResponse(http.StatusNotFound, "No Endpoints found - invalid tech "+args[0])
	}
	return jsonResponse(http.StatusOK, s.endpointList())
}

// getEndpoint answers GET /endpoints/{tech}/{resource}.
func (s *Server) getEndpoint(_ *http.Request, args []string) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.findEndpoint(args[1])
	if e == nil || !strings.EqualFold(args[0], "PJSIP") {
		return errorResponse(http.StatusNotFound, "Endpoint not found")
	}
	return jsonResponse(http.StatusOK, e.json())
}

// Register simulates the phone of ext registering. Like Asterisk it emits
// EndpointStateChange, PeerStatusChange and ContactStatusChange (online,
// Reachable, NonQualified); a refresh of a registered phone emits nothing.
func (s *Server) Register(ext string) error {
	s.mu.Lock()
	e := s.findEndpoint(ext)
	if e == nil {
		s.mu.Unlock()
		return fmt.Errorf("registering %s: no such endpoint", ext)
	}
	if e.contact != "" {
		s.mu.Unlock()
		return nil
	}
	s.seq++
	e.contact = fmt.Sprintf("sip:%s-0x%012x@127.0.0.1:%d", e.name, 0x556faf650000+s.seq*0x100, e.port)
	evs := s.registrationEvents(e, e.contact, "Reachable", "NonQualified")
	s.mu.Unlock()
	s.deliver(evs)
	return nil
}

// Unregister simulates the phone of ext un-registering (or its contact
// expiring): EndpointStateChange, PeerStatusChange and ContactStatusChange
// with offline, Unreachable and Removed. It does nothing when offline.
func (s *Server) Unregister(ext string) error {
	s.mu.Lock()
	e := s.findEndpoint(ext)
	if e == nil {
		s.mu.Unlock()
		return fmt.Errorf("unregistering %s: no such endpoint", ext)
	}
	if e.contact == "" {
		s.mu.Unlock()
		return nil
	}
	contact := e.contact
	e.contact = ""
	evs := s.registrationEvents(e, contact, "Unreachable", "Removed")
	s.mu.Unlock()
	s.deliver(evs)
	return nil
}
