package cloudapi

import (
	"encoding/json"
	"strconv"
)

// TemplateMessage sends the approved template Name in Language (a code such
// as "en_US" or "pt_BR") with its variable parts in Components.
type TemplateMessage struct {
	Name       string
	Language   string
	Components []Component
}

// Component fills one part of a template: Type "header", "body" or
// "button". A button component also needs SubType ("quick_reply", "url",
// "copy_code", …) and the button's Index (0-based).
type Component struct {
	Type       string
	SubType    string
	Index      int
	Parameters []Parameter
}

// Parameter is one template variable. Type is "text" (Text; Name set for a
// template with named parameters), "payload" (Payload, quick-reply
// buttons), "image", "video" or "document" (Media, headers), "location",
// "currency" or "date_time".
type Parameter struct {
	Type     string
	Name     string
	Text     string
	Payload  string
	Media    *Media
	Location *Location
	Currency *Currency
	DateTime *DateTime
	// CouponCode is the code a copy-code button copies (type "coupon_code").
	CouponCode string
}

// Currency is a currency template parameter; Amount1000 is the amount times
// 1000.
type Currency struct {
	FallbackValue string `json:"fallback_value"`
	Code          string `json:"code"`
	Amount1000    int64  `json:"amount_1000"`
}

// DateTime is a date template parameter shown as FallbackValue.
type DateTime struct {
	FallbackValue string `json:"fallback_value"`
}

type wireLanguage struct {
	Code string `json:"code"`
}

type wireTemplate struct {
	Name       string       `json:"name"`
	Language   wireLanguage `json:"language"`
	Components []Component  `json:"components,omitempty"`
}

// MarshalJSON encodes t as {name, language:{code}, components}.
func (t *TemplateMessage) MarshalJSON() ([]byte, error) {
	return json.Marshal(wireTemplate{Name: t.Name, Language: wireLanguage{Code: t.Language}, Components: t.Components})
}

type wireComponent struct {
	Type       string      `json:"type"`
	SubType    string      `json:"sub_type,omitempty"`
	Index      *string     `json:"index,omitempty"`
	Parameters []Parameter `json:"parameters"`
}

// MarshalJSON encodes c; a button's index is sent as a string, as Meta
// documents it.
func (c Component) MarshalJSON() ([]byte, error) {
	w := wireComponent{Type: c.Type, SubType: c.SubType, Parameters: c.Parameters}
	if c.Type == "button" {
		idx := strconv.Itoa(c.Index)
		w.Index = &idx
	}
	if w.Parameters == nil {
		w.Parameters = []Parameter{}
	}
	return json.Marshal(w)
}

type wireParameter struct {
	Type          string    `json:"type"`
	ParameterName string    `json:"parameter_name,omitempty"`
	Text          *string   `json:"text,omitempty"`
	Payload       *string   `json:"payload,omitempty"`
	Image         *Media    `json:"image,omitempty"`
	Video         *Media    `json:"video,omitempty"`
	Document      *Media    `json:"document,omitempty"`
	Location      *Location `json:"location,omitempty"`
	Currency      *Currency `json:"currency,omitempty"`
	DateTime      *DateTime `json:"date_time,omitempty"`
	CouponCode    *string   `json:"coupon_code,omitempty"`
}

// MarshalJSON encodes p with only the field its Type uses.
func (p Parameter) MarshalJSON() ([]byte, error) {
	w := wireParameter{Type: p.Type, ParameterName: p.Name}
	switch p.Type {
	case "text":
		w.Text = &p.Text
	case "payload":
		w.Payload = &p.Payload
	case TypeImage:
		w.Image = p.Media
	case TypeVideo:
		w.Video = p.Media
	case TypeDocument:
		w.Document = p.Media
	case TypeLocation:
		w.Location = p.Location
	case "currency":
		w.Currency = p.Currency
	case "date_time":
		w.DateTime = p.DateTime
	case "coupon_code":
		w.CouponCode = &p.CouponCode
	}
	return json.Marshal(w)
}
