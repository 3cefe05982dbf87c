package ariemu

import (
	"log/slog"

	"github.com/gorilla/websocket"
)

// The event structs below list their keys in the order Asterisk writes
// them: type, timestamp, the type's own keys, asterisk_id, application.

type endpointStateChange struct {
	Type        string       `json:"type"`
	Timestamp   string       `json:"timestamp"`
	Endpoint    endpointJSON `json:"endpoint"`
	AsteriskID  string       `json:"asterisk_id"`
	Application string       `json:"application"`
}

type peerStatusChange struct {
	Type      string       `json:"type"`
	Timestamp string       `json:"timestamp"`
	Endpoint  endpointJSON `json:"endpoint"`
	Peer      struct {
		PeerStatus string `json:"peer_status"`
	} `json:"peer"`
	AsteriskID  string `json:"asterisk_id"`
	Application string `json:"application"`
}

type contactInfo struct {
	URI           string `json:"uri"`
	ContactStatus string `json:"contact_status"`
	AOR           string `json:"aor"`
	RoundtripUsec string `json:"roundtrip_usec"`
}

type contactStatusChange struct {
	Type        string       `json:"type"`
	Timestamp   string       `json:"timestamp"`
	Endpoint    endpointJSON `json:"endpoint"`
	ContactInfo contactInfo  `json:"contact_info"`
	AsteriskID  string       `json:"asterisk_id"`
	Application string       `json:"application"`
}

type textMessage struct {
	From      string     `json:"from"`
	To        string     `json:"to"`
	Body      string     `json:"body"`
	Variables orderedMap `json:"variables"`
}

type textMessageReceived struct {
	Type        string       `json:"type"`
	Timestamp   string       `json:"timestamp"`
	Endpoint    endpointJSON `json:"endpoint"`
	Message     textMessage  `json:"message"`
	AsteriskID  string       `json:"asterisk_id"`
	Application string       `json:"application"`
}

// applicationReplaced is the one event whose application precedes asterisk_id.
type applicationReplaced struct {
	Type        string `json:"type"`
	Timestamp   string `json:"timestamp"`
	Application string `json:"application"`
	AsteriskID  string `json:"asterisk_id"`
}

// orderedMap is a JSON object that keeps its keys in insertion order.
type orderedMap [][2]string

// MarshalJSON writes the pairs as one object in order.
func (m orderedMap) MarshalJSON() ([]byte, error) {
	out := []byte{'{'}
	for i, kv := range m {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, marshal(kv[0])...)
		out = append(out, ':')
		out = append(out, marshal(kv[1])...)
	}
	return append(out, '}'), nil
}

// outEvent is an endpoint event waiting to be fanned out to applications.
type outEvent struct {
	// resource is the endpoint the event is about; an application gets the
	// event once per matching subscription (tech and resource).
	resource string
	// build returns the event for one application.
	build func(app string) any
	// message marks a TextMessageReceived.
	message bool
}

// registrationEvents builds the three events of a registration change of
// e with the given contact; s.mu must be held.
func (s *Server) registrationEvents(e *endpoint, contact, peer, status string) []outEvent {
	ts := formatTime(s.now())
	ep := e.json()
	id := s.opts.AsteriskID
	return []outEvent{
		{resource: e.name, build: func(app string) any {
			return endpointStateChange{Type: "EndpointStateChange", Timestamp: ts, Endpoint: ep, AsteriskID: id, Application: app}
		}},
		{resource: e.name, build: func(app string) any {
			ev := peerStatusChange{Type: "PeerStatusChange", Timestamp: ts, Endpoint: ep, AsteriskID: id, Application: app}
			ev.Peer.PeerStatus = peer
			return ev
		}},
		{resource: e.name, build: func(app string) any {
			return contactStatusChange{Type: "ContactStatusChange", Timestamp: ts, Endpoint: ep,
				ContactInfo: contactInfo{URI: contact, ContactStatus: status, AOR: e.name, RoundtripUsec: "0"},
				AsteriskID:  id, Application: app}
		}},
	}
}

// deliver sends each event to every connected application subscribed to
// its endpoint, once per matching subscription, like Asterisk does. A
// TextMessageReceived for an inactive application is counted as missed.
func (s *Server) deliver(evs []outEvent) {
	type frame struct {
		sock *socket
		data []byte
	}
	var frames []frame
	s.mu.Lock()
	for _, ev := range evs {
		for _, a := range s.sortedApps() {
			n := a.matches(ev.resource)
			if n > 0 && a.sock == nil && ev.message {
				// One log line per matching subscription, like the
				// frames a connected application would get.
				s.missed[a.name] += n
				s.log.Debug("Inactive Stasis app missed message", slog.String("app", a.name))
			}
			if n == 0 || a.sock == nil {
				continue
			}
			data := marshal(ev.build(a.name))
			for range n {
				frames = append(frames, frame{a.sock, data})
			}
		}
	}
	s.mu.Unlock()
	for _, f := range frames {
		f.sock.send(websocket.TextMessage, f.data)
	}
}
