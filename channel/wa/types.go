package wa

import (
	"encoding/json"
	"time"
)

// Kind names what an Event carries.
type Kind string

// Event kinds. A change whose field Parse does not recognise is KindOther.
const (
	KindMessage            Kind = "message"             // an inbound customer message (Event.Message)
	KindMessageEcho        Kind = "message_echo"        // a message the business sent from another client (Event.Message)
	KindStatus             Kind = "status"              // a status of a message the business sent (Event.Status)
	KindTemplateStatus     Kind = "template_status"     // message_template_status_update (Event.Template)
	KindTemplateQuality    Kind = "template_quality"    // message_template_quality_update (Event.Template)
	KindTemplateCategory   Kind = "template_category"   // template_category_update (Event.Template)
	KindTemplateComponents Kind = "template_components" // message_template_components_update (Event.Template)
	KindPhoneQuality       Kind = "phone_quality"       // phone_number_quality_update (Event.PhoneQuality)
	KindAccountUpdate      Kind = "account_update"      // account_update (Event.Account)
	KindUserPreference     Kind = "user_preference"     // user_preferences: marketing messages stopped or resumed (Event.Preference)
	KindError              Kind = "error"               // a messages change holding only value-level errors (Event.Errors)
	KindOther              Kind = "other"               // anything else: calls, user preferences, capability updates… (Event.Raw)
)

// Event is one normalized notification taken from a webhook body.
type Event struct {
	Kind  Kind
	Field string // the change's field, e.g. "messages"
	// WABAID is the WhatsApp Business Account id (entry.id).
	WABAID string
	// Time is entry.time; zero when the entry has none (messages changes).
	Time time.Time
	// PhoneNumberID and DisplayPhoneNumber identify the business number
	// (value.metadata); empty for account-level changes.
	PhoneNumberID, DisplayPhoneNumber string

	Message      *Message            // KindMessage, KindMessageEcho
	Status       *Status             // KindStatus
	Template     *TemplateUpdate     // KindTemplate*
	PhoneQuality *PhoneQualityUpdate // KindPhoneQuality
	Account      *AccountUpdate      // KindAccountUpdate
	Preference   *UserPreference     // KindUserPreference
	// Errors are the value-level errors of the change the event came from.
	Errors []Error

	// Raw is the change's value; for messages, echoes and statuses it is
	// the message or status object itself.
	Raw json.RawMessage
}

// Message is an inbound message (or a message echo).
type Message struct {
	ID string // wamid
	// From is the sender's phone number (wa_id); it may be empty for users
	// known only by their business-scoped user id.
	From string
	// FromUserID is the sender's business-scoped user id (BSUID).
	FromUserID string
	// ProfileName and Username come from the webhook's contacts entry.
	ProfileName string
	Username    string
	// Echo reports a message the business sent from another client (a
	// message echo); To and ToUserID then name the customer, and the
	// profile fields describe the customer rather than the sender.
	Echo         bool
	To, ToUserID string
	// GroupID is set for a message written in a WhatsApp group: the
	// group, not the sender, is then the conversation.
	GroupID   string
	Timestamp time.Time
	Type      string

	Text        string // text body
	Media       *Media // image, audio, video, document, sticker
	Location    *Location
	Contacts    []Contact // shared contact cards
	Interactive *Interactive
	Button      *Button
	Reaction    *Reaction
	Order       *Order
	System      *System
	Unsupported *Unsupported
	Edit        *Edit
	Revoke      *Revoke

	Context  *Context
	Referral *Referral
	Errors   []Error

	Raw json.RawMessage // the message object
}

// Media describes an attachment; download it through the media API by ID.
type Media struct {
	ID       string
	MimeType string
	SHA256   string
	Caption  string
	Filename string // documents
	URL      string // present in newer webhooks; still needs the access token
	Voice    bool   // audio recorded as a voice note
	Animated bool   // animated sticker
}

// Location is a shared or current location.
type Location struct {
	Latitude, Longitude float64
	Name, Address, URL  string
}

// Contact is a contact card shared by the customer.
type Contact struct {
	Name     ContactName
	Phones   []ContactPhone
	Emails   []ContactEmail
	Org      ContactOrg
	Birthday string
}

// ContactName is the name part of a shared contact card.
type ContactName struct {
	FormattedName, FirstName, LastName, MiddleName, Prefix, Suffix string
}

// ContactPhone is a phone number of a shared contact card.
type ContactPhone struct {
	Phone, WAID, Type string
}

// ContactEmail is an e-mail address of a shared contact card.
type ContactEmail struct {
	Email, Type string
}

// ContactOrg is the organisation of a shared contact card.
type ContactOrg struct {
	Company, Department, Title string
}

// Interactive is the customer's answer to an interactive message.
// Type is button_reply, list_reply, nfm_reply (a Flow response),
// call_permission_reply or a type this package does not know; Raw keeps
// the whole interactive object.
type Interactive struct {
	Type string
	// ID, Title and Description are set for button_reply and list_reply.
	ID, Title, Description string
	// ResponseJSON, Body and Name are set for nfm_reply.
	ResponseJSON, Body, Name string
	// Response is set for call_permission_reply ("accept" or "reject").
	Response string
	Raw      json.RawMessage
}

// Button is a template quick-reply button press.
type Button struct {
	Payload, Text string
}

// Reaction is an emoji reaction to a message; Removed reports that the
// customer took a reaction back (the emoji is empty or missing).
type Reaction struct {
	MessageID string
	Emoji     string
	Removed   bool
}

// Order is a cart sent from a catalog.
type Order struct {
	CatalogID string
	Text      string
	Items     []OrderItem
}

// OrderItem is one product line of an Order.
type OrderItem struct {
	ProductRetailerID string
	Quantity          int
	ItemPrice         float64
	Currency          string
}

// System is a system message: Type is user_changed_number or
// customer_changed_number (NewWAID is the new number, the message's From
// the old one), user_changed_user_id (UserID is the new business-scoped
// user id, PreviousUserID the old one) or customer_identity_changed.
type System struct {
	Type, Body     string
	WAID           string
	NewWAID        string
	UserID         string
	PreviousUserID string
}

// Unsupported names the message type WhatsApp could not deliver to the API.
type Unsupported struct {
	Type string
}

// Edit replaces the content of an earlier message; Message holds the new
// content (it has a Type but usually no ID or sender).
type Edit struct {
	OriginalMessageID string
	Message           *Message
}

// Revoke deletes an earlier message.
type Revoke struct {
	OriginalMessageID string
}

// Context tells what a message replies to, whether it was forwarded, or
// which catalog product it asks about.
type Context struct {
	From, ID            string
	Forwarded           bool
	FrequentlyForwarded bool
	ReferredProduct     *ReferredProduct
}

// ReferredProduct is the catalog product a product enquiry is about.
type ReferredProduct struct {
	CatalogID, ProductRetailerID string
}

// Referral describes the click-to-WhatsApp ad or post a message came from.
type Referral struct {
	SourceURL, SourceID, SourceType string
	Headline, Body                  string
	MediaType                       string
	ImageURL, VideoURL              string
	ThumbnailURL                    string
	CtwaClid                        string
}

// Status is a status update of a message the business sent.
type Status struct {
	ID        string // wamid of the sent message
	Status    string // sent, delivered, read, played, failed, …
	Timestamp time.Time
	// RecipientID is the recipient's phone number; RecipientUserID its BSUID.
	RecipientID, RecipientUserID string
	RecipientType                string // "group" for group messages, else empty or "individual"
	BizOpaqueCallbackData        string
	Pricing                      *Pricing
	Errors                       []Error
	Raw                          json.RawMessage
}

// Pricing tells how a message is billed.
type Pricing struct {
	Billable     bool
	PricingModel string
	Type         string
	Category     string
}

// Error is a WhatsApp error object; Details is error_data.details.
type Error struct {
	Code           int
	Title, Message string
	Details, Href  string
}

// TemplateUpdate is a message template status, quality, category or
// components update. Fields the update does not carry are empty.
type TemplateUpdate struct {
	ID       string // message_template_id
	Name     string
	Language string
	Event    string // status updates: APPROVED, REJECTED, PAUSED, …
	Reason   string
	Category string // the template's category at a status update
	// PreviousQuality and NewQuality are GREEN, YELLOW, RED or UNKNOWN.
	PreviousQuality, NewQuality string
	// PreviousCategory and NewCategory come with category updates.
	PreviousCategory, NewCategory string
}

// PhoneQualityUpdate is a phone number quality or messaging limit change.
type PhoneQualityUpdate struct {
	DisplayPhoneNumber string
	Event              string
	CurrentLimit       string
}

// AccountUpdate is a WhatsApp Business Account change; Raw on the Event
// keeps restriction, ban and partner details.
type AccountUpdate struct {
	Event       string
	PhoneNumber string
}

// UserPreference is a user's change of a messaging preference: Category
// "marketing_messages" with Value "stop" or "resume" (or another value
// Meta adds, such as "signup").
type UserPreference struct {
	WAID, UserID    string
	Category, Value string
	Detail          string
	Timestamp       time.Time
}

// CustomerKey returns the key of the customer the preference belongs to,
// as Message.CustomerKey does.
func (p *UserPreference) CustomerKey() string { return firstNonEmpty(p.WAID, p.UserID) }
