// Package pbx holds the plain types shared between the PBX adapters and the
// channel layer: messages typed by agents on their phones, endpoint
// (extension) presence, and the errors a PBX adapter reports.
package pbx

import (
	"errors"
	"time"
)

// TextMessage is a SIP MESSAGE an agent's phone sent to a channel address.
type TextMessage struct {
	// ID identifies the SIP request (its Call-ID and CSeq), so that the
	// copies of one message that reach wachan by two routes (ARI and the
	// dialplan hand-off) are recognised; "" when unknown.
	ID string
	// From is the sending extension, e.g. "1001".
	From string
	// To is the user part of the destination, e.g. "wa-447700900001".
	To string
	// Body is the text as received; empty when Oversize is set.
	Body string
	// Oversize reports that the PBX dropped the body: Asterisk empties
	// bodies of 1024 bytes or more, leaving only the Content-Length.
	Oversize bool
	// ContentLength is the SIP Content-Length of the original message.
	ContentLength int
	// Time is when the PBX received the message.
	Time time.Time
}

// EndpointState is the presence of one extension.
type EndpointState struct {
	// Ext is the extension, e.g. "1001".
	Ext string
	// Online reports whether the extension has a registered contact.
	Online bool
	// Time is when the state was observed.
	Time time.Time
}

var (
	// ErrEndpointOffline means the extension exists but no phone is registered.
	ErrEndpointOffline = errors.New("pbx: endpoint offline")
	// ErrEndpointNotFound means the extension does not exist on the PBX.
	ErrEndpointNotFound = errors.New("pbx: endpoint not found")
	// ErrNotConnected means the PBX cannot be reached.
	ErrNotConnected = errors.New("pbx: not connected")
)
