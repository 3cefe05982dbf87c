package store

import (
	"encoding/json"
	"time"
)

// Destination is where a channel's new sessions go.
type Destination struct {
	Type string `json:"type"` // "extension" or "queue"
	ID   string `json:"id"`
}

// Channel is one WhatsApp Business number connected to the PBX.
type Channel struct {
	ID            string      `json:"id"`
	Name          string      `json:"name"`
	Number        string      `json:"number"` // E.164
	PhoneNumberID string      `json:"phone_number_id"`
	WABAID        string      `json:"waba_id"`
	AppID         string      `json:"app_id"`
	AccessToken   string      `json:"access_token"`
	AppSecret     string      `json:"app_secret"`
	VerifyToken   string      `json:"verify_token"`
	Destination   Destination `json:"destination"`
	// SendRate is the pacing limit in messages per second; 0 uses the default.
	SendRate   int       `json:"send_rate,omitempty"`
	VerifiedAt time.Time `json:"verified_at,omitzero"` // last successful webhook verification
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Check is the last Connect or Test Connection.
	Check *CheckReport `json:"check,omitempty"`
}

// Customer is a WhatsApp user who wrote to (or was written from) a channel.
type Customer struct {
	ChannelID string    `json:"channel_id"`
	Key       string    `json:"key"` // wa_id, or business-scoped user id
	WaID      string    `json:"wa_id,omitempty"`
	UserID    string    `json:"user_id,omitempty"`
	Name      string    `json:"name,omitempty"`
	Username  string    `json:"username,omitempty"`
	LastInAt  time.Time `json:"last_in_at,omitzero"` // opens the 24 h service window
	CreatedAt time.Time `json:"created_at"`
	// MergedInto is the key of the customer this one turned out to be
	// (seen with both their phone number and user id); lookups follow it.
	MergedInto string `json:"merged_into,omitempty"`
}

// Message directions.
const (
	Inbound  = "in"
	Outbound = "out"
)

// MessageError is Meta's reason for a failed message.
type MessageError struct {
	Code    int    `json:"code"`
	Title   string `json:"title,omitempty"`
	Details string `json:"details,omitempty"`
}

// Message is one WhatsApp message in either direction.
type Message struct {
	ID          uint64          `json:"id"`
	ChannelID   string          `json:"channel_id"`
	CustomerKey string          `json:"customer_key"`
	SessionID   uint64          `json:"session_id,omitempty"`
	Direction   string          `json:"direction"`
	WAMID       string          `json:"wamid,omitempty"`
	Type        string          `json:"type"`
	Text        string          `json:"text,omitempty"`
	Agent       string          `json:"agent,omitempty"`
	Status      string          `json:"status,omitempty"` // queued, sent, delivered, read, played, failed
	StatusAt    time.Time       `json:"status_at,omitzero"`
	Error       *MessageError   `json:"error,omitempty"`
	Timestamp   time.Time       `json:"timestamp"` // Meta's timestamp for inbound, accept time for outbound
	Raw         json.RawMessage `json:"raw,omitempty"`
	// Trail lists the message's status changes, oldest first.
	Trail []StatusEvent `json:"trail,omitempty"`
	// Media describes the file of an image, audio, video, document or
	// sticker message.
	Media *MediaRef `json:"media,omitempty"`
	// CampaignID is the campaign that sent the message, if any.
	CampaignID uint64 `json:"campaign_id,omitempty"`
	// KeyID is the API key that sent the message, if any.
	KeyID string `json:"key_id,omitempty"`
	// Origin is OriginBusinessApp for a message the business typed in the
	// WhatsApp Business app (a message echo), not sent through wachan.
	Origin string `json:"origin,omitempty"`
	// ReadAt is when wachan marked an inbound message read on WhatsApp
	// (the customer's blue ticks), once an agent had seen it.
	ReadAt time.Time `json:"read_at,omitzero"`
}

// OriginBusinessApp marks messages sent from the WhatsApp Business app.
const OriginBusinessApp = "business_app"

// StatusEvent is one step of a message's life: queued, sent, delivered,
// read, played or failed.
type StatusEvent struct {
	Status string        `json:"status"`
	At     time.Time     `json:"at"`
	Error  *MessageError `json:"error,omitempty"`
}

// AddTrail appends a status step to m.Trail.
func (m *Message) AddTrail(status string, at time.Time, e *MessageError) {
	m.Trail = append(m.Trail, StatusEvent{Status: status, At: at.UTC(), Error: e})
}

// MediaRef is a message's media: what WhatsApp said about it and, once
// fetched or attached, the stored file.
type MediaRef struct {
	// MediaID is WhatsApp's media id (inbound, or uploaded outbound).
	MediaID  string `json:"media_id,omitempty"`
	MIME     string `json:"mime_type,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Filename string `json:"filename,omitempty"`
	Caption  string `json:"caption,omitempty"`
	// URL is the download URL given in newer webhooks; it still needs the
	// access token and lives about 5 minutes.
	URL string `json:"url,omitempty"`
	// FileID is the stored file's id; empty until fetched.
	FileID string `json:"file_id,omitempty"`
	Size   int64  `json:"size,omitempty"`
	// Error explains why the file could not be fetched.
	Error string `json:"error,omitempty"`
}

// Counts are a channel's message counters for one day.
type Counts struct {
	Received   int64 `json:"received"`
	Sent       int64 `json:"sent"` // every send attempt, successful or not
	SentOK     int64 `json:"sent_ok"`
	SentFailed int64 `json:"sent_failed"`
	Delivered  int64 `json:"delivered"`
	Read       int64 `json:"read"`
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Received += o.Received
	c.Sent += o.Sent
	c.SentOK += o.SentOK
	c.SentFailed += o.SentFailed
	c.Delivered += o.Delivered
	c.Read += o.Read
}

// Sub subtracts o from c.
func (c *Counts) Sub(o Counts) {
	c.Add(Counts{-o.Received, -o.Sent, -o.SentOK, -o.SentFailed, -o.Delivered, -o.Read})
}

// JournalEntry is a verified webhook body waiting to be processed.
type JournalEntry struct {
	Seq        uint64    `json:"-"`
	ChannelID  string    `json:"channel_id"`
	ReceivedAt time.Time `json:"received_at"`
	Body       []byte    `json:"-"`
}

// Job is an accepted outbound send waiting in the durable queue.
type Job struct {
	Seq       uint64          `json:"-"`
	ChannelID string          `json:"channel_id"`
	MessageID uint64          `json:"message_id"`
	To        string          `json:"to"`      // recipient key (wa_id or user id)
	Payload   json.RawMessage `json:"payload"` // the Cloud API message body
	Attempts  int             `json:"attempts"`
	NotBefore time.Time       `json:"not_before,omitzero"`
	LastError string          `json:"last_error,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	// Bulk jobs (campaigns) wait while live jobs of their channel are ready.
	Bulk bool `json:"bulk,omitempty"`
	// InFlight is set, durably, just before the request to Meta; a job
	// found in flight after a crash may already have been sent.
	InFlight time.Time `json:"in_flight,omitzero"`
}

// Event is an account, phone-number or template update from Meta, kept for
// admins.
type Event struct {
	Seq       uint64    `json:"seq"`
	ChannelID string    `json:"channel_id"`
	Kind      string    `json:"kind"`
	At        time.Time `json:"at"`
	// Text describes the event in one line for the admin.
	Text string          `json:"text,omitempty"`
	Raw  json.RawMessage `json:"raw"`
}
