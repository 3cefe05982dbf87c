package cloudapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

const (
	templateFields   = "id,name,language,status,category,parameter_format,components,quality_score"
	templatePageSize = "100"
	// maxTemplatePages bounds paging (Meta allows at most 6,000 templates).
	maxTemplatePages = 200
)

// Template is a message template of a WhatsApp Business Account.
type Template struct {
	ID              string              `json:"id"`
	Name            string              `json:"name"`
	Language        string              `json:"language"`
	Status          string              `json:"status"`   // APPROVED, PENDING, REJECTED, PAUSED, …
	Category        string              `json:"category"` // MARKETING, UTILITY, AUTHENTICATION
	ParameterFormat string              `json:"parameter_format,omitempty"`
	Components      []TemplateComponent `json:"components,omitempty"`
	QualityScore    *struct {
		Score string `json:"score"`
	} `json:"quality_score,omitempty"`
}

// TemplateComponent is one part of a template definition.
type TemplateComponent struct {
	Type    string           `json:"type"`             // HEADER, BODY, FOOTER, BUTTONS
	Format  string           `json:"format,omitempty"` // TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION (headers)
	Text    string           `json:"text,omitempty"`
	Buttons []TemplateButton `json:"buttons,omitempty"`
	Example json.RawMessage  `json:"example,omitempty"`
}

// TemplateButton is one button of a template definition.
type TemplateButton struct {
	Type        string `json:"type"` // QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, …
	Text        string `json:"text,omitempty"`
	URL         string `json:"url,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
	// Example is Meta's example value: a list of URLs for a URL button
	// with a variable, a string for a copy-code button.
	Example json.RawMessage `json:"example,omitempty"`
}

type templatePage struct {
	Data   []Template `json:"data"`
	Paging struct {
		Cursors struct {
			Before string `json:"before"`
			After  string `json:"after"`
		} `json:"cursors"`
		Next string `json:"next"`
	} `json:"paging"`
}

// ListTemplates returns every template of creds.WABAID, following the
// cursor paging. Each page is requested from the Client's own base URL with
// the after cursor, so the token never goes to a host named in paging.next.
func (c *Client) ListTemplates(ctx context.Context, creds Creds) ([]Template, error) {
	if err := needCreds(creds, false, true); err != nil {
		return nil, fmt.Errorf("listing templates: %w", err)
	}
	q := url.Values{"fields": {templateFields}, "limit": {templatePageSize}}
	var all []Template
	for range maxTemplatePages {
		var page templatePage
		err := c.do(ctx, request{
			method: http.MethodGet,
			url:    c.graphURL(q, creds.WABAID, "message_templates"),
			token:  creds.Token,
		}, &page)
		if err != nil {
			return nil, fmt.Errorf("listing templates: %w", err)
		}
		all = append(all, page.Data...)
		after := page.Paging.Cursors.After
		if page.Paging.Next == "" || after == "" || after == q.Get("after") {
			return all, nil
		}
		q.Set("after", after)
	}
	return nil, fmt.Errorf("listing templates: more than %d pages", maxTemplatePages)
}
