package graphemu

import (
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// SentMessage is one send the emulator accepted.
type SentMessage struct {
	WAMID     string
	To        string // as sent, usually with a leading +
	Recipient string // the BSUID, when sent by recipient
	Type      string
	Body      map[string]any  // the decoded request body
	Raw       json.RawMessage // the request body as received
	Time      time.Time
}

// ReadReceipt is one mark-as-read request the emulator accepted.
type ReadReceipt struct {
	MessageID string
	Typing    bool
	Time      time.Time
}

// Delivery is one webhook POST the emulator made.
type Delivery struct {
	PhoneNumberID string
	URL           string
	Body          []byte
	Status        int    // HTTP status of the answer; 0 when it failed
	Err           string // transport error, if any
	Time          time.Time
}

// maxDeliveries bounds the delivery log.
const maxDeliveries = 1000

// Sent returns the messages accepted for pnid, oldest first.
func (s *Server) Sent(pnid string) []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.numbers[pnid]; n != nil {
		return slices.Clone(n.sent)
	}
	return nil
}

// SentCount returns how many messages were accepted for pnid.
func (s *Server) SentCount(pnid string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.numbers[pnid]; n != nil {
		return len(n.sent)
	}
	return 0
}

// Rejected returns, by error code, how many requests addressed to pnid
// were refused.
func (s *Server) Rejected(pnid string) map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.numbers[pnid]; n != nil {
		return maps.Clone(n.rejected)
	}
	return map[int]int{}
}

// Reads returns the read receipts accepted for pnid, oldest first.
func (s *Server) Reads(pnid string) []ReadReceipt {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.numbers[pnid]; n != nil {
		return slices.Clone(n.reads)
	}
	return nil
}

// Deliveries returns the last webhook deliveries (at most 1,000), oldest
// first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// recordDelivery appends d to the bounded log.
func (s *Server) recordDelivery(d Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.deliveries) >= maxDeliveries {
		s.deliveries = slices.Delete(s.deliveries, 0, len(s.deliveries)-maxDeliveries+1)
	}
	s.deliveries = append(s.deliveries, d)
}
