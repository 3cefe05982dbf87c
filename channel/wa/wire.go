package wa

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// The types below mirror the JSON exactly and are decoded loosely (see
// decodeLoose); parse.go and message.go turn them into the exported types.

type envelopeWire struct {
	Object string      `json:"object"`
	Entry  []entryWire `json:"entry"`
}

type entryWire struct {
	ID      flexString   `json:"id"`
	Time    unixTime     `json:"time"`
	Changes []changeWire `json:"changes"`
}

type changeWire struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

type valueWire struct {
	Metadata struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts      []contactWire     `json:"contacts"`
	Messages      []json.RawMessage `json:"messages"`
	MessageEchoes []json.RawMessage `json:"message_echoes"`
	Statuses      []json.RawMessage `json:"statuses"`
	Errors        []errorWire       `json:"errors"`

	UserPreferences []userPreferenceWire `json:"user_preferences"`

	// Account-level changes.
	Event                string     `json:"event"`
	Reason               string     `json:"reason"`
	DisplayPhoneNumber   string     `json:"display_phone_number"`
	PhoneNumber          string     `json:"phone_number"`
	CurrentLimit         string     `json:"current_limit"`
	TemplateID           flexString `json:"message_template_id"`
	TemplateName         string     `json:"message_template_name"`
	TemplateLanguage     string     `json:"message_template_language"`
	TemplateCategory     string     `json:"message_template_category"`
	PreviousQualityScore string     `json:"previous_quality_score"`
	NewQualityScore      string     `json:"new_quality_score"`
	PreviousCategory     string     `json:"previous_category"`
	NewCategory          string     `json:"new_category"`
	CorrectCategory      string     `json:"correct_category"`
}

type contactWire struct {
	Profile struct {
		Name     string `json:"name"`
		Username string `json:"username"`
	} `json:"profile"`
	WAID   string `json:"wa_id"`
	UserID string `json:"user_id"`
}

type userPreferenceWire struct {
	WAID      string   `json:"wa_id"`
	UserID    string   `json:"user_id"`
	Detail    string   `json:"detail"`
	Category  string   `json:"category"`
	Value     string   `json:"value"`
	Timestamp unixTime `json:"timestamp"`
}

type errorWire struct {
	Code      int    `json:"code"`
	Title     string `json:"title"`
	Message   string `json:"message"`
	Href      string `json:"href"`
	ErrorData struct {
		Details string `json:"details"`
	} `json:"error_data"`
}

type messageWire struct {
	ID         string   `json:"id"`
	From       string   `json:"from"`
	FromUserID string   `json:"from_user_id"`
	To         string   `json:"to"`
	ToUserID   string   `json:"to_user_id"`
	GroupID    string   `json:"group_id"`
	Timestamp  unixTime `json:"timestamp"`
	Type       string   `json:"type"`
	Text       *struct {
		Body string `json:"body"`
	} `json:"text"`
	Image       *mediaWire      `json:"image"`
	Audio       *mediaWire      `json:"audio"`
	Video       *mediaWire      `json:"video"`
	Document    *mediaWire      `json:"document"`
	Sticker     *mediaWire      `json:"sticker"`
	Location    *locationWire   `json:"location"`
	Contacts    []sharedContact `json:"contacts"`
	Interactive json.RawMessage `json:"interactive"`
	Button      *Button         `json:"button"`
	Reaction    *reactionWire   `json:"reaction"`
	Order       *orderWire      `json:"order"`
	System      *systemWire     `json:"system"`
	Unsupported *Unsupported    `json:"unsupported"`
	Edit        *editWire       `json:"edit"`
	Revoke      *revokeWire     `json:"revoke"`
	Context     *contextWire    `json:"context"`
	Referral    *referralWire   `json:"referral"`
	Errors      []errorWire     `json:"errors"`
}

type mediaWire struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
	URL      string `json:"url"`
	Voice    bool   `json:"voice"`
	Animated bool   `json:"animated"`
}

type locationWire struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name"`
	Address   string  `json:"address"`
	URL       string  `json:"url"`
}

type sharedContact struct {
	Name struct {
		FormattedName string `json:"formatted_name"`
		FirstName     string `json:"first_name"`
		LastName      string `json:"last_name"`
		MiddleName    string `json:"middle_name"`
		Prefix        string `json:"prefix"`
		Suffix        string `json:"suffix"`
	} `json:"name"`
	Phones []struct {
		Phone string `json:"phone"`
		WAID  string `json:"wa_id"`
		Type  string `json:"type"`
	} `json:"phones"`
	Emails []struct {
		Email string `json:"email"`
		Type  string `json:"type"`
	} `json:"emails"`
	Org struct {
		Company    string `json:"company"`
		Department string `json:"department"`
		Title      string `json:"title"`
	} `json:"org"`
	Birthday string `json:"birthday"`
}

type interactiveWire struct {
	Type        string `json:"type"`
	ButtonReply *struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"button_reply"`
	ListReply *struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Description string `json:"description"`
	} `json:"list_reply"`
	NFMReply *struct {
		ResponseJSON string `json:"response_json"`
		Body         string `json:"body"`
		Name         string `json:"name"`
	} `json:"nfm_reply"`
	CallPermissionReply *struct {
		Response string `json:"response"`
	} `json:"call_permission_reply"`
}

type reactionWire struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

type orderWire struct {
	CatalogID    flexString `json:"catalog_id"`
	Text         string     `json:"text"`
	ProductItems []struct {
		ProductRetailerID flexString `json:"product_retailer_id"`
		Quantity          int        `json:"quantity"`
		ItemPrice         float64    `json:"item_price"`
		Currency          string     `json:"currency"`
	} `json:"product_items"`
}

type systemWire struct {
	Type           string `json:"type"`
	Body           string `json:"body"`
	WAID           string `json:"wa_id"`
	NewWAID        string `json:"new_wa_id"`
	UserID         string `json:"user_id"`
	PreviousUserID string `json:"previous_user_id"`
}

type editWire struct {
	OriginalMessageID string          `json:"original_message_id"`
	Message           json.RawMessage `json:"message"`
}

type contextWire struct {
	From                string `json:"from"`
	ID                  string `json:"id"`
	Forwarded           bool   `json:"forwarded"`
	FrequentlyForwarded bool   `json:"frequently_forwarded"`
	ReferredProduct     *struct {
		CatalogID         flexString `json:"catalog_id"`
		ProductRetailerID flexString `json:"product_retailer_id"`
	} `json:"referred_product"`
}

type revokeWire struct {
	OriginalMessageID string `json:"original_message_id"`
}

type pricingWire struct {
	Billable     bool   `json:"billable"`
	PricingModel string `json:"pricing_model"`
	Type         string `json:"type"`
	Category     string `json:"category"`
}

type referralWire struct {
	SourceURL    string `json:"source_url"`
	SourceID     string `json:"source_id"`
	SourceType   string `json:"source_type"`
	Headline     string `json:"headline"`
	Body         string `json:"body"`
	MediaType    string `json:"media_type"`
	ImageURL     string `json:"image_url"`
	VideoURL     string `json:"video_url"`
	ThumbnailURL string `json:"thumbnail_url"`
	CtwaClid     string `json:"ctwa_clid"`
}

type statusWire struct {
	ID                    string       `json:"id"`
	Status                string       `json:"status"`
	Timestamp             unixTime     `json:"timestamp"`
	RecipientID           string       `json:"recipient_id"`
	RecipientUserID       string       `json:"recipient_user_id"`
	RecipientType         string       `json:"recipient_type"`
	BizOpaqueCallbackData string       `json:"biz_opaque_callback_data"`
	Pricing               *pricingWire `json:"pricing"`
	Errors                []errorWire  `json:"errors"`
}

// decodeLoose decodes raw into v as far as it can. raw must be valid JSON
// (it always comes out of an earlier decode), so the only failures left are
// values of an unexpected type, which encoding/json skips while filling in
// everything else; those are deliberately ignored so that a new or changed
// field never loses an event.
func decodeLoose(raw []byte, v any) {
	_ = json.Unmarshal(raw, v)
}

// flexString accepts a JSON string or number (ids are sent as either) and
// ignores anything else.
type flexString string

// UnmarshalJSON implements json.Unmarshaler; it never fails.
func (s *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var v string
		if json.Unmarshal(b, &v) == nil {
			*s = flexString(v)
		}
		return nil
	}
	if len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		*s = flexString(b)
	}
	return nil
}

// unixTime accepts Unix seconds as a JSON string or number and ignores
// anything else.
type unixTime time.Time

// UnmarshalJSON implements json.Unmarshaler; it never fails.
func (t *unixTime) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		*t = unixTime(time.Unix(n, 0).UTC())
	}
	return nil
}

// time returns t as a time.Time (zero when absent or malformed).
func (t unixTime) time() time.Time { return time.Time(t) }

func convertErrors(in []errorWire) []Error {
	if len(in) == 0 {
		return nil
	}
	out := make([]Error, len(in))
	for i, e := range in {
		out[i] = Error{Code: e.Code, Title: e.Title, Message: e.Message, Details: e.ErrorData.Details, Href: e.Href}
	}
	return out
}
